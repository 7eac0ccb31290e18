package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRosterRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roster.json")
	want := testRoster()
	if err := WriteRoster(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := LoadRoster(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"version": 1`) || !strings.Contains(string(data), `"trust_domain": "dc-fra-1"`) {
		t.Errorf("unexpected file format:\n%s", data)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %o, want 644", fi.Mode().Perm())
	}
	e, ok := got.Lookup("node-2")
	if !ok || e.Operator != "beta-ops" || len(e.IdentityBytes()) != 32 {
		t.Errorf("Lookup(node-2) = %+v, %v", e, ok)
	}
	if _, ok := got.Lookup("node-9"); ok {
		t.Error("Lookup found a node that is not there")
	}
	// Overwriting replaces the file atomically and leaves no temporary file.
	want.Nodes = want.Nodes[:1]
	if err := WriteRoster(path, want); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(entries))
	}
}

func TestRosterValidation(t *testing.T) {
	ok := func() RosterEntry {
		return RosterEntry{ID: "node-1", Operator: "acme", TrustDomain: "dc-1", Identity: "abcd"}
	}
	with := func(mod func(*RosterEntry)) RosterEntry { e := ok(); mod(&e); return e }
	tests := []struct {
		name  string
		nodes []RosterEntry
		want  string
	}{
		{"an empty roster", nil, "nodes: empty roster"},
		{"a missing id", []RosterEntry{with(func(e *RosterEntry) { e.ID = "" })}, "nodes[0].id: empty name"},
		{"a bad id", []RosterEntry{with(func(e *RosterEntry) { e.ID = "../x" })}, "nodes[0].id: name \"../x\""},
		{"a repeated id", []RosterEntry{ok(), with(func(e *RosterEntry) { e.Identity = "ef" })}, `nodes[1].id: "node-1" repeats nodes[0]`},
		{"a missing operator", []RosterEntry{with(func(e *RosterEntry) { e.Operator = "" })}, "nodes[0].operator: required"},
		{"a missing trust domain", []RosterEntry{with(func(e *RosterEntry) { e.TrustDomain = "" })}, "nodes[0].trust_domain: required"},
		{"a control character", []RosterEntry{with(func(e *RosterEntry) { e.Operator = "a\x00b" })}, "nodes[0].operator: \"a\\x00b\": control"},
		{"a padded trust domain", []RosterEntry{with(func(e *RosterEntry) { e.TrustDomain = " dc" })}, "leading or trailing space"},
		{"a missing identity", []RosterEntry{with(func(e *RosterEntry) { e.Identity = "" })}, "nodes[0].identity: required"},
		{"an identity that is not hex", []RosterEntry{with(func(e *RosterEntry) { e.Identity = "xyz" })}, "nodes[0].identity: want lower-case hexadecimal"},
		{"an upper-case identity", []RosterEntry{with(func(e *RosterEntry) { e.Identity = "ABCD" })}, "nodes[0].identity: want lower-case hexadecimal"},
		{"a repeated identity", []RosterEntry{ok(), with(func(e *RosterEntry) { e.ID = "node-2" })}, "nodes[1].identity: same identity as nodes[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Roster{Nodes: tc.nodes}
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "config: roster: ") {
				t.Errorf("Validate = %v, want an error containing %q", err, tc.want)
			}
			path := filepath.Join(t.TempDir(), "roster.json")
			if err := WriteRoster(path, r); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("WriteRoster = %v, want an error containing %q", err, tc.want)
			}
			if _, err := os.Stat(path); err == nil {
				t.Error("WriteRoster wrote an invalid roster")
			}
		})
	}
	if err := (&Roster{Nodes: []RosterEntry{ok()}}).Validate(); err != nil {
		t.Errorf("a valid roster: %v", err)
	}
	if err := WriteRoster(filepath.Join(t.TempDir(), "r.json"), nil); err == nil {
		t.Error("WriteRoster(nil) succeeded")
	}
}

func TestLoadRosterRejects(t *testing.T) {
	node := `{"id":"n1","operator":"o","trust_domain":"d","identity":"00"}`
	tests := []struct {
		name, content, want string
	}{
		{"an unknown field", `{"version":1,"nodes":[{"id":"n1","operator":"o","trust_domain":"d","identity":"00","weight":2}]}`, `unknown field "weight"`},
		{"an unknown top-level field", `{"version":1,"threshold":3,"nodes":[` + node + `]}`, `unknown field "threshold"`},
		{"a missing version", `{"nodes":[` + node + `]}`, "version 0; this build reads version 1"},
		{"a future version", `{"version":2,"nodes":[` + node + `]}`, "version 2"},
		{"trailing data", `{"version":1,"nodes":[` + node + `]} {}`, "trailing data"},
		{"not JSON", `nodes: []`, "invalid character"},
		{"an invalid entry", `{"version":1,"nodes":[{"id":"n1","operator":"","trust_domain":"d","identity":"00"}]}`, "nodes[0].operator: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "roster.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadRoster(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "config: roster "+path) {
				t.Errorf("LoadRoster = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadRoster(filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("LoadRoster(missing) = %v", err)
	}
}
