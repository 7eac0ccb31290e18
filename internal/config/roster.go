package config

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/custos-mpc/custos/internal/pki"
)

// RosterVersion is the version of the roster file format.
const RosterVersion = 1

// Roster pins the public identity of every share node in the cluster.
type Roster struct {
	Nodes []RosterEntry
}

// RosterEntry is one share node.
type RosterEntry struct {
	ID          string // node id, as in its configuration and certificate
	Operator    string // organisation operating the node
	TrustDomain string // failure/trust domain the node runs in
	Identity    string // lower-case hex of the node's public identity bytes
}

// rosterFile is the JSON form of a roster:
//
//	{"version": 1, "nodes": [{"id": ..., "operator": ..., "trust_domain": ..., "identity": ...}]}
type rosterFile struct {
	Version int              `json:"version"`
	Nodes   []rosterFileNode `json:"nodes"`
}

type rosterFileNode struct {
	ID          string `json:"id"`
	Operator    string `json:"operator"`
	TrustDomain string `json:"trust_domain"`
	Identity    string `json:"identity"`
}

// Lookup returns the entry for id.
func (r *Roster) Lookup(id string) (RosterEntry, bool) {
	for _, e := range r.Nodes {
		if e.ID == id {
			return e, true
		}
	}
	return RosterEntry{}, false
}

// IdentityBytes decodes the entry's identity.
func (e RosterEntry) IdentityBytes() []byte {
	b, _ := hex.DecodeString(e.Identity) // validated by Roster.Validate
	return b
}

// Validate checks that the roster has at least one node, that every field
// of every entry is well formed, and that ids and identities are unique.
func (r *Roster) Validate() error {
	if p := r.problems(); len(p) != 0 {
		return fmt.Errorf("config: roster: %s", joinProblems(p))
	}
	return nil
}

func (r *Roster) problems() problems {
	var p problems
	if len(r.Nodes) == 0 {
		p.addf("nodes", "empty roster")
	}
	ids := map[string]int{}
	idents := map[string]int{}
	for i, e := range r.Nodes {
		field := fmt.Sprintf("nodes[%d]", i)
		if err := pki.CheckName(e.ID); err != nil {
			p.addf(field+".id", "%v", trimPrefix(err))
		} else if j, dup := ids[e.ID]; dup {
			p.addf(field+".id", "%q repeats nodes[%d]", e.ID, j)
		} else {
			ids[e.ID] = i
		}
		p.checkLabel(field+".operator", e.Operator)
		p.checkLabel(field+".trust_domain", e.TrustDomain)
		switch b, err := hex.DecodeString(e.Identity); {
		case e.Identity == "":
			p.addf(field+".identity", "required")
		case err != nil || hex.EncodeToString(b) != e.Identity:
			p.addf(field+".identity", "want lower-case hexadecimal")
		default:
			if j, dup := idents[e.Identity]; dup {
				p.addf(field+".identity", "same identity as nodes[%d]", j)
			} else {
				idents[e.Identity] = i
			}
		}
	}
	return p
}

// LoadRoster reads and validates a roster file. Unknown fields, a version
// other than RosterVersion and trailing data are errors.
func LoadRoster(path string) (*Roster, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: roster: %s", describeFSError(path, err))
	}
	r, err := parseRoster(data)
	if err != nil {
		return nil, fmt.Errorf("config: roster %s: %w", path, err)
	}
	return r, nil
}

// parseRoster decodes and validates the JSON form of a roster.
func parseRoster(data []byte) (*Roster, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f rosterFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the roster")
	}
	if f.Version != RosterVersion {
		return nil, fmt.Errorf("version %d; this build reads version %d", f.Version, RosterVersion)
	}
	r := &Roster{Nodes: make([]RosterEntry, 0, len(f.Nodes))}
	for _, n := range f.Nodes {
		r.Nodes = append(r.Nodes, RosterEntry(n))
	}
	if p := r.problems(); len(p) != 0 {
		return nil, errors.New(joinProblems(p))
	}
	return r, nil
}

// marshalRoster encodes a roster in its JSON form.
func marshalRoster(r *Roster) ([]byte, error) {
	f := rosterFile{Version: RosterVersion, Nodes: make([]rosterFileNode, 0, len(r.Nodes))}
	for _, e := range r.Nodes {
		f.Nodes = append(f.Nodes, rosterFileNode(e))
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// WriteRoster validates r and writes it to path atomically (a temporary
// file in the same directory, then a rename), with mode 0644.
func WriteRoster(path string, r *Roster) error {
	if r == nil {
		return errors.New("config: write roster: nil roster")
	}
	if err := r.problems().err("write roster", path); err != nil {
		return err
	}
	data, err := marshalRoster(r)
	if err != nil {
		return fmt.Errorf("config: write roster %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("config: write roster: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("config: write roster: %w", err)
	}
	return nil
}
