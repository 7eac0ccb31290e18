package keystore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/custos-mpc/custos/internal/sealer"
)

// Rekey re-seals every secret in the keystore at path from one key to
// another: a new passphrase, an age identity, later an HSM. It opens the
// store with from (ErrWrongKey if from is wrong), then re-seals the canary
// and every sealed row in a single transaction, checking that to can open
// what it sealed before committing. A crash leaves the store entirely under
// from or entirely under to. Consumed and destroyed tombstones are kept.
func Rekey(ctx context.Context, path string, from, to sealer.Sealer) error {
	if to == nil {
		return errors.New("keystore: rekey: nil target sealer")
	}
	if _, err := os.Stat(path); err != nil { // never create a store here
		return fmt.Errorf("keystore: rekey: %w", err)
	}
	st, err := openSQLite(path, from)
	if err != nil {
		return fmt.Errorf("keystore: rekey: %w", err)
	}
	defer st.Close()
	err = st.tx(ctx, func(tx *sql.Tx) error {
		reseal := func(sealed, ad []byte) ([]byte, error) {
			pt, err := from.Open(sealed, ad)
			if err != nil {
				return nil, err
			}
			defer wipe(pt)
			out, err := to.Seal(pt, ad)
			if err != nil {
				return nil, err
			}
			check, err := to.Open(out, ad)
			if err != nil {
				return nil, fmt.Errorf("the new sealer cannot open what it sealed: %w", err)
			}
			wipe(check)
			return out, nil
		}
		// Each table: a query yielding (rowid, sealed, associated data
		// inputs), and how to write the new blob back.
		type row struct {
			rowid  int64
			sealed []byte
			ad     []byte
		}
		collect := func(query string, scan func(*sql.Rows) (row, error)) ([]row, error) {
			rows, err := tx.QueryContext(ctx, query)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []row
			for rows.Next() {
				r, err := scan(rows)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, rows.Err()
		}
		tables := []struct {
			name, query, update string
			scan                func(*sql.Rows) (row, error)
		}{
			{"canary",
				`SELECT m.rowid, m.value, s.value FROM meta m, meta s WHERE m.name = 'canary' AND s.name = 'store_id'`,
				`UPDATE meta SET value = ? WHERE rowid = ?`,
				func(r *sql.Rows) (row, error) {
					var x row
					var storeID []byte
					err := r.Scan(&x.rowid, &x.sealed, &storeID)
					x.ad = canaryAD(storeID)
					return x, err
				}},
			{"identity", `SELECT rowid, sealed, public FROM identity`, `UPDATE identity SET sealed = ? WHERE rowid = ?`,
				func(r *sql.Rows) (row, error) {
					var x row
					var public []byte
					err := r.Scan(&x.rowid, &x.sealed, &public)
					x.ad = identityAD(public)
					return x, err
				}},
			{"shares", `SELECT rowid, sealed, key_id, scheme, epoch, public_key FROM shares WHERE sealed IS NOT NULL`,
				`UPDATE shares SET sealed = ? WHERE rowid = ?`,
				func(r *sql.Rows) (row, error) {
					var x row
					var info ShareInfo
					var epoch int64
					err := r.Scan(&x.rowid, &x.sealed, &info.KeyID, &info.Scheme, &epoch, &info.PublicKey)
					info.Epoch = uint64(epoch)
					x.ad = shareAD(&info)
					return x, err
				}},
			{"one_time", `SELECT rowid, sealed, kind, key_id, id FROM one_time WHERE sealed IS NOT NULL`,
				`UPDATE one_time SET sealed = ? WHERE rowid = ?`,
				func(r *sql.Rows) (row, error) {
					var x row
					var kind, keyID, id string
					err := r.Scan(&x.rowid, &x.sealed, &kind, &keyID, &id)
					x.ad = oneTimeAD(kind, keyID, id)
					return x, err
				}},
			{"blobs", `SELECT rowid, sealed, namespace, name FROM blobs`, `UPDATE blobs SET sealed = ? WHERE rowid = ?`,
				func(r *sql.Rows) (row, error) {
					var x row
					var namespace, name string
					err := r.Scan(&x.rowid, &x.sealed, &namespace, &name)
					x.ad = blobAD(namespace, name)
					return x, err
				}},
		}
		for _, tb := range tables {
			rows, err := collect(tb.query, tb.scan)
			if err != nil {
				return fmt.Errorf("%s: %w", tb.name, err)
			}
			for _, r := range rows {
				out, err := reseal(r.sealed, r.ad)
				if err != nil {
					return fmt.Errorf("%s row %d: %w", tb.name, r.rowid, err)
				}
				if _, err := tx.ExecContext(ctx, tb.update, out, r.rowid); err != nil {
					return fmt.Errorf("%s row %d: %w", tb.name, r.rowid, err)
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE name = 'sealer_kind'`, []byte(to.Kind()))
		return err
	})
	if err != nil {
		return fmt.Errorf("keystore: rekey: %w", err)
	}
	return st.Close()
}
