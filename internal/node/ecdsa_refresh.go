package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/refresh"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// Proactive key refresh of an ECDSA key, in two phases.
//
// Phase one (ControlRefresh): every holder runs CGGMP21 key refresh on its
// active share (epoch e). The engine outputs only once every party
// confirmed the same new public shares; the node then stores the new share
// sealed as the PENDING epoch e+1 beside the active one, records its
// "stored" vote on the attempt and reports it, signed. It keeps signing
// with epoch e.
//
// Phase two: ControlCommitEpoch carrying a "stored" vote from every holder
// makes e+1 active (the keystore marks e superseded in the same
// transaction), destroys the older epochs and consumes every unused
// presignature of the key (they were made under e and can never sign
// again). ControlAbortEpoch carrying one holder's "abort" vote destroys the
// pending share. The node checks the votes itself (epochvote.go): the
// coordinator relays them but cannot make them up. A node that restarts
// with a pending epoch keeps serving the active one until it is shown
// which.

var errAborted = errors.New("another holder voted to abort this refresh attempt")

// startRefresh is phase one.
func (n *Node) startRefresh(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	st, reason, err := n.ecdsaShare(ctx, c.KeyID)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	old := st.ecdsa
	if uint64(old.Epoch) != c.Epoch {
		return n.refuse(send, c.Session, c.KeyID, "epoch", fmt.Errorf("refresh of epoch %d, the active epoch is %d", c.Epoch, old.Epoch))
	}
	next := uint64(old.Epoch) + 1
	// A pending share of the next epoch is a refresh the coordinator has
	// not settled: it must commit or abort it first.
	if info, sec, err := n.cfg.Store.Share(ctx, c.KeyID, next); err == nil {
		sec.Destroy()
		return n.refuse(send, c.Session, c.KeyID, "pending-epoch", fmt.Errorf("epoch %d is %s: it must be committed or aborted first", next, info.Status))
	} else if !errors.Is(err, keystore.ErrNotFound) && !errors.Is(err, keystore.ErrDestroyed) {
		return n.refuse(send, c.Session, c.KeyID, "keystore", err)
	}
	// Every holder takes part, under the party ids fixed at key generation.
	byID, self, err := n.checkSigners(st, c.Parties)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-parties", err)
	}
	if len(byID) != len(old.Parties) {
		return n.refuse(send, c.Session, c.KeyID, "bad-parties", fmt.Errorf("%d of the key's %d holders", len(byID), len(old.Parties)))
	}
	bits := c.PaillierBits
	if bits == 0 {
		bits = old.Aux[old.ID].Paillier.BitLen()
	}
	if bits%2 != 0 || bits < paillier.MinBits || bits > paillier.MaxBits {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", fmt.Errorf("paillier modulus of %d bits", bits))
	}
	pool, err := takePrimes(ctx, n.cfg.Store, bits/2, 2)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "keystore", err)
	}
	fromPool := pool.Len()
	cfg := round.Config{Session: sid, Protocol: refresh.Protocol, Self: round.PartyID(self), Parties: partyIDs(byID)}
	start := time.Now()
	first, msgs, err := refresh.Start(ctx, cfg, old, refresh.Options{Bits: bits, Pool: pool}, n.rand())
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	n.cfg.Log.Info("key refresh started", "session", fmt.Sprintf("%x", sid[:8]), "key", c.KeyID, "epoch", next,
		"paillier_bits", bits, "primes_from_pool", fromPool, "paillier_keygen", time.Since(start).Round(time.Millisecond).String())
	nodes := st.nodes
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, self: self, byID: byID}
	s.mach = &machineState{what: "refresh", done: func(ctx context.Context, s *session, result any, _ error, send Send) error {
		key := result.(*share.Key)
		if uint64(key.Epoch) != next || !key.PublicKey.Equal(old.PublicKey) || key.ChainCode != old.ChainCode {
			key.Destroy()
			return n.refuse(send, s.id[:], s.keyID, "internal", errors.New("refreshed key is not the next epoch of the same key"))
		}
		stored := &storedShare{scheme: scheme.ECDSA, ecdsa: key, nodes: nodes}
		// Persist, then vote: a "stored" vote leaves only for a share in
		// the keystore. Once this node voted abort on the attempt (asked
		// while the session still ran, or before it started, even across
		// a restart: the vote is recorded), it never stores it.
		n.epochMu.Lock()
		err := errAborted
		rec, rerr := n.recordedVote(ctx, s.keyID, next, s.id[:])
		switch {
		case rerr != nil:
			err = rerr
		case !n.aborted[hex.EncodeToString(s.id[:])] && rec != recAbort:
			err = n.putPendingShare(ctx, s.keyID, next, stored)
			if err == nil {
				err = n.recordVote(ctx, s.keyID, next, s.id[:], recStored)
			}
		}
		n.epochMu.Unlock()
		if err != nil {
			key.Destroy()
			return n.refuse(send, s.id[:], s.keyID, "keystore", err)
		}
		pkg := publicPackage(key.PublicKey, key.ChainCode)
		key.Destroy() // read back from the keystore at commit
		n.cfg.Events("refreshed", scheme.ECDSA)
		n.cfg.Log.Info("refreshed share stored as pending", "session", fmt.Sprintf("%x", s.id[:8]), "key", s.keyID, "epoch", next)
		return n.status(send, &wire.Status{Kind: wire.StatusRefreshStored, Session: s.id[:], KeyID: s.keyID, Epoch: next, PublicKey: pkg,
			Vote: n.signVote(s.keyID, next, s.id[:], wire.VoteStored)})
	}}
	return n.openMachine(ctx, s, refresh.Protocol, cfg, first, msgs, send)
}

// putPendingShare stores a share epoch without activating it.
func (n *Node) putPendingShare(ctx context.Context, keyID string, epoch uint64, s *storedShare) error {
	blob := s.marshal()
	defer clear(blob)
	return n.cfg.Store.PutShare(ctx, keystore.ShareInfo{KeyID: keyID, Scheme: s.scheme, Epoch: epoch, PublicKey: s.publicKey()}, blob)
}

// commitEpoch is phase two: epoch c.Epoch becomes active, on a "stored"
// vote on the attempt from every holder. It is idempotent (the coordinator
// repeats it to nodes that did not confirm).
func (n *Node) commitEpoch(ctx context.Context, c *wire.Control, send Send) error {
	st, reason, err := n.ecdsaShare(ctx, c.KeyID)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	if err := n.checkVotes(st, c.KeyID, c.Epoch, c.Refresh, c.Votes, wire.VoteStored); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "no-evidence", fmt.Errorf("commit epoch %d: %w", c.Epoch, err))
	}
	if rec, err := n.recordedVote(ctx, c.KeyID, c.Epoch, c.Refresh); err != nil || rec != recStored {
		return n.refuse(send, c.Session, c.KeyID, "epoch", fmt.Errorf("commit epoch %d: this node has no stored share of that attempt (%v)", c.Epoch, err))
	}
	if err := n.switchEpoch(ctx, c.KeyID, c.Epoch); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "epoch", err)
	}
	return n.status(send, &wire.Status{Kind: wire.StatusEpochSettled, Session: c.Session, KeyID: c.KeyID, Epoch: c.Epoch})
}

func (n *Node) switchEpoch(ctx context.Context, keyID string, epoch uint64) error {
	n.epochMu.Lock()
	defer n.epochMu.Unlock()
	info, sec, err := n.cfg.Store.Share(ctx, keyID, epoch)
	if err != nil {
		return fmt.Errorf("commit epoch %d: %w", epoch, err)
	}
	defer sec.Destroy()
	switch info.Status {
	case keystore.StatusPending:
		next, err := parseStoredShare(info.Scheme, sec.Bytes())
		if err != nil {
			return err
		}
		if next.ecdsa == nil || uint64(next.ecdsa.Epoch) != epoch {
			next.destroy()
			return fmt.Errorf("commit epoch %d: the stored share is of another epoch", epoch)
		}
		if err := n.cfg.Store.ActivateShare(ctx, keyID, epoch); err != nil {
			next.destroy()
			return err
		}
		n.mu.Lock()
		prev := n.shares[keyID]
		n.shares[keyID] = next
		busy := false
		for _, s := range n.sessions {
			busy = busy || s.keyID == keyID
		}
		n.mu.Unlock()
		// A session still running on the old share keeps its copy; the
		// coordinator pauses the key's signing during a refresh, so this
		// is the exception.
		if prev != nil && !busy {
			prev.destroy()
		}
		n.cfg.Log.Info("key epoch committed", "key", keyID, "epoch", epoch)
	case keystore.StatusActive:
		// Committed before (a repeated commit).
	case keystore.StatusSuperseded:
		return fmt.Errorf("commit epoch %d: a later epoch is active", epoch)
	}
	// The older epochs and the presignatures made under them are dead.
	// Both steps are repeated on every commit, so a crash between them is
	// finished by the coordinator's retry.
	shares, err := n.cfg.Store.ListShares(ctx, keyID)
	if err != nil {
		return err
	}
	for _, sh := range shares {
		if sh.Epoch < epoch && sh.Status != keystore.StatusDestroyed {
			if err := n.cfg.Store.DestroyShare(ctx, keyID, sh.Epoch); err != nil {
				return err
			}
		}
	}
	if k, err := n.cfg.Store.DiscardPresignatures(ctx, keyID); err != nil {
		return err
	} else if k > 0 {
		n.cfg.Log.Info("discarded presignatures of the old epoch", "key", keyID, "count", k)
	}
	return nil
}

// abortEpoch destroys the pending epoch made by an attempt, on an "abort"
// vote on it from some holder. Idempotent.
func (n *Node) abortEpoch(ctx context.Context, c *wire.Control, send Send) error {
	st, reason, err := n.ecdsaShare(ctx, c.KeyID)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	if err := n.checkVotes(st, c.KeyID, c.Epoch, c.Refresh, c.Votes, wire.VoteAbort); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "no-evidence", fmt.Errorf("abort epoch %d: %w", c.Epoch, err))
	}
	n.epochMu.Lock()
	err = func() error {
		// Remembered until the node restarts (which ends any refresh
		// session still running), so a late result is not stored.
		n.aborted[hex.EncodeToString(c.Refresh)] = true
		info, sec, err := n.cfg.Store.Share(ctx, c.KeyID, c.Epoch)
		if errors.Is(err, keystore.ErrNotFound) || errors.Is(err, keystore.ErrDestroyed) {
			return nil
		}
		if err != nil {
			return err
		}
		sec.Destroy()
		if info.Status != keystore.StatusPending {
			return fmt.Errorf("abort epoch %d: it is %s", c.Epoch, info.Status)
		}
		// The pending share is this attempt's, or one no "stored" vote
		// ever left for; a share another attempt stored stays.
		rec, err := n.recordedVote(ctx, c.KeyID, c.Epoch, c.Refresh)
		if err != nil {
			return err
		}
		if rec != recStored {
			if other, err := n.storedAttemptExists(ctx, c.KeyID, c.Epoch); err != nil || other {
				return err
			}
		}
		n.cfg.Log.Info("pending key epoch aborted", "key", c.KeyID, "epoch", c.Epoch)
		return n.cfg.Store.DiscardPendingShare(ctx, c.KeyID, c.Epoch)
	}()
	n.epochMu.Unlock()
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "epoch", err)
	}
	return n.status(send, &wire.Status{Kind: wire.StatusEpochSettled, Session: c.Session, KeyID: c.KeyID, Epoch: c.Epoch})
}

// checkEpoch refuses a presigning or signing request made for another
// epoch than the node's active one: a session never mixes epochs.
func checkEpoch(st *storedShare, c *wire.Control) error {
	if uint64(st.ecdsa.Epoch) != c.Epoch {
		return fmt.Errorf("request for key epoch %d, the active epoch is %d", c.Epoch, st.ecdsa.Epoch)
	}
	return nil
}
