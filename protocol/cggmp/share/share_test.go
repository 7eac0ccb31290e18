package share_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
)

func TestMarshalRoundTrip(t *testing.T) {
	keys := sharetest.Deal(t, 3, 5)
	for id, k := range keys {
		if err := k.Validate(); err != nil {
			t.Fatalf("party %d: %v", id, err)
		}
		b := k.Marshal()
		got, err := share.Parse(b)
		if err != nil {
			t.Fatalf("party %d: %v", id, err)
		}
		if !bytes.Equal(got.Marshal(), b) {
			t.Fatalf("party %d: re-encoding differs", id)
		}
		if s := fmt.Sprintf("%v %+v %#v %s", got, got, got, got); strings.Contains(s, "Secret:") && !strings.Contains(s, "redacted") {
			t.Fatalf("key prints secrets: %s", s)
		}
	}
}

func TestParseRejects(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	good := keys[1].Marshal()
	// Every truncation is refused.
	for _, n := range []int{0, 1, 5, len(good) / 2, len(good) - 1} {
		if _, err := share.Parse(good[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
	if _, err := share.Parse(append(append([]byte{}, good...), 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	// A share of another key is refused (the secret no longer matches).
	other := sharetest.Deal(t, 2, 3)[1]
	k := keys[1]
	k.Secret = other.Secret
	if _, err := share.Parse(k.Marshal()); err == nil {
		t.Fatal("mismatched secret share accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sharetest.Deal(f, 2, 3)[2].Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := share.Parse(b); err == nil {
			if _, err := share.Parse(k.Marshal()); err != nil {
				t.Fatal(err)
			}
		}
	})
}
