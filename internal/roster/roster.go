// Package roster is the pinned list of share nodes every daemon trusts:
// each node's id, operator, trust domain and public identity (its Ed25519
// envelope-signing key and HPKE key). Nodes accept protocol messages only
// from roster members; the coordinator accepts only roster members'
// connections and enforces placement across operators and trust domains.
package roster

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/custos-mpc/custos/internal/envelope"
)

// Peer is one node of the roster.
type Peer struct {
	ID          string
	Operator    string
	TrustDomain string
	Identity    envelope.PublicIdentity
}

// Roster maps node ids to peers.
type Roster map[string]Peer

// Entry is a roster line as configuration files carry it.
type Entry struct {
	ID          string
	Operator    string
	TrustDomain string
	Identity    string // hex of envelope.PublicIdentity.Marshal()
}

// New validates entries and builds a roster.
func New(entries []Entry) (Roster, error) {
	if len(entries) == 0 {
		return nil, errors.New("roster: empty")
	}
	r := make(Roster, len(entries))
	for _, e := range entries {
		if e.ID == "" || e.Operator == "" || e.TrustDomain == "" {
			return nil, fmt.Errorf("roster: node %q: id, operator and trust domain are required", e.ID)
		}
		if _, dup := r[e.ID]; dup {
			return nil, fmt.Errorf("roster: node %q listed twice", e.ID)
		}
		raw, err := hex.DecodeString(e.Identity)
		if err != nil {
			return nil, fmt.Errorf("roster: node %q: identity is not hex", e.ID)
		}
		id, err := envelope.ParsePublicIdentity(raw)
		if err != nil {
			return nil, fmt.Errorf("roster: node %q: %w", e.ID, err)
		}
		r[e.ID] = Peer{ID: e.ID, Operator: e.Operator, TrustDomain: e.TrustDomain, Identity: id}
	}
	return r, nil
}

// Entries returns the roster as configuration entries, sorted by id.
func (r Roster) Entries() []Entry {
	out := make([]Entry, 0, len(r))
	for _, p := range r {
		out = append(out, Entry{ID: p.ID, Operator: p.Operator, TrustDomain: p.TrustDomain, Identity: hex.EncodeToString(p.Identity.Marshal())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// IDs returns the node ids, sorted.
func (r Roster) IDs() []string {
	out := make([]string, 0, len(r))
	for id := range r {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// CheckPlacement enforces the placement rule: no operator and no trust
// domain may hold threshold or more of the shares of one key, or it could
// sign alone. It returns nil when the placement is acceptable.
func (r Roster) CheckPlacement(nodes []string, threshold int) error {
	ops := map[string]int{}
	doms := map[string]int{}
	for _, n := range nodes {
		p, ok := r[n]
		if !ok {
			return fmt.Errorf("roster: node %q is not in the roster", n)
		}
		ops[p.Operator]++
		doms[p.TrustDomain]++
	}
	for op, c := range ops {
		if c >= threshold {
			return fmt.Errorf("roster: operator %q would hold %d shares, threshold is %d", op, c, threshold)
		}
	}
	for d, c := range doms {
		if c >= threshold {
			return fmt.Errorf("roster: trust domain %q would hold %d shares, threshold is %d", d, c, threshold)
		}
	}
	return nil
}
