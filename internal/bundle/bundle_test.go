package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"
	"time"
)

func signed(t testing.TB) (*Bundle, ed25519.PublicKey, []byte) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	b := &Bundle{RequestID: "req-1", KeyID: "key-1", NotAfter: time.Unix(2_000_000_000, 0).UTC(),
		Messages: [][]byte{[]byte("tx-digest-1"), []byte("tx-digest-2")}}
	if err := b.Sign(priv); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, pub, raw
}

func TestVerify(t *testing.T) {
	b, pub, raw := signed(t)
	now := time.Unix(1_900_000_000, 0)
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify([]ed25519.PublicKey{pub}, "key-1", []byte("tx-digest-2"), now); err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name   string
		pinned []ed25519.PublicKey
		key    string
		msg    string
		now    time.Time
		want   error
	}{
		{"signed by a key the node does not pin", []ed25519.PublicKey{other}, "key-1", "tx-digest-1", now, ErrUnauthorized},
		{"expired", []ed25519.PublicKey{pub}, "key-1", "tx-digest-1", b.NotAfter, ErrExpired},
		{"for another key", []ed25519.PublicKey{pub}, "key-2", "tx-digest-1", now, ErrWrongKey},
		{"a message it does not authorize", []ed25519.PublicKey{pub}, "key-1", "tx-digest-3", now, ErrNotAuthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := p.Verify(c.pinned, c.key, []byte(c.msg), c.now); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// Any byte flipped in the signed part breaks the signature or the parse.
	for i := 0; i < len(raw); i++ {
		bad := bytes.Clone(raw)
		bad[i] ^= 0x01
		q, err := Parse(bad)
		if err != nil {
			continue
		}
		if q.Verify([]ed25519.PublicKey{pub, q.Signer}, q.KeyID, q.Messages[0], now) == nil {
			t.Fatalf("flipping byte %d still verifies", i)
		}
	}
}

func FuzzParse(f *testing.F) {
	_, _, raw := signed(f)
	f.Add(raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data)
		if err != nil {
			return
		}
		out, err := b.Marshal()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}

func TestPathBundles(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	b := &Bundle{RequestID: "r", KeyID: "k", NotAfter: time.Unix(2e9, 0), Messages: [][]byte{make([]byte, 32)}, Path: []uint32{0, 7}}
	if err := b.Sign(key); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if raw[4] != versionPath {
		t.Fatalf("a bundle with a path is version %d", raw[4])
	}
	got, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Path) != 2 || got.Path[0] != 0 || got.Path[1] != 7 {
		t.Fatalf("path %v", got.Path)
	}
	if err := got.Verify([]ed25519.PublicKey{key.Public().(ed25519.PublicKey)}, "k", make([]byte, 32), time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	t.Run("a changed path breaks the signature", func(t *testing.T) {
		bad := bytes.Clone(raw)
		bad[len(bad)-ed25519.SignatureSize-ed25519.PublicKeySize-1] = 8
		p, err := Parse(bad)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify([]ed25519.PublicKey{key.Public().(ed25519.PublicKey)}, "k", make([]byte, 32), time.Unix(1e9, 0)); err == nil {
			t.Fatal("verified")
		}
	})
	t.Run("a hardened index is refused", func(t *testing.T) {
		h := &Bundle{RequestID: "r", KeyID: "k", NotAfter: time.Unix(2e9, 0), Messages: [][]byte{{1}}, Path: []uint32{1 << 31}}
		if err := h.Sign(key); err == nil {
			t.Fatal("signed a hardened path")
		}
	})
	t.Run("without a path the encoding is version 1", func(t *testing.T) {
		b.Path = nil
		if err := b.Sign(key); err != nil {
			t.Fatal(err)
		}
		raw, _ := b.Marshal()
		if raw[4] != version {
			t.Fatal("not version 1")
		}
	})
}
