package coordinator

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/custos-mpc/custos/crypto/bip32"
	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
)

// childKeys caches derived child public keys by public key package and
// path (not by key id: two coordinators in one process, as in tests, may
// both have a key "k").
var childKeys sync.Map // string → []byte (compressed)

// childKey derives the compressed public key of path under an ECDSA key
// (BIP32, non-hardened; the root key for an empty path).
func childKey(k *Key, path []uint32) ([]byte, error) {
	ck := string(k.PublicKey) + "\x00" + scheme.PathKey(path)
	if v, ok := childKeys.Load(ck); ok {
		return v.([]byte), nil
	}
	pub, err := scheme.ParseECDSAPublic(k.PublicKey)
	if err != nil {
		return nil, err
	}
	out := pub.Key[:]
	if len(path) > 0 {
		root, err := group.Secp256k1.ParseElement(pub.Key[:])
		if err != nil {
			return nil, err
		}
		_, child, _, err := bip32.Derive(root, pub.ChainCode, path)
		if err != nil {
			return nil, fmt.Errorf("coordinator: derive %s: %w", scheme.FormatPath(path), err)
		}
		out = child.Bytes()
	}
	childKeys.Store(ck, out)
	return out, nil
}

func verifyECDSA(pub []byte, digest, sig []byte, recid int) error {
	return scheme.VerifyECDSA(pub, digest, sig, recid)
}

// signECDSA runs threshold-ECDSA signing: online signing from a pooled
// presignature when one fits (its signer set online and not excluded, its
// path the bundle's), full signing otherwise. A presignature leaves the
// pool when an attempt takes it, so a failed attempt never retries with it.
func (c *Coordinator) signECDSA(ctx context.Context, k *Key, req *wire.SignRequest) (*wire.SignResponse, error) {
	if len(req.Message) != 32 || len(req.Bundle) == 0 {
		return nil, errors.New("coordinator: an ECDSA signature needs a 32-byte digest and a signing bundle")
	}
	// The bundle names the path; the nodes verify the bundle itself.
	b, err := bundle.Parse(req.Bundle)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	path := b.Path
	pub, err := childKey(k, path)
	if err != nil {
		return nil, err
	}
	// No signing during the key's refresh; the epoch cannot change while
	// this request holds the gate.
	release, err := c.enterECDSA(k.ID)
	if err != nil {
		return nil, err
	}
	defer release()
	if k, err = c.key(ctx, k.ID); err != nil {
		return nil, err
	}
	c.presigns.signStarted()
	defer func() {
		c.presigns.signEnded()
		c.kickPresign()
	}()
	// Holders that have not confirmed the key's current epoch sign
	// nothing until they do.
	excluded := c.lagging(k.ID)
	if excluded == nil {
		excluded = map[string]bool{}
	}
	resp := &wire.SignResponse{Path: scheme.FormatPath(path)}
	var lastErr error
	for attempt := 1; attempt <= c.cfg.MaxAttempts; attempt++ {
		signers, presigID, pooled := c.takePresignature(k, path, excluded)
		if !pooled {
			signers = c.pickSigners(k, excluded)
			if len(signers) < k.Threshold {
				return nil, fmt.Errorf("coordinator: only %d of %d needed signers available (excluded %v): %w", len(signers), k.Threshold, keys(excluded), orNoQuorum(lastErr))
			}
			// Presign for this set and path from now on.
			c.presignPoolFor(k, signers, path)
		}
		resp.Attempts = attempt
		id := ""
		if pooled {
			id = hex.EncodeToString(presigID[:])
		}
		sig, recid, culprits, blamed, err := c.signECDSAAttempt(ctx, k, pub, signers, id, req)
		if err == nil {
			resp.Signature, resp.PublicKey, resp.RecoveryID, resp.Presigned = sig, pub, &recid, pooled
			for _, p := range signers {
				resp.Signers = append(resp.Signers, p.Node)
			}
			return resp, nil
		}
		if errors.Is(err, ErrRefused) || ctx.Err() != nil {
			return nil, err
		}
		lastErr = err
		for _, n := range culprits {
			excluded[n] = true
		}
		resp.Blamed = append(resp.Blamed, blamed...)
		c.cfg.Log.Warn("ECDSA signing attempt failed; retrying", "key", k.ID, "attempt", attempt, "presignature", id != "", "excluded", culprits, "err", err)
	}
	return nil, fmt.Errorf("coordinator: no signature after %d attempts: %w", c.cfg.MaxAttempts, lastErr)
}

// signECDSAAttempt is one signing session. It returns the verified
// signature and its recovery id, or the nodes to exclude and those of them
// blamed for misbehaviour.
func (c *Coordinator) signECDSAAttempt(ctx context.Context, k *Key, pub []byte, signers []wire.Party, presigID string, req *wire.SignRequest) ([]byte, int, []string, []string, error) {
	protocol := "sign/" + k.Scheme
	timeout := 3 * c.cfg.RoundTimeout
	if presigID == "" {
		protocol += "/full"
		timeout = 8 * c.cfg.RoundTimeout
	}
	sid, err := newSession()
	if err != nil {
		return nil, 0, nil, nil, err
	}
	cer := c.open(sid, signers)
	defer c.close(cer)
	c.cfg.Events.CeremonyStarted(protocol)
	start := time.Now()
	fail := func(reason string, culprits, blamed []string, err error) ([]byte, int, []string, []string, error) {
		c.cfg.Events.CeremonyAborted(protocol, reason)
		for _, p := range signers {
			c.control(p.Node, &wire.Control{Kind: wire.ControlCancel, Session: sid[:], KeyID: k.ID})
		}
		return nil, 0, culprits, blamed, err
	}
	var offline []string
	for _, p := range signers {
		if !c.control(p.Node, &wire.Control{Kind: wire.ControlSignECDSA, Session: sid[:], KeyID: k.ID,
			Parties: signers, Bundle: req.Bundle, Message: req.Message, PresignID: presigID, Epoch: k.Epoch}) {
			offline = append(offline, p.Node)
		}
	}
	if len(offline) > 0 {
		return fail("offline", offline, nil, fmt.Errorf("coordinator: nodes offline: %v", offline))
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	sent := map[string]int{}
	reported := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return fail("canceled", nil, nil, ctx.Err())
		case <-deadline.C:
			// The silent: those who sent fewer messages than the others, or
			// who never reported when everyone sent as much.
			most := 0
			for _, p := range signers {
				most = max(most, sent[p.Node])
			}
			var silent []string
			for _, p := range signers {
				if sent[p.Node] < most {
					silent = append(silent, p.Node)
				}
			}
			if len(silent) == 0 {
				for _, p := range signers {
					if !reported[p.Node] {
						silent = append(silent, p.Node)
					}
				}
			}
			slices.Sort(silent)
			return fail("timeout", silent, nil, fmt.Errorf("coordinator: ECDSA signing timed out waiting for %v", silent))
		case ev := <-cer.in:
			switch {
			case ev.env != nil:
				if !c.authentic(cer, ev, false) {
					continue
				}
				sent[ev.node]++
				c.relay(cer, ev)
			case ev.status != nil:
				st := ev.status
				reported[ev.node] = true
				switch st.Kind {
				case wire.StatusSigned:
					if err := verifyECDSA(pub, req.Message, st.Signature, st.RecoveryID); err != nil {
						c.cfg.Log.Warn("a node reported an invalid ECDSA signature", "key", k.ID, "node", ev.node, "err", err)
						continue // another signer's report, or the timeout, decides
					}
					c.cfg.Events.CeremonyCompleted(protocol, time.Since(start))
					return slices.Clone(st.Signature), st.RecoveryID, nil, nil, nil
				case wire.StatusAbort:
					blamed := c.blame(ctx, cer, k.ID, ev.node, st)
					return fail("abort", blamed, blamed, &AbortError{Blamed: blamed, Reason: st.Reason})
				case wire.StatusRefused:
					if strings.HasPrefix(st.Reason, "unauthorized") || strings.HasPrefix(st.Reason, "bad-bundle") {
						return fail("refused", nil, nil, fmt.Errorf("%w: %s: %s", ErrRefused, ev.node, st.Reason))
					}
					return fail("refused", []string{ev.node}, nil, fmt.Errorf("coordinator: node %s refused: %s", ev.node, st.Reason))
				}
			}
		}
	}
}
