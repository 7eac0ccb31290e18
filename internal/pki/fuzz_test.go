package pki

import (
	"net/url"
	"testing"
)

func FuzzParseIdentityURI(f *testing.F) {
	for _, s := range []string{"custos://node/node-1", "custos://admin/a.b_c", "custos://coordinator/c",
		"custos://node/", "custos://node/a/b", "custos://u@node/a", "custos://node/a?x", "https://node/a", "custos:node/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		role, name, err := parseIdentityURI(u)
		if err != nil {
			return
		}
		// url.Parse lower-cases the scheme, so compare with its rendering.
		if got := IdentityURI(role, name).String(); got != u.String() {
			t.Fatalf("IdentityURI(%q, %q) = %q, parsed from %q", role, name, got, s)
		}
	})
}
