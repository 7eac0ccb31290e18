package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseRoster(f *testing.F) {
	seed, err := marshalRoster(testRoster())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"version":1,"nodes":[{"id":"n","operator":"o","trust_domain":"d","identity":"00"}]}`))
	f.Add([]byte(`{"version":1,"nodes":[]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseRoster(data)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("parsed roster does not validate: %v", err)
		}
		out, err := marshalRoster(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := parseRoster(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the roster: %+v != %+v", r, r2)
		}
		out2, _ := marshalRoster(r2)
		if !bytes.Equal(out, out2) {
			t.Fatal("marshal is not stable")
		}
	})
}

func FuzzParseAuthorizationKey(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add("01" + strings.Repeat("00", 31))
	f.Add("ed" + strings.Repeat("ff", 30) + "7f")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseAuthorizationKey(s)
		if err != nil {
			return
		}
		if !strings.EqualFold(k.String(), s) {
			t.Fatalf("String() = %s, parsed from %s", k, s)
		}
		k2, err := ParseAuthorizationKey(k.String())
		if err != nil || !k2.Equal(k) {
			t.Fatalf("re-parse: %v", err)
		}
	})
}

func FuzzDecodeNode(f *testing.F) {
	f.Add(ExampleNode(NodeExample{}))
	f.Add(ExampleCoordinator(CoordinatorExample{}))
	f.Add([]byte("node: {id: [1]}\n"))
	f.Add([]byte("ceremony: {round_timeout: 5}\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n Node
		if decodeYAML(data, &n) == nil {
			n.applyDefaults("/nonexistent")
		}
		var c Coordinator
		if decodeYAML(data, &c) == nil {
			c.applyDefaults("/nonexistent")
		}
	})
}
