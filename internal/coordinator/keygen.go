package coordinator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

// ErrAborted wraps a ceremony that ended in an abort; Blamed lists culprits.
type AbortError struct {
	Blamed []string
	Reason string
}

func (e *AbortError) Error() string {
	return fmt.Sprintf("coordinator: ceremony aborted blaming %v: %s", e.Blamed, e.Reason)
}

func newSession() ([32]byte, error) {
	var sid [32]byte
	_, err := rand.Read(sid[:])
	return sid, err
}

// CreateKey runs a distributed key generation among the given nodes (all
// online roster nodes when empty) and records the key.
func (c *Coordinator) CreateKey(ctx context.Context, req *wire.CreateKeyRequest) (*wire.KeyInfo, error) {
	if err := scheme.Check(req.Scheme); err != nil {
		return nil, err
	}
	bits := req.PaillierBits
	if bits == 0 {
		bits = c.cfg.PaillierBits
	}
	if scheme.IsECDSA(req.Scheme) && (bits%2 != 0 || bits < paillier.MinBits || bits > paillier.MaxBits) {
		return nil, fmt.Errorf("coordinator: a Paillier modulus of %d bits is not supported (even, %d to %d)", bits, paillier.MinBits, paillier.MaxBits)
	}
	nodes := req.Nodes
	if len(nodes) == 0 {
		online := c.Online()
		for _, id := range c.cfg.Roster.IDs() {
			if online[id] {
				nodes = append(nodes, id)
			}
		}
	}
	if req.Threshold < 1 || req.Threshold > len(nodes) {
		return nil, fmt.Errorf("coordinator: threshold %d is not between 1 and the %d nodes", req.Threshold, len(nodes))
	}
	seen := map[string]bool{}
	for _, n := range nodes {
		if seen[n] {
			return nil, fmt.Errorf("coordinator: node %q listed twice", n)
		}
		seen[n] = true
		if _, ok := c.cfg.Roster[n]; !ok {
			return nil, fmt.Errorf("coordinator: node %q is not in the roster", n)
		}
	}
	if err := c.cfg.Roster.CheckPlacement(nodes, req.Threshold); err != nil {
		if !req.AllowConcentration {
			return nil, fmt.Errorf("%w (pass the placement override to accept it; it is recorded)", err)
		}
		c.cfg.Log.Warn("AUDIT: placement rule overridden", "key", req.KeyID, "nodes", nodes, "threshold", req.Threshold, "rule", err.Error())
	}
	keyID := req.KeyID
	if keyID == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		keyID = "key-" + hex.EncodeToString(b[:])
	}
	if _, err := c.cfg.Store.Key(ctx, keyID); err == nil {
		return nil, fmt.Errorf("coordinator: key %q exists", keyID)
	}
	parties := make([]wire.Party, len(nodes))
	for i, n := range nodes {
		parties[i] = wire.Party{ID: uint16(i + 1), Node: n}
	}
	c.keygenMu.Lock()
	defer c.keygenMu.Unlock()
	k := &Key{ID: keyID, Scheme: req.Scheme, Threshold: req.Threshold, Parties: parties,
		Created: time.Now().UTC(), Override: req.AllowConcentration}
	if scheme.IsECDSA(req.Scheme) {
		// Two sessions: CGGMP21 key generation, then auxiliary info among
		// the same parties; nodes store the share only after the second.
		pkg, err := c.runKeygen(ctx, keyID, "keygen", 4*c.cfg.RoundTimeout, parties, func(sid [32]byte) *wire.Control {
			return &wire.Control{Kind: wire.ControlKeygen, Session: sid[:], KeyID: keyID, Scheme: req.Scheme, Threshold: req.Threshold, Parties: parties}
		})
		if err != nil {
			return nil, err
		}
		if _, err := scheme.ParseECDSAPublic(pkg); err != nil {
			return nil, err
		}
		aux, err := c.runKeygen(ctx, keyID, "aux-info", c.cfg.AuxTimeout, parties, func(sid [32]byte) *wire.Control {
			return &wire.Control{Kind: wire.ControlAuxInfo, Session: sid[:], KeyID: keyID, Parties: parties, PaillierBits: bits}
		})
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(aux, pkg) {
			return nil, errors.New("coordinator: nodes stored another key than they generated")
		}
		k.PublicKey = pkg
	} else {
		pkg, err := c.runKeygen(ctx, keyID, "keygen", 4*c.cfg.RoundTimeout, parties, func(sid [32]byte) *wire.Control {
			return &wire.Control{Kind: wire.ControlKeygen, Session: sid[:], KeyID: keyID, Scheme: req.Scheme, Threshold: req.Threshold, Parties: parties}
		})
		if err != nil {
			return nil, err
		}
		if _, err := frost.ParsePublicKey(pkg); err != nil {
			return nil, fmt.Errorf("coordinator: %w", err)
		}
		k.PublicKey = pkg
	}
	if err := c.cfg.Store.PutKey(ctx, k); err != nil {
		return nil, err
	}
	c.cfg.Log.Info("key generated", "key", keyID, "scheme", req.Scheme, "threshold", req.Threshold, "parties", len(parties))
	if scheme.IsECDSA(k.Scheme) {
		c.presignPoolFor(k, defaultSigners(k), nil)
		c.kickPresign()
	} else if pub, err := c.publicKey(k); err == nil {
		c.refill(k, pub)
	}
	return keyInfo(k)
}

// runKeygen runs one key-generation phase: it sends each party the control
// ctl makes, relays envelopes, and returns the public package every party
// reported (they must all agree).
func (c *Coordinator) runKeygen(ctx context.Context, keyID, protocol string, timeout time.Duration, parties []wire.Party, ctl func([32]byte) *wire.Control) ([]byte, error) {
	sid, err := newSession()
	if err != nil {
		return nil, err
	}
	return c.runSession(ctx, sid, keyID, protocol, wire.StatusKeygenDone, timeout, parties, ctl)
}

// runSession runs one multi-party session whose every party ends with a
// status of kind doneKind, and returns the public package they all report.
func (c *Coordinator) runSession(ctx context.Context, sid [32]byte, keyID, protocol, doneKind string, timeout time.Duration, parties []wire.Party, ctl func([32]byte) *wire.Control) ([]byte, error) {
	pkg, _, err := c.runSessionStatuses(ctx, sid, keyID, protocol, doneKind, timeout, parties, ctl)
	return pkg, err
}

// runSessionStatuses is runSession that also returns every party's final
// status by node, including those received before a failure.
func (c *Coordinator) runSessionStatuses(ctx context.Context, sid [32]byte, keyID, protocol, doneKind string, timeout time.Duration, parties []wire.Party, ctl func([32]byte) *wire.Control) ([]byte, map[string]*wire.Status, error) {
	cer := c.open(sid, parties)
	defer c.close(cer)
	c.cfg.Events.CeremonyStarted(protocol)
	start := time.Now()
	statuses := map[string]*wire.Status{}
	fail := func(reason string, err error) ([]byte, map[string]*wire.Status, error) {
		c.cfg.Events.CeremonyAborted(protocol, reason)
		for _, p := range parties {
			c.control(p.Node, &wire.Control{Kind: wire.ControlCancel, Session: sid[:], KeyID: keyID})
		}
		return nil, statuses, err
	}
	for _, p := range parties {
		if !c.control(p.Node, ctl(sid)) {
			return fail("offline", fmt.Errorf("coordinator: node %s is offline", p.Node))
		}
	}
	// A few round trips (each with its echo), plus local work.
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	// A party that disconnects lost the frames sent meanwhile (and, if it
	// restarted, the session): the session cannot finish.
	alive := time.NewTicker(250 * time.Millisecond)
	defer alive.Stop()
	done := map[string][]byte{}
	for len(done) < len(parties) {
		select {
		case <-ctx.Done():
			return fail("canceled", ctx.Err())
		case <-alive.C:
			online := c.Online()
			for _, p := range parties {
				if !online[p.Node] && done[p.Node] == nil {
					return fail("offline", &AbortError{Reason: fmt.Sprintf("node %s disconnected during %s", p.Node, protocol)})
				}
			}
		case <-deadline.C:
			var silent []string
			for _, p := range parties {
				if done[p.Node] == nil {
					silent = append(silent, p.Node)
				}
			}
			return fail("timeout", &AbortError{Blamed: silent, Reason: "timed out waiting for " + protocol})
		case ev := <-cer.in:
			switch {
			case ev.env != nil:
				if !c.authentic(cer, ev, true) {
					continue
				}
				c.relay(cer, ev)
			case ev.status != nil:
				st := ev.status
				switch st.Kind {
				case doneKind:
					done[ev.node] = append([]byte{}, st.PublicKey...)
					statuses[ev.node] = st
				case wire.StatusAbort:
					blamed := c.blame(ctx, cer, keyID, ev.node, st)
					return fail("abort", &AbortError{Blamed: blamed, Reason: st.Reason})
				case wire.StatusRefused:
					return fail("refused", &AbortError{Blamed: nil, Reason: fmt.Sprintf("node %s refused: %s", ev.node, st.Reason)})
				}
			}
		}
	}
	var first []byte
	for _, p := range parties {
		if first == nil {
			first = done[p.Node]
		} else if !bytes.Equal(first, done[p.Node]) {
			return fail("disagreement", errors.New("coordinator: nodes report different public keys"))
		}
	}
	c.cfg.Events.CeremonyCompleted(protocol, time.Since(start))
	return first, statuses, nil
}

// relay forwards an envelope to its recipient, or to every other party.
func (c *Coordinator) relay(cer *ceremony, ev event) {
	if ev.env.Broadcast() {
		for id, node := range cer.nodeOf {
			if id != ev.env.Sender {
				if cn := c.connOf(node); cn != nil {
					c.sendTo(cn, ev.raw)
				}
			}
		}
		return
	}
	if node, ok := cer.nodeOf[ev.env.Recipient]; ok {
		if cn := c.connOf(node); cn != nil {
			c.sendTo(cn, ev.raw)
		}
	}
}

// blame records the culprits a node reported, with its evidence.
func (c *Coordinator) blame(ctx context.Context, cer *ceremony, keyID, reporter string, st *wire.Status) []string {
	var out []string
	for _, id := range st.Culprits {
		node, ok := cer.nodeOf[id]
		if !ok {
			continue
		}
		out = append(out, node)
		c.cfg.Events.Blamed(node)
		c.cfg.Log.Warn("blame", "key", keyID, "culprit", node, "reporter", reporter, "reason", st.Reason)
		_ = c.cfg.Store.AddBlame(ctx, &Blame{Time: time.Now().UTC(), Session: cer.id[:], KeyID: keyID, Node: node,
			Reason: "reported by " + reporter + ": " + st.Reason, Evidence: st.Evidence})
	}
	return out
}

func keyInfo(k *Key) (*wire.KeyInfo, error) {
	if scheme.IsECDSA(k.Scheme) {
		pub, err := scheme.ParseECDSAPublic(k.PublicKey)
		if err != nil {
			return nil, err
		}
		addr, err := scheme.EthereumAddress(pub.Key[:])
		if err != nil {
			return nil, err
		}
		return &wire.KeyInfo{KeyID: k.ID, Scheme: k.Scheme, Threshold: k.Threshold, Parties: k.Parties,
			PublicKey: pub.Key[:], Address: addr, Created: k.Created.Format(time.RFC3339), Override: k.Override, Epoch: k.Epoch}, nil
	}
	pub, err := frost.ParsePublicKey(k.PublicKey)
	if err != nil {
		return nil, err
	}
	pk := pub.Key.Bytes()
	if pub.Suite == frost.BIP340 {
		if pk, err = frost.TaprootOutputKey(pub.Key, nil); err != nil {
			return nil, err
		}
	}
	return &wire.KeyInfo{KeyID: k.ID, Scheme: k.Scheme, Threshold: k.Threshold, Parties: k.Parties,
		PublicKey: pk, Created: k.Created.Format(time.RFC3339), Override: k.Override, Epoch: k.Epoch}, nil
}
