package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/cggmp/sign"
	"github.com/custos-mpc/custos/protocol/round"
)

func (n *Node) signECDSA(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	a, reason, err := n.authorize(ctx, c)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	key := a.share.ecdsa
	if err := checkEpoch(a.share, c); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "epoch", err)
	}
	path := a.bundle.Path
	var digest [32]byte
	copy(digest[:], c.Message)
	cfg := round.Config{Session: sid, Self: round.PartyID(a.self), Parties: partyIDs(a.byID)}
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, self: a.self, byID: a.byID, guard: n.guard}
	var (
		first round.Round
		msgs  []round.Message
	)
	if c.PresignID != "" {
		id, err := hex.DecodeString(c.PresignID)
		if err != nil || len(id) != presignIDLen || c.PresignID != hex.EncodeToString(id) {
			return n.refuse(send, c.Session, c.KeyID, "bad-request", errors.New("malformed presignature id"))
		}
		if bytes.Equal(id, sid[:]) {
			return n.refuse(send, c.Session, c.KeyID, "bad-request", errors.New("signing session reuses the presigning session id"))
		}
		// Persist, then sign: the presignature is consumed on disk before
		// anything is computed from it. Whatever happens next, it never
		// signs again.
		got, qerr := n.presigs.do(ctx, keystore.NonceUse{KeyID: c.KeyID, ID: c.PresignID}, false)
		if qerr != nil || got.err != nil {
			return n.refuse(send, c.Session, c.KeyID, "presignature", errors.Join(got.err, qerr))
		}
		pre, err := presign.Parse(got.secret.Bytes())
		got.secret.Destroy()
		if err != nil {
			return n.refuse(send, c.Session, c.KeyID, "presignature", err)
		}
		if !bytes.Equal(pre.ID[:], id) {
			pre.Destroy()
			return n.refuse(send, c.Session, c.KeyID, "presignature", errors.New("stored presignature has another id"))
		}
		if !slices.Equal(pre.Signers, cfg.Parties) {
			pre.Destroy()
			return n.refuse(send, c.Session, c.KeyID, "presignature", errors.New("presignature was made for another signer set"))
		}
		if !slices.Equal(pre.Path, path) && !(len(pre.Path) == 0 && len(path) == 0) {
			pre.Destroy()
			return n.refuse(send, c.Session, c.KeyID, "presignature", errors.New("presignature is bound to another derivation path than the bundle's"))
		}
		cfg.Protocol = sign.Protocol
		if first, msgs, err = sign.Start(cfg, key, pre, digest, n.rand()); err != nil {
			pre.Destroy()
			return n.refuse(send, c.Session, c.KeyID, "presignature", err)
		}
		s.mach = &machineState{what: "sign", cleanup: pre.Destroy}
	} else {
		cfg.Protocol = sign.FullProtocol
		if first, msgs, err = sign.StartFull(cfg, key, slices.Clone(path), digest, n.rand()); err != nil {
			return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
		}
		// Full signing jumps from presigning's rounds to signing's (round
		// numbers 10 and up): its guard looks further ahead.
		s.guard = n.wideGuard
		s.mach = &machineState{what: "sign-full"}
	}
	// The presignature id (a session id, not a secret) lets an operator
	// follow one presignature to its single use; the attribute is not
	// named "presignature", which the logger redacts.
	n.cfg.Log.Info("ecdsa sign session started", "session", fmt.Sprintf("%x", sid[:8]), "key", c.KeyID, "party", a.self,
		"signers", cfg.Parties, "mode", s.mach.what, "presignature_id", c.PresignID)
	s.mach.done = func(ctx context.Context, s *session, result any, _ error, send Send) error {
		sig := result.(*sign.Signature)
		n.cfg.Events("signed", scheme.ECDSA)
		return n.status(send, &wire.Status{Kind: wire.StatusSigned, Session: s.id[:], KeyID: s.keyID,
			Signature: sig.Bytes(), RecoveryID: int(sig.RecoveryID), PublicKey: sig.PublicKey.Bytes()})
	}
	return n.openMachine(ctx, s, cfg.Protocol, cfg, first, msgs, send)
}
