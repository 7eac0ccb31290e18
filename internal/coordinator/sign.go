package coordinator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
	"github.com/custos-mpc/custos/protocol/round"
)

var rotation atomic.Uint64

// ErrRefused reports that nodes refused the request itself (for example an
// invalid or expired bundle): retrying with other nodes would not help.
var ErrRefused = errors.New("coordinator: request refused by the nodes")

// key returns a key's record, from memory after the first read: a key's
// record never changes once created.
func (c *Coordinator) key(ctx context.Context, id string) (*Key, error) {
	if v, ok := c.keys.Load(id); ok {
		return v.(*Key), nil
	}
	k, err := c.cfg.Store.Key(ctx, id)
	if err != nil {
		return nil, err
	}
	c.keys.Store(id, k)
	return k, nil
}

func (c *Coordinator) publicKey(k *Key) (*frost.PublicKey, error) {
	if v, ok := c.pubs.Load(k.ID); ok {
		return v.(*frost.PublicKey), nil
	}
	pub, err := frost.ParsePublicKey(k.PublicKey)
	if err != nil {
		return nil, err
	}
	c.pubs.Store(k.ID, pub)
	return pub, nil
}

// Sign runs FROST signing ceremonies until one produces a verified
// signature: a quorum of online holders is chosen; a node that times out,
// refuses, or sends an invalid share is excluded (and blamed, for an
// invalid share) and another quorum tries, up to MaxAttempts.
func (c *Coordinator) Sign(ctx context.Context, req *wire.SignRequest) (*wire.SignResponse, error) {
	k, err := c.key(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	if scheme.IsECDSA(k.Scheme) {
		return c.signECDSA(ctx, k, req)
	}
	if _, err := scheme.FrostSuite(k.Scheme); err != nil {
		return nil, err
	}
	pub, err := c.publicKey(k)
	if err != nil {
		return nil, err
	}
	if len(req.Message) == 0 || len(req.Bundle) == 0 {
		return nil, errors.New("coordinator: a message and a signing bundle are required")
	}
	c.refill(k, pub)
	excluded := map[string]bool{}
	resp := &wire.SignResponse{}
	var lastErr error
	for attempt := 1; attempt <= c.cfg.MaxAttempts; attempt++ {
		signers := c.pickSigners(k, excluded)
		if len(signers) < k.Threshold {
			return nil, fmt.Errorf("coordinator: only %d of %d needed signers available (excluded %v): %w", len(signers), k.Threshold, keys(excluded), orNoQuorum(lastErr))
		}
		resp.Attempts = attempt
		sig, culprits, blamed, err := c.signAttempt(ctx, k, pub, signers, req)
		if err == nil {
			resp.Signature = sig
			resp.PublicKey = pub.Key.Bytes()
			if pub.Suite == frost.BIP340 {
				resp.PublicKey, _ = frost.TaprootOutputKey(pub.Key, nil)
			}
			for _, p := range signers {
				resp.Signers = append(resp.Signers, p.Node)
			}
			return resp, nil
		}
		if errors.Is(err, ErrRefused) || ctx.Err() != nil || len(culprits) == 0 {
			return nil, err
		}
		lastErr = err
		for _, n := range culprits {
			excluded[n] = true
		}
		resp.Blamed = append(resp.Blamed, blamed...)
		c.cfg.Log.Warn("signing attempt failed; retrying with another quorum", "key", k.ID, "attempt", attempt, "excluded", culprits, "err", err)
	}
	return nil, fmt.Errorf("coordinator: no signature after %d attempts: %w", c.cfg.MaxAttempts, lastErr)
}

func orNoQuorum(err error) error {
	if err == nil {
		return errors.New("not enough nodes online")
	}
	return err
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// pickSigners chooses threshold online holders not excluded, rotating the
// starting point so load spreads over the holders.
func (c *Coordinator) pickSigners(k *Key, excluded map[string]bool) []wire.Party {
	online := c.Online()
	var avail []wire.Party
	for _, p := range k.Parties {
		if online[p.Node] && !excluded[p.Node] {
			avail = append(avail, p)
		}
	}
	if len(avail) <= k.Threshold {
		return avail
	}
	start := int(rotation.Add(1) % uint64(len(avail)))
	out := make([]wire.Party, 0, k.Threshold)
	for i := 0; i < k.Threshold; i++ {
		out = append(out, avail[(start+i)%len(avail)])
	}
	slices.SortFunc(out, func(a, b wire.Party) int { return int(a.ID) - int(b.ID) })
	return out
}

// signAttempt is one FROST ceremony. It returns the signature, or the
// nodes to exclude (culprits) and those of them that were blamed for
// misbehaviour rather than silence.
func (c *Coordinator) signAttempt(ctx context.Context, k *Key, pub *frost.PublicKey, signers []wire.Party, req *wire.SignRequest) ([]byte, []string, []string, error) {
	protocol := "sign/" + k.Scheme
	sid, err := newSession()
	if err != nil {
		return nil, nil, nil, err
	}
	cer := c.open(sid, signers)
	defer c.close(cer)
	c.cfg.Events.CeremonyStarted(protocol)
	start := time.Now()
	suite := pub.Suite
	abort := func(reason string, culprits, blamed []string, err error) ([]byte, []string, []string, error) {
		c.cfg.Events.CeremonyAborted(protocol, reason)
		for _, p := range signers {
			c.control(p.Node, &wire.Control{Kind: wire.ControlCancel, Session: sid[:], KeyID: k.ID})
		}
		return nil, culprits, blamed, err
	}

	var culprits, blamed []string
	if pooled := c.pool.take(k.ID, signers); pooled != nil {
		// One round: the package is built from preprocessed commitments
		// and each signer is told which of its nonces to spend.
		pkg := &frost.SigningPackage{Message: req.Message}
		for _, pc := range pooled {
			pkg.Commitments = append(pkg.Commitments, pc.Commitment)
		}
		wirePkg := frost.MarshalSigningPackage(suite, pkg)
		var offline []string
		for i, p := range signers {
			if !c.control(p.Node, &wire.Control{Kind: wire.ControlSignOneRound, Session: sid[:], KeyID: k.ID,
				Parties: signers, Bundle: req.Bundle, Message: req.Message, Package: wirePkg, NonceID: pooled[i].NonceID}) {
				offline = append(offline, p.Node)
			}
		}
		if len(offline) > 0 {
			return abort("offline", offline, nil, fmt.Errorf("coordinator: nodes offline: %v", offline))
		}
		return c.finishSign(ctx, cer, k, pub, signers, pkg, protocol, start, start, abort)
	}
	// Round one: each signer verifies the bundle and commits.
	var offline []string
	for _, p := range signers {
		if !c.control(p.Node, &wire.Control{Kind: wire.ControlSignCommit, Session: sid[:], KeyID: k.ID,
			Parties: signers, Bundle: req.Bundle, Message: req.Message}) {
			offline = append(offline, p.Node)
		}
	}
	if len(offline) > 0 {
		return abort("offline", offline, nil, fmt.Errorf("coordinator: nodes offline: %v", offline))
	}
	commitments := map[uint16]frost.Commitment{}
	culprits, blamed, err = c.collect(ctx, cer, k, func(ev event) error {
		if ev.env.Round != 1 || ev.env.Protocol != scheme.SignProtocol(suite) {
			return fmt.Errorf("unexpected envelope in round one: round %d protocol %q", ev.env.Round, ev.env.Protocol)
		}
		cm, err := frost.ParseCommitment(suite, ev.env.Payload)
		if err != nil || uint16(cm.ID) != ev.env.Sender {
			return fmt.Errorf("malformed commitment: %v", err)
		}
		commitments[ev.env.Sender] = cm
		return nil
	}, func() bool { return len(commitments) == len(signers) })
	if err != nil {
		return abort("round1", culprits, blamed, err)
	}
	c.cfg.Events.RoundCompleted(protocol, 1, time.Since(start))
	pkg := &frost.SigningPackage{Message: req.Message}
	for _, p := range signers {
		pkg.Commitments = append(pkg.Commitments, commitments[p.ID])
	}
	wirePkg := frost.MarshalSigningPackage(suite, pkg)

	// Round two: each signer checks the package and releases its share.
	for _, p := range signers {
		c.control(p.Node, &wire.Control{Kind: wire.ControlSignPackage, Session: sid[:], KeyID: k.ID, Package: wirePkg})
	}
	return c.finishSign(ctx, cer, k, pub, signers, pkg, protocol, start, time.Now(), abort)
}

type abortFunc func(reason string, culprits, blamed []string, err error) ([]byte, []string, []string, error)

// finishSign collects the signature shares, aggregates (verifying every
// share and the signature) and blames invalid shares.
func (c *Coordinator) finishSign(ctx context.Context, cer *ceremony, k *Key, pub *frost.PublicKey, signers []wire.Party,
	pkg *frost.SigningPackage, protocol string, start, round2 time.Time, abort abortFunc) ([]byte, []string, []string, error) {
	suite := pub.Suite
	sid := cer.id
	shares := map[uint16]frost.SignatureShare{}
	reports := map[uint16][]byte{}
	evidence := map[uint16][]byte{}
	culprits, blamed, err := c.collect(ctx, cer, k, func(ev event) error {
		if ev.env.Round != 2 || ev.env.Protocol != scheme.SignProtocol(suite) {
			return errors.New("unexpected envelope in round two")
		}
		z, R, err := frost.ParseShareReport(suite, ev.env.Payload)
		if err != nil || uint16(z.ID) != ev.env.Sender {
			return fmt.Errorf("malformed signature share: %v", err)
		}
		shares[ev.env.Sender] = z
		reports[ev.env.Sender] = R
		evidence[ev.env.Sender] = ev.env.Marshal()
		return nil
	}, func() bool { return len(shares) == len(signers) })
	if err != nil {
		return abort("round2", culprits, blamed, err)
	}
	c.cfg.Events.RoundCompleted(protocol, 2, time.Since(round2))
	list := make([]frost.SignatureShare, 0, len(shares))
	reported := make([][]byte, 0, len(shares))
	for _, p := range signers {
		list = append(list, shares[p.ID])
		reported = append(reported, reports[p.ID])
	}
	// The signers report the group commitment they computed, which spares
	// the coordinator computing it; a wrong report costs it the
	// computation and the reporter a blame record, nothing else.
	sig, misreported, err := frost.AggregateReported(pub, pkg, list, reported)
	for _, id := range misreported {
		node := cer.nodeOf[uint16(id)]
		c.cfg.Events.Blamed(node)
		_ = c.cfg.Store.AddBlame(ctx, &Blame{Time: time.Now().UTC(), Session: sid[:], KeyID: k.ID, Node: node,
			Round: 2, Reason: "reported a group commitment other than the signing package's", Evidence: evidence[uint16(id)]})
		c.cfg.Log.Warn("blame", "key", k.ID, "culprit", node, "reason", "wrong group commitment")
	}
	if err != nil {
		var names []string
		for _, id := range round.Culprits(err) {
			node := cer.nodeOf[uint16(id)]
			names = append(names, node)
			c.cfg.Events.Blamed(node)
			reason := "invalid signature share"
			if env, perr := envelope.Parse(evidence[uint16(id)]); perr != nil || !c.verifyEvidence(node, env) {
				reason += " (in an envelope without a valid signature)"
			}
			_ = c.cfg.Store.AddBlame(ctx, &Blame{Time: time.Now().UTC(), Session: sid[:], KeyID: k.ID, Node: node,
				Round: 2, Reason: reason, Evidence: evidence[uint16(id)]})
			c.cfg.Log.Warn("blame", "key", k.ID, "culprit", node, "reason", "invalid signature share")
		}
		return abort("invalid-share", names, names, err)
	}
	c.cfg.Events.CeremonyCompleted(protocol, time.Since(start))
	return sig, nil, nil, nil
}

// collect reads a round's envelopes until complete() or the round times
// out. A node that refuses is excluded (a bundle refusal fails the request:
// ErrRefused); a node that sends something malformed is blamed; a silent
// node is excluded.
func (c *Coordinator) collect(ctx context.Context, cer *ceremony, k *Key, accept func(event) error, complete func() bool) ([]string, []string, error) {
	timer := time.NewTimer(c.cfg.RoundTimeout)
	defer timer.Stop()
	got := map[string]bool{}
	for !complete() {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-timer.C:
			var silent []string
			for node := range cer.partyOf {
				if !got[node] {
					silent = append(silent, node)
				}
			}
			slices.Sort(silent)
			return silent, nil, fmt.Errorf("coordinator: round timed out waiting for %v", silent)
		case ev := <-cer.in:
			if ev.status != nil {
				if ev.status.Kind == wire.StatusRefused {
					if strings.HasPrefix(ev.status.Reason, "unauthorized") || strings.HasPrefix(ev.status.Reason, "bad-bundle") {
						return nil, nil, fmt.Errorf("%w: %s: %s", ErrRefused, ev.node, ev.status.Reason)
					}
					return []string{ev.node}, nil, fmt.Errorf("coordinator: node %s refused: %s", ev.node, ev.status.Reason)
				}
				continue
			}
			if got[ev.node] || !c.authentic(cer, ev, false) {
				continue
			}
			if err := accept(ev); err != nil {
				if !c.verifyEvidence(ev.node, ev.env) {
					err = fmt.Errorf("envelope with an invalid signature: %w", err)
				}
				c.cfg.Events.Blamed(ev.node)
				_ = c.cfg.Store.AddBlame(ctx, &Blame{Time: time.Now().UTC(), Session: cer.id[:], KeyID: k.ID, Node: ev.node,
					Round: int(ev.env.Round), Reason: err.Error(), Evidence: ev.env.Marshal()})
				return []string{ev.node}, []string{ev.node}, fmt.Errorf("coordinator: node %s: %w", ev.node, err)
			}
			got[ev.node] = true
		}
	}
	return nil, nil, nil
}
