package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/round"
)

// Threshold-ECDSA presigning and signing (CGGMP21).
//
// Presigning needs no authorization (it signs nothing): the node checks
// that the signer set is a quorum of the key's holders under the party ids
// fixed at key generation and that the path is non-hardened, runs the
// presigning machine, stores the presignature sealed under its id (the
// presigning session id, which every holder shares) and only then reports
// it stored.
//
// Signing passes the verification gate (authorize) first. With a
// presignature, the node consumes it durably (group commit: one keystore
// transaction for every consumption queued meanwhile) before it computes
// anything from it, and checks it was made for exactly this signer set and
// for the bundle's path; a presignature id it consumed before, or never
// stored, is refused. Without one, it runs presigning and signing in one
// session whose presignature lives only in memory. Either way the node
// combines the signature itself, verifies it, and reports it.

// presignIDLen is the length of a presignature id (a session id).
const presignIDLen = 32

func (n *Node) ecdsaShare(ctx context.Context, keyID string) (*storedShare, string, error) {
	st, err := n.activeShare(ctx, keyID)
	if err != nil {
		return nil, "unknown-key", err
	}
	if st.ecdsa == nil {
		return nil, "bad-request", errors.New("not an ECDSA key")
	}
	return st, "", nil
}

// checkSigners checks a session's signer set against the key's party map
// and threshold.
func (n *Node) checkSigners(st *storedShare, ps []wire.Party) (byIDs map[uint16]roster.Peer, self uint16, err error) {
	byID, self, err := n.parties(ps)
	if err != nil {
		return nil, 0, err
	}
	for id, p := range byID {
		if st.nodes[id] != p.ID {
			return nil, 0, fmt.Errorf("party %d is not node %s for this key", id, p.ID)
		}
	}
	if len(byID) < st.threshold() {
		return nil, 0, fmt.Errorf("%d signers, threshold %d", len(byID), st.threshold())
	}
	return byID, self, nil
}

func (n *Node) startPresign(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	st, reason, err := n.ecdsaShare(ctx, c.KeyID)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	if err := checkEpoch(st, c); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "epoch", err)
	}
	byID, self, err := n.checkSigners(st, c.Parties)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-parties", err)
	}
	if err := scheme.CheckPath(c.Path); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	cfg := round.Config{Session: sid, Protocol: presign.Protocol, Self: round.PartyID(self), Parties: partyIDs(byID)}
	opts := presign.Options{Path: slices.Clone(c.Path), Nonces: n.presignNonces(st.ecdsa, cfg.Parties)}
	first, msgs, err := presign.Start(cfg, st.ecdsa, opts, n.rand())
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	n.cfg.Log.Info("presign session started", "session", fmt.Sprintf("%x", sid[:8]), "key", c.KeyID, "party", self, "signers", cfg.Parties)
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, self: self, byID: byID, guard: n.guard}
	s.mach = &machineState{what: "presign", done: func(ctx context.Context, s *session, result any, _ error, send Send) error {
		pre := result.(*presign.Presignature)
		defer pre.Destroy()
		if pre.ID != sid {
			return n.refuse(send, s.id[:], s.keyID, "internal", errors.New("presignature id is not its session id"))
		}
		blob := pre.Marshal()
		defer clear(blob)
		// Persist, then report: the coordinator hands out only ids every
		// holder stored.
		if err := n.cfg.Store.PutPresignature(ctx, s.keyID, hex.EncodeToString(sid[:]), blob); err != nil {
			return n.refuse(send, s.id[:], s.keyID, "keystore", err)
		}
		n.cfg.Events("presigned", "ecdsa-secp256k1")
		return n.status(send, &wire.Status{Kind: wire.StatusPresignDone, Session: s.id[:], KeyID: s.keyID})
	}}
	return n.openMachine(ctx, s, presign.Protocol, cfg, first, msgs, send)
}

// discardPresignature consumes a stored presignature the coordinator gave
// up on (its presigning failed at another holder): consuming is always
// safe, and it keeps the node's unused presignatures equal to the pool.
func (n *Node) discardPresignature(ctx context.Context, c *wire.Control) {
	id, err := hex.DecodeString(c.PresignID)
	if err != nil || len(id) != presignIDLen || c.KeyID == "" {
		return
	}
	if sec, err := n.cfg.Store.ConsumePresignature(ctx, c.KeyID, c.PresignID); err == nil {
		sec.Destroy()
		n.cfg.Log.Info("discarded a presignature the coordinator gave up on", "key", c.KeyID, "presignature", c.PresignID[:16])
	}
}
