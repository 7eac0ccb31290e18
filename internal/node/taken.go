package node

import (
	"context"
	"errors"
	"sync"

	"github.com/custos-mpc/custos/internal/keystore"
)

// nonceAhead is how many preprocessed FROST nonces a node consumes from its
// keystore along with one a signing request names: the coordinator spends
// each node's nonces in the order the node published them, so the next
// requests find theirs in memory, consumed on disk already, and one fsync
// serves nonceAhead+1 signatures instead of about two.
const nonceAhead = 15

// maxTaken bounds the nonces held taken-ahead (a coordinator that lost its
// pools never asks for them): beyond it the oldest are destroyed unused.
const maxTaken = 4096

// takenNonces holds nonces consumed ahead of their use
// (keystore.ConsumeNoncesAhead). On disk they are spent, so a crash loses
// them and never offers them again; in memory each is handed out at most
// once (take removes it).
type takenNonces struct {
	mu    sync.Mutex
	byUse map[keystore.NonceUse]*keystore.Secret
	order []keystore.NonceUse // oldest first; may name nonces taken since
}

func (t *takenNonces) has(u keystore.NonceUse) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byUse[u] != nil
}

// take hands out u's secret if it was consumed ahead, once.
func (t *takenNonces) take(u keystore.NonceUse) *keystore.Secret {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.byUse[u]
	delete(t.byUse, u)
	return s
}

// put keeps nonces of keyID consumed ahead, evicting the oldest beyond
// maxTaken.
func (t *takenNonces) put(keyID string, ns []keystore.TakenNonce) {
	if len(ns) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byUse == nil {
		t.byUse = map[keystore.NonceUse]*keystore.Secret{}
	}
	for _, n := range ns {
		u := keystore.NonceUse{KeyID: keyID, ID: n.ID}
		if old := t.byUse[u]; old != nil { // cannot happen: the store consumed it once
			old.Destroy()
		}
		t.byUse[u] = n.Secret
		t.order = append(t.order, u)
	}
	for len(t.byUse) > maxTaken {
		u := t.order[0]
		t.order = t.order[1:]
		if s := t.byUse[u]; s != nil {
			s.Destroy()
			delete(t.byUse, u)
		}
	}
	if len(t.order) > 2*len(t.byUse)+64 { // drop the names of nonces taken since
		live := t.order[:0]
		for _, u := range t.order {
			if t.byUse[u] != nil {
				live = append(live, u)
			}
		}
		clear(t.order[len(live):])
		t.order = live
	}
}

// consumeAhead is the group commit's apply for FROST nonces: a nonce taken
// ahead by an earlier commit comes from memory; the others are consumed
// with the nonces stored after them, which are kept for the requests to
// come. A use the store reports spent may have been taken ahead by another
// use of the same batch: it is looked up once more after the batch.
func consumeAhead(st keystore.Store, taken *takenNonces, uses []keystore.NonceUse) []consumed {
	out := make([]consumed, len(uses))
	var todo []keystore.NonceUse
	var at []int
	for i, u := range uses {
		if s := taken.take(u); s != nil {
			out[i] = consumed{secret: s}
			continue
		}
		todo = append(todo, u)
		at = append(at, i)
	}
	if len(todo) == 0 {
		return out
	}
	secs, aheads, errs := st.ConsumeNoncesAhead(context.Background(), todo, nonceAhead)
	for j, u := range todo {
		taken.put(u.KeyID, aheads[j])
	}
	for j, u := range todo {
		if errors.Is(errs[j], keystore.ErrNonceUsed) {
			if s := taken.take(u); s != nil {
				out[at[j]] = consumed{secret: s}
				continue
			}
		}
		out[at[j]] = consumed{secs[j], errs[j]}
	}
	return out
}
