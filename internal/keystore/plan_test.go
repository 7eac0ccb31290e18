package keystore

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNoncesAheadScanTheRowidRange: the query that finds the nonces after a
// consumed one must walk the table's rowid range, not the primary-key
// index (which would read every nonce the key ever had: a node's store
// keeps hundreds of thousands of consumed ones).
func TestNoncesAheadScanTheRowidRange(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "ks.db"), passSealer(t, "pw"))
	defer st.Close()
	rows, err := st.db.Query(`EXPLAIN QUERY PLAN `+sqlNextOneTime, 1, 2, kindNonce, "k", 15)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "rowid>? AND rowid<?") || strings.Contains(joined, "INDEX") {
		t.Fatalf("nonces ahead are found by %q", joined)
	}
}
