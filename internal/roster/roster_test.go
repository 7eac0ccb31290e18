package roster

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/custos-mpc/custos/internal/envelope"
)

func entry(t *testing.T, id, op, dom string) Entry {
	t.Helper()
	ident, err := envelope.NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Entry{ID: id, Operator: op, TrustDomain: dom, Identity: hex.EncodeToString(ident.Public().Marshal())}
}

func TestPlacementRule(t *testing.T) {
	r, err := New([]Entry{
		entry(t, "n1", "op-a", "dc-1"), entry(t, "n2", "op-a", "dc-2"), entry(t, "n3", "op-b", "dc-3"),
		entry(t, "n4", "op-b", "dc-3"), entry(t, "n5", "op-c", "dc-5"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		nodes []string
		t     int
		ok    bool
	}{
		{"3-of-5 over three operators", []string{"n1", "n2", "n3", "n4", "n5"}, 3, true},
		{"2-of-5: one operator holds two shares", []string{"n1", "n2", "n3", "n4", "n5"}, 2, false},
		{"one trust domain holds the threshold", []string{"n3", "n4", "n5"}, 2, false},
		{"an unknown node", []string{"n1", "n9"}, 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := r.CheckPlacement(c.nodes, c.t); (err == nil) != c.ok {
				t.Fatalf("CheckPlacement = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestNewRejectsBadEntries(t *testing.T) {
	good := entry(t, "n1", "op", "dc")
	for name, es := range map[string][]Entry{
		"empty":              nil,
		"duplicate id":       {good, good},
		"missing operator":   {{ID: "n2", TrustDomain: "dc", Identity: good.Identity}},
		"identity not hex":   {{ID: "n2", Operator: "op", TrustDomain: "dc", Identity: "zz"}},
		"identity too short": {{ID: "n2", Operator: "op", TrustDomain: "dc", Identity: "00"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(es); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	r, err := New([]Entry{good})
	if err != nil {
		t.Fatal(err)
	}
	if back := r.Entries(); len(back) != 1 || back[0] != good {
		t.Fatalf("entries do not round-trip: %+v", back)
	}
}
