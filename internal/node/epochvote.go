package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/wire"
)

// Votes on refresh attempts: the atomic commitment of a key refresh.
//
// The coordinator decides whether a refresh commits, but it is untrusted:
// had nodes taken its word, it could tell some holders to commit (they
// destroy the old epoch) and others to abort (they destroy the new one)
// until neither epoch had a threshold of shares left, losing the key. So
// each holder votes, signed with its identity key, on each attempt (the
// refresh session): "stored" once its new share is durably stored,
// "abort" when asked before that (and then it never stores it). A holder
// votes one way only, and its vote is recorded in its keystore before it
// leaves. A node commits only on a "stored" vote from every holder and
// discards its pending share only on an "abort" vote from some holder;
// the two cannot both exist, so whatever the coordinator relays, the
// holders agree. A holder waiting for the decision keeps both epochs and
// signs with the old one.

const voteNamespace = "refresh-vote"

// Recorded votes (one byte per attempt, in the keystore). A holder that
// stored an attempt another holder's vote aborted keeps saying "stored" of
// it: it did, and the outcome is the abort either way.
const (
	recStored = 's'
	recAbort  = 'a'
)

func voteName(keyID string, epoch uint64, attempt []byte) string {
	return fmt.Sprintf("%s.%d.%x", hex.EncodeToString([]byte(keyID)), epoch, attempt)
}

// recordedVote returns the node's recorded vote on an attempt, or 0.
func (n *Node) recordedVote(ctx context.Context, keyID string, epoch uint64, attempt []byte) (byte, error) {
	sec, err := n.cfg.Store.Blob(ctx, voteNamespace, voteName(keyID, epoch, attempt))
	if errors.Is(err, keystore.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer sec.Destroy()
	if b := sec.Bytes(); len(b) == 1 && (b[0] == recStored || b[0] == recAbort) {
		return b[0], nil
	}
	return 0, errors.New("node: malformed refresh vote record")
}

func (n *Node) recordVote(ctx context.Context, keyID string, epoch uint64, attempt []byte, v byte) error {
	return n.cfg.Store.PutBlob(ctx, voteNamespace, voteName(keyID, epoch, attempt), []byte{v})
}

// storedAttemptExists reports whether some attempt at this epoch has a
// "stored" record.
func (n *Node) storedAttemptExists(ctx context.Context, keyID string, epoch uint64) (bool, error) {
	names, err := n.cfg.Store.ListBlobs(ctx, voteNamespace)
	if err != nil {
		return false, err
	}
	prefix := fmt.Sprintf("%s.%d.", hex.EncodeToString([]byte(keyID)), epoch)
	for _, name := range names {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		sec, err := n.cfg.Store.Blob(ctx, voteNamespace, name)
		if err != nil {
			return false, err
		}
		stored := len(sec.Bytes()) == 1 && sec.Bytes()[0] == recStored
		sec.Destroy()
		if stored {
			return true, nil
		}
	}
	return false, nil
}

func (n *Node) signVote(keyID string, epoch uint64, attempt []byte, vote string) *wire.EpochVote {
	return &wire.EpochVote{
		Node:      n.cfg.ID,
		Vote:      vote,
		Signature: n.cfg.Identity.SignStatement(wire.EpochVoteKind, wire.EpochVoteMessage(keyID, epoch, attempt, vote)),
	}
}

// checkVotes verifies the evidence of a commit (a "stored" vote from every
// holder of the key) or of an abort (an "abort" vote from one holder) on
// an attempt, each vote signed by the holder's identity in the roster.
func (n *Node) checkVotes(st *storedShare, keyID string, epoch uint64, attempt []byte, votes []wire.EpochVote, want string) error {
	if len(attempt) != 32 {
		return errors.New("no refresh attempt named")
	}
	holders := make([]string, 0, len(st.nodes))
	for _, node := range st.nodes {
		holders = append(holders, node)
	}
	valid := map[string]bool{}
	for _, v := range votes {
		if v.Vote != want || !slices.Contains(holders, v.Node) {
			continue
		}
		peer, ok := n.cfg.Roster[v.Node]
		if !ok {
			continue
		}
		if peer.Identity.VerifyStatement(wire.EpochVoteKind, wire.EpochVoteMessage(keyID, epoch, attempt, want), v.Signature) == nil {
			valid[v.Node] = true
		}
	}
	switch {
	case want == wire.VoteAbort && len(valid) == 0:
		return errors.New("no holder's valid abort vote on this attempt")
	case want == wire.VoteStored && len(valid) != len(holders):
		var missing []string
		for _, h := range holders {
			if !valid[h] {
				missing = append(missing, h)
			}
		}
		slices.Sort(missing)
		return fmt.Errorf("no valid stored vote on this attempt from %v", missing)
	}
	return nil
}

// refreshVote answers ControlRefreshVote: the node's vote on an attempt.
// A node that has no recorded vote votes abort, durably, and its session
// of that attempt (if still running) will not store its result.
func (n *Node) refreshVote(ctx context.Context, c *wire.Control, send Send) error {
	if len(c.Refresh) != 32 {
		return n.refuse(send, c.Session, c.KeyID, "malformed", errors.New("no refresh attempt named"))
	}
	st, reason, err := n.ecdsaShare(ctx, c.KeyID)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	n.epochMu.Lock()
	vote, err := func() (string, error) {
		rec, err := n.recordedVote(ctx, c.KeyID, c.Epoch, c.Refresh)
		if err != nil {
			return "", err
		}
		switch rec {
		case recStored:
			return wire.VoteStored, nil
		case recAbort:
			return wire.VoteAbort, nil
		}
		// A new vote is only on the next epoch (this bounds what a
		// coordinator can make the node record).
		if c.Epoch != uint64(st.ecdsa.Epoch)+1 {
			return "", fmt.Errorf("vote on epoch %d, the active epoch is %d", c.Epoch, st.ecdsa.Epoch)
		}
		n.aborted[hex.EncodeToString(c.Refresh)] = true
		// A pending share of this epoch without any "stored" record is
		// what a crash between storing it and recording the vote leaves:
		// no "stored" vote ever left for it, so nothing can commit it.
		if info, sec, err := n.cfg.Store.Share(ctx, c.KeyID, c.Epoch); err == nil {
			sec.Destroy()
			stored, err := n.storedAttemptExists(ctx, c.KeyID, c.Epoch)
			if err != nil {
				return "", err
			}
			if info.Status == keystore.StatusPending && !stored {
				if err := n.cfg.Store.DiscardPendingShare(ctx, c.KeyID, c.Epoch); err != nil {
					return "", err
				}
			}
		}
		return wire.VoteAbort, n.recordVote(ctx, c.KeyID, c.Epoch, c.Refresh, recAbort)
	}()
	n.epochMu.Unlock()
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "epoch", err)
	}
	n.cfg.Log.Info("voted on a key refresh", "key", c.KeyID, "epoch", c.Epoch, "attempt", fmt.Sprintf("%x", c.Refresh[:8]), "vote", vote)
	return n.status(send, &wire.Status{Kind: wire.StatusEpochVote, Session: c.Session, KeyID: c.KeyID, Epoch: c.Epoch, Vote: n.signVote(c.KeyID, c.Epoch, c.Refresh, vote)})
}
