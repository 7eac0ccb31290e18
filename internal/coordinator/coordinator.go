// Package coordinator is the cryptographic plane's orchestrator: it keeps a
// registry of connected share nodes, starts key generation and signing
// ceremonies, relays envelopes between nodes, times out silent nodes,
// retries with another quorum, aggregates and verifies signatures, and
// records blame.
//
// # Security
//
// The coordinator is untrusted for safety. It never sees a share: nodes
// seal point-to-point payloads to each other, sign every envelope, verify
// signing bundles themselves, and consume nonces durably before releasing
// signature shares. What the coordinator can do wrong is deny service or
// blame wrongly; its blame records carry the signed envelopes as evidence.
package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/node"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/wire"
)

// Config configures a coordinator.
type Config struct {
	Roster roster.Roster
	Store  Store
	// RoundTimeout bounds how long a ceremony waits for one round.
	RoundTimeout time.Duration
	// MaxAttempts bounds signing retries with other quorums.
	MaxAttempts int
	Log         *slog.Logger
	// PeerNode returns the node id authenticated by the connection's TLS
	// client certificate.
	PeerNode func(ctx context.Context) (string, error)
	// Events, if set, is told about ceremonies (for metrics).
	Events Events
	// NoncePool is the target number of preprocessed FROST nonce
	// commitments per node and key for one-round signing (0: two rounds).
	NoncePool int
	// PaillierBits is the Paillier modulus size of new ECDSA keys when the
	// request names none (default paillier.DefaultBits).
	PaillierBits int
	// AuxTimeout bounds the auxiliary-info phase of ECDSA key generation,
	// which may wait on safe-prime search (default 10 minutes).
	AuxTimeout time.Duration
	// PresignPool is the high watermark of each ECDSA presignature pool
	// (per key, signer set and path); PresignLow the low one (default a
	// quarter of it). Below the low watermark presigning runs at once;
	// between the two only while no signing is in flight. 0 disables
	// presigning: every ECDSA signature is a full signing.
	PresignPool, PresignLow int
	// Tamper exists for tests that play a malicious coordinator (the
	// daemons never set it): it may rewrite, drop or multiply every frame
	// on its way to a node.
	Tamper func(to string, frame []byte) [][]byte
	// TamperIn, likewise for tests only, sees every frame a node sends
	// before the coordinator handles it; nil drops the frame.
	TamperIn func(from string, frame []byte) []byte
}

// Events receives ceremony outcomes for metrics.
type Events interface {
	CeremonyStarted(protocol string)
	CeremonyCompleted(protocol string, d time.Duration)
	RoundCompleted(protocol string, round int, d time.Duration)
	CeremonyAborted(protocol, reason string)
	Blamed(node string)
	NodesOnline(n int)
	PoolSize(key, node string, n int)
}

type noEvents struct{}

func (noEvents) CeremonyStarted(string)                    {}
func (noEvents) CeremonyCompleted(string, time.Duration)   {}
func (noEvents) RoundCompleted(string, int, time.Duration) {}
func (noEvents) CeremonyAborted(string, string)            {}
func (noEvents) Blamed(string)                             {}
func (noEvents) NodesOnline(int)                           {}
func (noEvents) PoolSize(string, string, int)              {}

// Coordinator serves node streams and the admin API.
type Coordinator struct {
	cfg Config

	mu       sync.Mutex
	conns    map[string]*conn
	ceremony map[[32]byte]*ceremony
	keygenMu sync.Mutex // one key generation at a time
	pubs     sync.Map   // key id → parsed *frost.PublicKey
	keys     sync.Map   // key id → *Key
	pool     noncePools
	presigns *presignPools
	gate     *keyGate // ECDSA sessions paused during a key's refresh
	// refreshMu allows one refresh at a time; settleMu serializes updates
	// of refresh records.
	refreshMu, settleMu sync.Mutex
}

// New checks cfg and returns a coordinator.
func New(cfg Config) (*Coordinator, error) {
	if len(cfg.Roster) == 0 || cfg.Store == nil {
		return nil, errors.New("coordinator: roster and store are required")
	}
	if cfg.PeerNode == nil {
		return nil, errors.New("coordinator: a way to authenticate node connections is required")
	}
	if cfg.RoundTimeout <= 0 {
		cfg.RoundTimeout = 5 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Events == nil {
		cfg.Events = noEvents{}
	}
	if cfg.PaillierBits == 0 {
		cfg.PaillierBits = paillier.DefaultBits
	}
	if cfg.AuxTimeout <= 0 {
		cfg.AuxTimeout = 10 * time.Minute
	}
	if cfg.PresignLow <= 0 || cfg.PresignLow > cfg.PresignPool {
		cfg.PresignLow = (cfg.PresignPool + 3) / 4
	}
	c := &Coordinator{cfg: cfg, conns: map[string]*conn{}, ceremony: map[[32]byte]*ceremony{},
		pool:     noncePools{pools: map[poolKey][]node.PreprocessedCommitment{}, refilling: map[poolKey]bool{}},
		presigns: newPresignPools(), gate: newKeyGate()}
	if err := c.loadRefreshes(context.Background()); err != nil {
		return nil, fmt.Errorf("coordinator: load refresh records: %w", err)
	}
	return c, nil
}

// conn is one connected node.
type conn struct {
	node   string
	out    chan []byte
	closed chan struct{}
}

func (c *conn) send(frame []byte) bool {
	select {
	case c.out <- frame:
		return true
	case <-c.closed:
		return false
	}
}

// Online reports the connected nodes.
func (c *Coordinator) Online() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]bool, len(c.conns))
	for id := range c.conns {
		out[id] = true
	}
	return out
}

func (c *Coordinator) connOf(node string) *conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conns[node]
}

// Connect serves one node's stream (wire.NodesServer).
func (c *Coordinator) Connect(stream grpc.ServerStream) error {
	ctx := stream.Context()
	certNode, err := c.cfg.PeerNode(ctx)
	if err != nil {
		return fmt.Errorf("coordinator: unauthenticated node: %w", err)
	}
	var raw []byte
	if err := stream.RecvMsg(&raw); err != nil {
		return err
	}
	f, err := wire.ParseFrame(raw)
	if err != nil || f.Type != wire.FrameHello {
		return errors.New("coordinator: expected a hello frame")
	}
	var h wire.Hello
	if err := wire.DecodeJSON(f.Body, &h); err != nil {
		return err
	}
	peer, ok := c.cfg.Roster[h.NodeID]
	if !ok || h.NodeID != certNode {
		c.cfg.Log.Warn("rejected node connection", "claimed", h.NodeID, "certificate", certNode)
		return errors.New("coordinator: node not in the roster or certificate mismatch")
	}
	pid, err := envelope.ParsePublicIdentity(h.Identity)
	if err != nil || !pid.Equal(peer.Identity) {
		c.cfg.Log.Warn("rejected node connection: identity differs from the roster", "node", h.NodeID)
		return errors.New("coordinator: identity differs from the roster")
	}
	cn := &conn{node: h.NodeID, out: make(chan []byte, 1024), closed: make(chan struct{})}
	c.mu.Lock()
	if old := c.conns[h.NodeID]; old != nil {
		close(old.closed)
	}
	c.conns[h.NodeID] = cn
	online := len(c.conns)
	c.mu.Unlock()
	c.cfg.Events.NodesOnline(online)
	c.cfg.Log.Info("node connected", "node", h.NodeID)
	c.pool.dropNode(h.NodeID)
	// A node that missed the outcome of a key refresh learns it now.
	go c.settleNode(h.NodeID)
	defer func() {
		c.mu.Lock()
		if c.conns[h.NodeID] == cn {
			delete(c.conns, h.NodeID)
			close(cn.closed)
		}
		online := len(c.conns)
		c.mu.Unlock()
		c.cfg.Events.NodesOnline(online)
		c.cfg.Log.Info("node disconnected", "node", h.NodeID)
	}()

	errc := make(chan error, 1)
	go func() {
		for {
			select {
			case fr := <-cn.out:
				if err := stream.SendMsg(&fr); err != nil {
					errc <- err
					return
				}
			case <-cn.closed:
				errc <- nil
				return
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			}
		}
	}()
	go func() {
		for {
			var raw []byte
			if err := stream.RecvMsg(&raw); err != nil {
				errc <- err
				return
			}
			c.dispatch(h.NodeID, raw)
		}
	}()
	return <-errc
}

// dispatch hands a node's frame to its ceremony.
func (c *Coordinator) dispatch(node string, raw []byte) {
	if c.cfg.TamperIn != nil {
		if raw = c.cfg.TamperIn(node, raw); raw == nil {
			return
		}
	}
	f, err := wire.ParseFrame(raw)
	if err != nil {
		c.cfg.Log.Warn("dropped malformed frame", "node", node, "err", err)
		return
	}
	ev := event{node: node}
	switch f.Type {
	case wire.FrameEnvelope:
		env, err := envelope.Parse(f.Body)
		if err != nil {
			c.cfg.Log.Warn("dropped malformed envelope", "node", node, "err", err)
			return
		}
		ev.env, ev.raw = env, raw
	case wire.FrameStatus:
		var st wire.Status
		if err := wire.DecodeJSON(f.Body, &st); err != nil || len(st.Session) != 32 {
			c.cfg.Log.Warn("dropped malformed status", "node", node)
			return
		}
		ev.status = &st
	default:
		c.cfg.Log.Warn("dropped unexpected frame", "node", node, "type", f.Type)
		return
	}
	var sid [32]byte
	if ev.env != nil {
		sid = ev.env.Session
	} else {
		copy(sid[:], ev.status.Session)
	}
	c.mu.Lock()
	cer := c.ceremony[sid]
	c.mu.Unlock()
	if cer == nil {
		return // late message of a finished session
	}
	select {
	case cer.in <- ev:
	default:
		c.cfg.Log.Warn("ceremony inbox full; dropped", "node", node)
	}
}

type event struct {
	node   string
	env    *envelope.Envelope
	raw    []byte // the frame, for relaying
	status *wire.Status
}

// ceremony is one session the coordinator runs.
type ceremony struct {
	id      [32]byte
	in      chan event
	nodeOf  map[uint16]string
	partyOf map[string]uint16
}

func (c *Coordinator) open(sid [32]byte, parties []wire.Party) *ceremony {
	cer := &ceremony{id: sid, in: make(chan event, 16*len(parties)+16),
		nodeOf: map[uint16]string{}, partyOf: map[string]uint16{}}
	for _, p := range parties {
		cer.nodeOf[p.ID] = p.Node
		cer.partyOf[p.Node] = p.ID
	}
	c.mu.Lock()
	c.ceremony[sid] = cer
	c.mu.Unlock()
	return cer
}

func (c *Coordinator) close(cer *ceremony) {
	c.mu.Lock()
	delete(c.ceremony, cer.id)
	c.mu.Unlock()
}

// control sends a control message to a node; false if it is offline.
func (c *Coordinator) control(node string, ctl *wire.Control) bool {
	cn := c.connOf(node)
	if cn == nil {
		return false
	}
	fr, err := wire.EncodeControl(ctl)
	if err != nil {
		c.cfg.Log.Error("cannot encode a control", "node", node, "kind", ctl.Kind, "err", err)
		return false
	}
	return c.sendTo(cn, fr)
}

// sendTo sends a frame to a connected node (through Tamper in tests).
func (c *Coordinator) sendTo(cn *conn, frame []byte) bool {
	if c.cfg.Tamper == nil {
		return cn.send(frame)
	}
	ok := true
	for _, f := range c.cfg.Tamper(cn.node, frame) {
		ok = cn.send(f) && ok
	}
	return ok
}

// authentic checks that an envelope comes from the node whose
// authenticated stream carried it, under that node's party id, and, if
// verify is set, that its signature is valid (broadcasts only:
// point-to-point payloads are verified by their recipient). Signing rounds
// skip the signature here and check it only before the envelope becomes
// blame evidence (verifyEvidence): the stream already authenticates the
// sender, and every signature costs the coordinator CPU on the hot path.
func (c *Coordinator) authentic(cer *ceremony, ev event, verify bool) bool {
	id, ok := cer.partyOf[ev.node]
	if !ok || ev.env.Sender != id {
		c.cfg.Log.Warn("dropped envelope sent under another party's id", "node", ev.node, "sender", ev.env.Sender)
		return false
	}
	if verify && ev.env.Broadcast() {
		if _, err := envelope.Open(ev.env, c.cfg.Roster[ev.node].Identity, nil); err != nil {
			c.cfg.Log.Warn("dropped envelope with a bad signature", "node", ev.node, "err", err)
			return false
		}
	}
	return true
}

// verifyEvidence reports whether a node's envelope carries its valid
// signature, so that it proves what the node sent to anyone who checks.
func (c *Coordinator) verifyEvidence(node string, env *envelope.Envelope) bool {
	_, err := envelope.Open(env, c.cfg.Roster[node].Identity, nil)
	return err == nil
}
