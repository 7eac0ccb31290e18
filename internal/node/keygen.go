package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
	"github.com/custos-mpc/custos/protocol/round"
)

type keygenState struct {
	machine *round.Machine
	nodes   map[uint16]string
	scheme  string
}

func (n *Node) startKeygen(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	suite, err := scheme.FrostSuite(c.Scheme)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	byID, self, err := n.parties(c.Parties)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-parties", err)
	}
	if c.Threshold < 1 || c.Threshold > len(byID) {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", fmt.Errorf("threshold %d of %d", c.Threshold, len(byID)))
	}
	if _, err := n.activeShare(ctx, c.KeyID); err == nil {
		return n.refuse(send, c.Session, c.KeyID, "key-exists", errors.New("a share of this key id already exists"))
	} else if !errors.Is(err, keystore.ErrNotFound) {
		return n.refuse(send, c.Session, c.KeyID, "keystore", err)
	}
	protocol := frost.DKGProtocol(suite)
	cfg := round.Config{Session: sid, Protocol: protocol, Self: round.PartyID(self), Parties: partyIDs(byID)}
	first, msgs, err := frost.NewDKG(suite, cfg, c.Threshold, n.rand())
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, suite: suite, self: self, byID: byID,
		keygen: &keygenState{nodes: make(map[uint16]string, len(byID)), scheme: c.Scheme}}
	for id, p := range byID {
		s.keygen.nodes[id] = p.ID
	}
	if err := n.guard.OpenSession(sid, protocol, self); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "busy", err)
	}
	n.mu.Lock()
	if n.sessions[sid] != nil {
		n.mu.Unlock()
		return n.refuse(send, c.Session, c.KeyID, "replay", errors.New("session id already in use"))
	}
	n.sessions[sid] = s
	n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, out, err := round.NewMachine(cfg, first, msgs)
	if err != nil {
		n.endSession(sid)
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	s.keygen.machine = m
	n.cfg.Log.Info("keygen started", "session", fmt.Sprintf("%x", sid[:8]), "key", c.KeyID, "scheme", c.Scheme, "party", self, "parties", len(byID), "threshold", c.Threshold)
	return n.emit(ctx, s, out, send)
}

func (n *Node) rand() interface{ Read([]byte) (int, error) } {
	if n.cfg.Rand != nil {
		return n.cfg.Rand
	}
	return rand.Reader
}

// emit seals and sends round messages; then, if the machine finished, it
// completes the session.
func (n *Node) emit(ctx context.Context, s *session, out []round.Message, send Send) error {
	for _, m := range out {
		hdr := envelope.Header{Session: s.id, Protocol: m.Protocol, Round: m.Round, Sender: uint16(m.From), Recipient: uint16(m.To), Kind: uint8(m.Kind)}
		var to *envelope.PublicIdentity
		if m.To != 0 {
			p := s.byID[uint16(m.To)].Identity
			to = &p
		}
		env, err := envelope.Seal(n.cfg.Identity, to, hdr, m.Payload)
		if err != nil {
			return err
		}
		if err := n.sendEnvelope(send, env); err != nil {
			return err
		}
	}
	if s.keygen == nil {
		return nil
	}
	if r := s.keygen.machine.Round(); r > 0 {
		_ = n.guard.SetRound(s.id, r)
	}
	done, result, err := s.keygen.machine.Done()
	if !done {
		return nil
	}
	defer n.endSession(s.id)
	if err != nil {
		var ae *round.AbortError
		st := &wire.Status{Kind: wire.StatusAbort, Session: s.id[:], KeyID: s.keyID, Reason: err.Error()}
		if errors.As(err, &ae) {
			for _, c := range ae.Culprits {
				st.Culprits = append(st.Culprits, uint16(c))
			}
			st.Evidence = ae.Evidence
		}
		n.cfg.Log.Warn("keygen aborted", "session", fmt.Sprintf("%x", s.id[:8]), "key", s.keyID, "culprits", st.Culprits, "err", err)
		fr, e := wire.EncodeJSON(wire.FrameStatus, st)
		if e != nil {
			return e
		}
		return send(fr)
	}
	ks := result.(*frost.KeyShare)
	stored := &storedShare{scheme: s.keygen.scheme, share: ks, nodes: s.keygen.nodes}
	if err := n.storeShare(ctx, s.keyID, stored); err != nil {
		ks.Destroy()
		return n.refuse(send, s.id[:], s.keyID, "keystore", err)
	}
	n.mu.Lock()
	n.shares[s.keyID] = stored
	n.mu.Unlock()
	n.cfg.Log.Info("keygen complete", "session", fmt.Sprintf("%x", s.id[:8]), "key", s.keyID)
	fr, err := wire.EncodeJSON(wire.FrameStatus, &wire.Status{Kind: wire.StatusKeygenDone, Session: s.id[:], KeyID: s.keyID, PublicKey: frost.MarshalPublicKey(ks.Public)})
	if err != nil {
		return err
	}
	return send(fr)
}

func (n *Node) keygenStep(ctx context.Context, s *session, env *envelope.Envelope, payload []byte, send Send) error {
	msg := round.Message{Session: env.Session, Protocol: env.Protocol, Round: env.Round, Kind: round.Kind(env.Kind),
		From: round.PartyID(env.Sender), To: round.PartyID(env.Recipient), Payload: payload}
	out, err := s.keygen.machine.Step(msg)
	if err != nil {
		if done, _, _ := s.keygen.machine.Done(); !done {
			n.cfg.Log.Warn("dropped protocol message", "session", fmt.Sprintf("%x", s.id[:8]), "sender", env.Sender, "err", err)
			return nil
		}
	}
	return n.emit(ctx, s, out, send)
}
