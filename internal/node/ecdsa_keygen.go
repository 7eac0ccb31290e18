package node

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/cggmp/auxinfo"
	"github.com/custos-mpc/custos/protocol/cggmp/keygen"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// Threshold-ECDSA key generation is two sessions the coordinator runs one
// after the other: CGGMP21 key generation (ControlKeygen with the scheme
// ecdsa-secp256k1), whose result the node keeps in memory only, then
// auxiliary info (ControlAuxInfo) among exactly the same parties, after
// which the node joins both into a share.Key and stores it sealed. A node
// that restarts between the two loses the first half and the key is not
// created; nothing half-made reaches the keystore.

// machineState is a session driven by a protocol round.Machine other than
// the FROST DKG: its completion handler reports the result.
type machineState struct {
	machine *round.Machine
	what    string // for logs: "keygen", "aux-info", "presign", "sign"
	// done is called once, with the session locked, when the machine
	// finished (err is the abort, if any). It reports to the coordinator.
	done func(ctx context.Context, s *session, result any, err error, send Send) error
	// cleanup wipes secrets the session holds; called when it ends.
	cleanup func()
}

// pendingKeygen is a finished ECDSA key generation awaiting its aux info.
type pendingKeygen struct {
	result  *keygen.Result
	parties []wire.Party
	created time.Time
}

func (p *pendingKeygen) destroy() {
	if p.result != nil && p.result.Secret != nil {
		p.result.Secret.Zero()
	}
}

// publicPackage is what nodes report at the end of ECDSA key generation.
func publicPackage(pub group.Element, chain [32]byte) []byte {
	p := scheme.ECDSAPublic{ChainCode: chain}
	copy(p.Key[:], pub.Bytes())
	return p.Marshal()
}

// openMachine registers a machine session and sends its first messages.
func (n *Node) openMachine(ctx context.Context, s *session, protocol string, cfg round.Config, first round.Round, msgs []round.Message, send Send) error {
	if err := s.replayGuard(n).OpenSession(s.id, protocol, s.self); err != nil {
		s.mach.cleanupNow()
		return n.refuse(send, s.id[:], s.keyID, "busy", err)
	}
	n.mu.Lock()
	if n.sessions[s.id] != nil {
		n.mu.Unlock()
		s.mach.cleanupNow()
		return n.refuse(send, s.id[:], s.keyID, "replay", errors.New("session id already in use"))
	}
	n.sessions[s.id] = s
	n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	m, out, err := round.NewMachine(cfg, first, msgs)
	if err != nil {
		n.endSession(s.id)
		return n.refuse(send, s.id[:], s.keyID, "bad-request", err)
	}
	s.mach.machine = m
	return n.emitMachine(ctx, s, out, send)
}

func (m *machineState) cleanupNow() {
	if m != nil && m.cleanup != nil {
		m.cleanup()
		m.cleanup = nil
	}
}

// emitMachine seals and sends round messages, then completes the session
// if the machine finished.
func (n *Node) emitMachine(ctx context.Context, s *session, out []round.Message, send Send) error {
	if err := n.sendRound(s, out, send); err != nil {
		return err
	}
	if r := s.mach.machine.Round(); r > 0 {
		_ = s.replayGuard(n).SetRound(s.id, r)
	}
	done, result, err := s.mach.machine.Done()
	if !done {
		return nil
	}
	defer n.endSession(s.id)
	if err != nil {
		return n.reportAbort(s, s.mach.what, err, send)
	}
	return s.mach.done(ctx, s, result, nil, send)
}

// sendRound seals and sends round messages.
func (n *Node) sendRound(s *session, out []round.Message, send Send) error {
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
	return nil
}

// reportAbort tells the coordinator a protocol aborted, naming culprits.
func (n *Node) reportAbort(s *session, what string, err error, send Send) error {
	var ae *round.AbortError
	st := &wire.Status{Kind: wire.StatusAbort, Session: s.id[:], KeyID: s.keyID, Reason: err.Error()}
	if errors.As(err, &ae) {
		for _, c := range ae.Culprits {
			st.Culprits = append(st.Culprits, uint16(c))
		}
		st.Evidence = ae.Evidence
	}
	n.cfg.Log.Warn(what+" aborted", "session", fmt.Sprintf("%x", s.id[:8]), "key", s.keyID, "culprits", st.Culprits, "err", err)
	n.cfg.Events("aborted", what)
	fr, e := wire.EncodeJSON(wire.FrameStatus, st)
	if e != nil {
		return e
	}
	return send(fr)
}

func (n *Node) machineStep(ctx context.Context, s *session, env *envelope.Envelope, payload []byte, send Send) error {
	msg := round.Message{Session: env.Session, Protocol: env.Protocol, Round: env.Round, Kind: round.Kind(env.Kind),
		From: round.PartyID(env.Sender), To: round.PartyID(env.Recipient), Payload: payload}
	out, err := s.mach.machine.Step(msg)
	if err != nil {
		if done, _, _ := s.mach.machine.Done(); !done {
			n.cfg.Log.Warn("dropped protocol message", "session", fmt.Sprintf("%x", s.id[:8]), "sender", env.Sender, "err", err)
			return nil
		}
	}
	return n.emitMachine(ctx, s, out, send)
}

// startECDSAKeygen is phase one of an ECDSA key: CGGMP21 key generation.
func (n *Node) startECDSAKeygen(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
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
	cfg := round.Config{Session: sid, Protocol: keygen.Protocol, Self: round.PartyID(self), Parties: partyIDs(byID)}
	first, msgs, err := keygen.Start(group.Secp256k1, cfg, c.Threshold, n.rand())
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", err)
	}
	parties := append([]wire.Party(nil), c.Parties...)
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, self: self, byID: byID}
	s.mach = &machineState{what: "keygen", done: func(ctx context.Context, s *session, result any, _ error, send Send) error {
		kg := result.(*keygen.Result)
		n.mu.Lock()
		if old := n.pending[s.keyID]; old != nil {
			old.destroy()
		}
		n.pending[s.keyID] = &pendingKeygen{result: kg, parties: parties, created: n.cfg.Now()}
		n.mu.Unlock()
		n.cfg.Log.Info("ECDSA key generation complete; awaiting aux info", "session", fmt.Sprintf("%x", s.id[:8]), "key", s.keyID)
		return n.status(send, &wire.Status{Kind: wire.StatusKeygenDone, Session: s.id[:], KeyID: s.keyID, PublicKey: publicPackage(kg.PublicKey, kg.RID)})
	}}
	n.cfg.Log.Info("keygen started", "session", fmt.Sprintf("%x", sid[:8]), "key", c.KeyID, "scheme", c.Scheme, "party", self, "parties", len(byID), "threshold", c.Threshold)
	return n.openMachine(ctx, s, keygen.Protocol, cfg, first, msgs, send)
}

func (n *Node) status(send Send, st *wire.Status) error {
	fr, err := wire.EncodeJSON(wire.FrameStatus, st)
	if err != nil {
		return err
	}
	return send(fr)
}

// samePartyList reports whether two party lists name the same id → node
// pairs.
func samePartyList(a, b []wire.Party) bool {
	m := func(ps []wire.Party) map[uint16]string {
		out := make(map[uint16]string, len(ps))
		for _, p := range ps {
			out[p.ID] = p.Node
		}
		return out
	}
	return len(a) == len(b) && maps.Equal(m(a), m(b))
}

// startAuxInfo is phase two: Paillier key (primes from the sealed pool,
// removed from it durably first), ring-Pedersen parameters and proofs.
func (n *Node) startAuxInfo(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	n.mu.Lock()
	pend := n.pending[c.KeyID]
	if pend != nil {
		delete(n.pending, c.KeyID)
	}
	n.mu.Unlock()
	if pend == nil {
		return n.refuse(send, c.Session, c.KeyID, "unknown-key", errors.New("no finished key generation awaits aux info for this key"))
	}
	fail := func(reason string, err error) error {
		pend.destroy()
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	if !samePartyList(pend.parties, c.Parties) {
		return fail("bad-parties", errors.New("aux info parties differ from the key generation's"))
	}
	byID, self, err := n.parties(c.Parties)
	if err != nil {
		return fail("bad-parties", err)
	}
	bits := c.PaillierBits
	if bits == 0 {
		bits = paillier.DefaultBits
	}
	if bits%2 != 0 || bits < paillier.MinBits || bits > paillier.MaxBits {
		return fail("bad-request", fmt.Errorf("paillier modulus of %d bits", bits))
	}
	pool, err := takePrimes(ctx, n.cfg.Store, bits/2, 2)
	if err != nil {
		return fail("keystore", err)
	}
	fromPool := pool.Len()
	cfg := round.Config{Session: sid, Protocol: auxinfo.Protocol, Self: round.PartyID(self), Parties: partyIDs(byID)}
	start := time.Now()
	first, msgs, err := auxinfo.Start(ctx, cfg, auxinfo.Options{Bits: bits, Pool: pool}, n.rand())
	if err != nil {
		return fail("internal", err)
	}
	n.cfg.Log.Info("aux info started", "session", fmt.Sprintf("%x", sid[:8]), "key", c.KeyID, "paillier_bits", bits,
		"primes_from_pool", fromPool, "paillier_keygen", time.Since(start).Round(time.Millisecond).String())
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, self: self, byID: byID}
	parties := partyIDs(byID)
	s.mach = &machineState{what: "aux-info", cleanup: pend.destroy,
		done: func(ctx context.Context, s *session, result any, _ error, send Send) error {
			aux := result.(*auxinfo.Result)
			key, err := share.New(parties, pend.result, aux)
			if err != nil {
				aux.Destroy()
				return n.refuse(send, s.id[:], s.keyID, "internal", err)
			}
			pend.result = nil // owned by key now
			nodes := make(map[uint16]string, len(byID))
			for id, p := range byID {
				nodes[id] = p.ID
			}
			stored := &storedShare{scheme: scheme.ECDSA, ecdsa: key, nodes: nodes}
			if err := n.storeShare(ctx, s.keyID, stored); err != nil {
				key.Destroy()
				return n.refuse(send, s.id[:], s.keyID, "keystore", err)
			}
			n.mu.Lock()
			n.shares[s.keyID] = stored
			n.mu.Unlock()
			n.cfg.Log.Info("ECDSA key stored", "session", fmt.Sprintf("%x", s.id[:8]), "key", s.keyID)
			return n.status(send, &wire.Status{Kind: wire.StatusKeygenDone, Session: s.id[:], KeyID: s.keyID,
				PublicKey: publicPackage(key.PublicKey, key.ChainCode)})
		}}
	return n.openMachine(ctx, s, auxinfo.Protocol, cfg, first, msgs, send)
}
