// Package node is the share node: it holds one share of each key in its
// sealed keystore and takes part in key generation and signing ceremonies
// that the coordinator starts.
//
// # Security
//
// The coordinator is untrusted. A node takes part in signing only after it
// verified, itself, the signing bundle (authorization signature by a pinned
// key, expiry, key id, that the message is one the bundle authorizes). It
// accepts protocol messages only in envelopes signed by a node of its pinned
// roster under the party id that node holds in the session, decrypts
// point-to-point payloads sealed to its own HPKE key, and drops replays,
// messages of other sessions and rounds. A FROST nonce lives only in the
// node's memory and signs at most once; its use is recorded in the
// keystore in a committed transaction before the signature share computed
// from it is sent. After a crash the nonce is gone (never reused), and its
// id, if it was used, stays recorded.
package node

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

// Config is what a node needs to run.
type Config struct {
	ID       string
	Store    keystore.Store
	Identity *envelope.Identity
	Roster   roster.Roster
	// AuthKeys are the pinned keys whose signatures authorize signing
	// bundles (the policy plane's key; until it exists, operator keys).
	AuthKeys []ed25519.PublicKey
	Log      *slog.Logger
	Rand     io.Reader
	Now      func() time.Time
	// Events, if set, is told about refusals and completed requests (for
	// metrics).
	Events func(kind, detail string)
	// Misbehave exists for fault-injection tests only (the daemons never
	// set it): it may alter each signature share and the group commitment
	// reported with it before the node signs and sends them, to play a
	// malicious node.
	Misbehave func(z *frost.SignatureShare, commitment *[]byte)
}

// Node is one share node.
type Node struct {
	cfg   Config
	guard *envelope.Guard
	// wideGuard serves full ECDSA signing sessions, whose round numbers
	// jump from presigning's to signing's (10 and up).
	wideGuard *envelope.Guard

	uses     *groupCommit[keystore.NonceUse, error]
	consumes *groupCommit[keystore.NonceUse, consumed]
	taken    *takenNonces // FROST nonces consumed ahead of their use
	presigs  *groupCommit[keystore.NonceUse, consumed]

	lastFrame atomic.Int64 // unix nanoseconds of the last frame handled

	mu        sync.Mutex
	sessions  map[[32]byte]*session
	lastSweep time.Time
	shares    map[string]*storedShare   // parsed active shares by key id
	pending   map[string]*pendingKeygen // ECDSA key generations awaiting aux info

	nonces peerNonces // precomputed Paillier nonces for presigning, per peer key

	epochMu sync.Mutex      // serializes commit-epoch, abort-epoch and storing a pending epoch
	aborted map[string]bool // refresh attempts (hex session ids) this node will not store
}

// New checks cfg and returns a node.
func New(cfg Config) (*Node, error) {
	if cfg.ID == "" || cfg.Store == nil || cfg.Identity == nil {
		return nil, errors.New("node: id, store and identity are required")
	}
	me, ok := cfg.Roster[cfg.ID]
	if !ok {
		return nil, fmt.Errorf("node: %s is not in the roster", cfg.ID)
	}
	if !me.Identity.Equal(cfg.Identity.Public()) {
		return nil, errors.New("node: the roster's identity for this node is not this node's identity")
	}
	if len(cfg.AuthKeys) == 0 {
		return nil, errors.New("node: no authorization key pinned: the node could never sign")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Events == nil {
		cfg.Events = func(string, string) {}
	}
	taken := &takenNonces{}
	return &Node{
		cfg:       cfg,
		taken:     taken,
		guard:     envelope.NewGuard(envelope.GuardConfig{Lookahead: 2}),
		wideGuard: envelope.NewGuard(envelope.GuardConfig{Lookahead: 12}),
		uses:      newUseLog(cfg.Store),
		consumes:  newConsumeLog(cfg.Store, taken),
		sessions:  make(map[[32]byte]*session),
		shares:    make(map[string]*storedShare),
		pending:   make(map[string]*pendingKeygen),
		presigs:   newPresignConsumeLog(cfg.Store),
		aborted:   make(map[string]bool),
	}, nil
}

// IdleFor reports whether the node has handled no frame for at least d
// and has no session in progress: the time for background work such as
// prime search.
func (n *Node) IdleFor(d time.Duration) bool {
	if n.cfg.Now().Sub(time.Unix(0, n.lastFrame.Load())) < d {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.sessions) == 0
}

// Send is how the node talks back to the coordinator: it must be safe for
// concurrent use.
type Send func(frame []byte) error

// HandleFrame processes one frame from the coordinator. Frames of one
// session must be handled in order; frames of different sessions may be
// handled concurrently. Errors are reported to the coordinator as status
// frames; HandleFrame itself returns only transport errors.
func (n *Node) HandleFrame(ctx context.Context, raw []byte, send Send) error {
	n.lastFrame.Store(n.cfg.Now().UnixNano())
	f, err := wire.ParseFrame(raw)
	if err != nil {
		n.cfg.Log.Warn("dropped malformed frame", "err", err)
		return nil
	}
	switch f.Type {
	case wire.FrameControl:
		c, err := wire.ParseControl(f.Body)
		if err != nil {
			n.cfg.Log.Warn("dropped malformed control", "err", err)
			return nil
		}
		return n.control(ctx, c, send)
	case wire.FrameEnvelope:
		env, err := envelope.Parse(f.Body)
		if err != nil {
			n.cfg.Log.Warn("dropped malformed envelope", "err", err)
			return nil
		}
		return n.envelope(ctx, env, send)
	default:
		n.cfg.Log.Warn("dropped unexpected frame", "type", f.Type)
		return nil
	}
}

func sessionID(b []byte) ([32]byte, error) {
	var s [32]byte
	if len(b) != 32 {
		return s, errors.New("session id must be 32 bytes")
	}
	copy(s[:], b)
	return s, nil
}

func (n *Node) control(ctx context.Context, c *wire.Control, send Send) error {
	sid, err := sessionID(c.Session)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "malformed", err)
	}
	n.sweep()
	switch c.Kind {
	case wire.ControlKeygen:
		if scheme.IsECDSA(c.Scheme) {
			return n.startECDSAKeygen(ctx, sid, c, send)
		}
		return n.startKeygen(ctx, sid, c, send)
	case wire.ControlAuxInfo:
		return n.startAuxInfo(ctx, sid, c, send)
	case wire.ControlPresign:
		return n.startPresign(ctx, sid, c, send)
	case wire.ControlSignECDSA:
		return n.signECDSA(ctx, sid, c, send)
	case wire.ControlSignCommit:
		return n.signCommit(ctx, sid, c, send)
	case wire.ControlSignPackage:
		return n.signPackage(ctx, sid, c, send)
	case wire.ControlPreprocess:
		return n.preprocess(ctx, sid, c, send)
	case wire.ControlSignOneRound:
		return n.signOneRound(ctx, sid, c, send)
	case wire.ControlRefresh:
		return n.startRefresh(ctx, sid, c, send)
	case wire.ControlCommitEpoch:
		return n.commitEpoch(ctx, c, send)
	case wire.ControlAbortEpoch:
		return n.abortEpoch(ctx, c, send)
	case wire.ControlRefreshVote:
		return n.refreshVote(ctx, c, send)
	case wire.ControlCancel:
		n.endSession(sid)
		if c.PresignID != "" {
			n.discardPresignature(ctx, c)
		}
		return nil
	default:
		return n.refuse(send, c.Session, c.KeyID, "malformed", fmt.Errorf("unknown control kind %q", c.Kind))
	}
}

// refuse reports a refused request to the coordinator and the log. The
// error text is built by this package and carries no secret.
func (n *Node) refuse(send Send, session []byte, keyID, reason string, err error) error {
	n.cfg.Log.Warn("refused request", "session", hex.EncodeToString(session), "key", keyID, "reason", reason, "err", err)
	n.cfg.Events("refused", reason)
	fr, e := wire.EncodeJSON(wire.FrameStatus, &wire.Status{Kind: wire.StatusRefused, Session: session, KeyID: keyID, Reason: reason + ": " + err.Error()})
	if e != nil {
		return e
	}
	return send(fr)
}

func (n *Node) sendEnvelope(send Send, env *envelope.Envelope) error {
	return send((&wire.Frame{Type: wire.FrameEnvelope, Body: env.Marshal()}).Marshal())
}

// session is the node's state for one ceremony.
type session struct {
	mu      sync.Mutex
	created time.Time
	id      [32]byte
	kind    string
	keyID   string
	suite   *frost.Suite
	self    uint16
	byID    map[uint16]roster.Peer
	keygen  *keygenState
	sign    *signState
	mach    *machineState
	guard   *envelope.Guard // the replay guard of this session; nil: the node's
}

func (s *session) replayGuard(n *Node) *envelope.Guard {
	if s.guard != nil {
		return s.guard
	}
	return n.guard
}

func (n *Node) getSession(sid [32]byte) *session {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sessions[sid]
}

func (n *Node) endSession(sid [32]byte) {
	n.mu.Lock()
	s := n.sessions[sid]
	delete(n.sessions, sid)
	n.mu.Unlock()
	if s != nil {
		s.replayGuard(n).CloseSession(sid)
	} else {
		n.guard.CloseSession(sid)
	}
	if s != nil && s.sign != nil {
		s.sign.nonces.Destroy()
	}
	if s != nil && s.mach != nil {
		s.mach.cleanupNow()
	}
}

// sessionTTL bounds how long a node keeps a session the coordinator
// abandoned (it never sent round two, or a cancel).
const sessionTTL = 10 * time.Minute

// sweep forgets abandoned sessions, at most once a second.
func (n *Node) sweep() {
	now := n.cfg.Now()
	n.mu.Lock()
	if now.Sub(n.lastSweep) < time.Second {
		n.mu.Unlock()
		return
	}
	n.lastSweep = now
	var old [][32]byte
	for id, s := range n.sessions {
		if now.Sub(s.created) > sessionTTL {
			old = append(old, id)
		}
	}
	n.mu.Unlock()
	for _, id := range old {
		n.endSession(id)
	}
	n.mu.Lock()
	for id, p := range n.pending {
		if now.Sub(p.created) > sessionTTL {
			p.destroy()
			delete(n.pending, id)
		}
	}
	n.mu.Unlock()
}

// parties checks a session's party list against the roster and finds this
// node's party id.
func (n *Node) parties(ps []wire.Party) (map[uint16]roster.Peer, uint16, error) {
	if len(ps) == 0 || len(ps) > frost.MaxParties {
		return nil, 0, errors.New("party list size out of range")
	}
	byID := make(map[uint16]roster.Peer, len(ps))
	seen := make(map[string]bool, len(ps))
	var self uint16
	for _, p := range ps {
		peer, ok := n.cfg.Roster[p.Node]
		if !ok {
			return nil, 0, fmt.Errorf("party %d is node %q, which is not in the roster", p.ID, p.Node)
		}
		if p.ID == 0 || byID[p.ID].ID != "" || seen[p.Node] {
			return nil, 0, errors.New("party ids and nodes must be nonzero and distinct")
		}
		byID[p.ID] = peer
		seen[p.Node] = true
		if p.Node == n.cfg.ID {
			self = p.ID
		}
	}
	if self == 0 {
		return nil, 0, errors.New("this node is not a party")
	}
	return byID, self, nil
}

func (n *Node) envelope(ctx context.Context, env *envelope.Envelope, send Send) error {
	s := n.getSession(env.Session)
	if s == nil {
		n.cfg.Log.Debug("dropped envelope for an unknown session", "session", hex.EncodeToString(env.Session[:8]))
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	peer, ok := s.byID[env.Sender]
	if !ok {
		n.cfg.Log.Warn("dropped envelope from a non-party", "sender", env.Sender)
		return nil
	}
	payload, err := envelope.Open(env, peer.Identity, n.cfg.Identity)
	if err != nil {
		n.cfg.Log.Warn("dropped envelope that does not verify", "sender", env.Sender, "claimed_node", peer.ID, "err", err)
		n.cfg.Events("refused", "bad-envelope")
		return nil
	}
	if err := s.replayGuard(n).Accept(env); err != nil {
		n.cfg.Log.Warn("dropped envelope rejected by the replay guard", "sender", env.Sender, "err", err)
		n.cfg.Events("refused", "replay")
		return nil
	}
	if s.mach != nil && s.mach.machine != nil {
		return n.machineStep(ctx, s, env, payload, send)
	}
	if s.keygen == nil {
		return nil
	}
	return n.keygenStep(ctx, s, env, payload, send)
}
