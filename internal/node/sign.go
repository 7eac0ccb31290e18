package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

type signState struct {
	share      *storedShare
	message    []byte
	merkleRoot []byte
	nonces     *frost.Nonces
	nonceID    string
}

// authorized is what the verification gate established about a request.
type authorized struct {
	share  *storedShare
	bundle *bundle.Bundle
	byID   map[uint16]roster.Peer
	self   uint16
}

// authorize is the verification gate every signing request passes before
// the node touches a nonce or a presignature: the bundle is signed by a
// pinned authorization key, unexpired, for this key and this message (a
// 32-byte digest for ECDSA, whose child key is the bundle's path; FROST keys
// take no path); the signer set holds the key under the party ids fixed at
// key generation and reaches the threshold. It returns a refusal reason with
// any error.
func (n *Node) authorize(ctx context.Context, c *wire.Control) (*authorized, string, error) {
	b, err := bundle.Parse(c.Bundle)
	if err != nil {
		return nil, "bad-bundle", err
	}
	if err := b.Verify(n.cfg.AuthKeys, c.KeyID, c.Message, n.cfg.Now()); err != nil {
		return nil, "unauthorized", err
	}
	st, err := n.activeShare(ctx, c.KeyID)
	if err != nil {
		return nil, "unknown-key", err
	}
	if st.ecdsa != nil {
		if c.Kind != wire.ControlSignECDSA {
			return nil, "bad-request", errors.New("an ECDSA key signs only with sign-ecdsa")
		}
		if len(c.Message) != 32 {
			return nil, "bad-request", errors.New("ECDSA signs 32-byte digests")
		}
		if b.MerkleRoot != nil {
			return nil, "bad-request", errors.New("a merkle root for an ECDSA key")
		}
		if err := scheme.CheckPath(b.Path); err != nil {
			return nil, "bad-request", err
		}
	} else if c.Kind == wire.ControlSignECDSA {
		return nil, "bad-request", errors.New("sign-ecdsa for a FROST key")
	} else if len(b.Path) != 0 {
		return nil, "bad-request", errors.New("a derivation path for a FROST key")
	} else if suite := st.share.Public.Suite; suite == frost.BIP340 {
		if len(c.Message) != 32 {
			return nil, "bad-request", errors.New("BIP340 signs 32-byte messages")
		}
	} else if b.MerkleRoot != nil {
		return nil, "bad-request", errors.New("a merkle root for a non-Taproot key")
	}
	byID, self, err := n.parties(c.Parties)
	if err != nil {
		return nil, "bad-parties", err
	}
	for id, p := range byID {
		if st.nodes[id] != p.ID {
			return nil, "bad-parties", fmt.Errorf("party %d is not node %s for this key", id, p.ID)
		}
	}
	if len(byID) < st.threshold() {
		return nil, "bad-parties", fmt.Errorf("%d signers, threshold %d", len(byID), st.threshold())
	}
	return &authorized{share: st, bundle: b, byID: byID, self: self}, "", nil
}

// FROST signing envelope rounds.
const (
	signRoundCommit = 1
	signRoundShare  = 2
)

// signCommit is FROST round one behind the verification gate: the node
// checks the bundle and the signer set, draws nonces (kept in memory only)
// and sends its commitment.
func (n *Node) signCommit(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	a, reason, err := n.authorize(ctx, c)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	st, b, byID, self, suite := a.share, a.bundle, a.byID, a.self, a.share.share.Public.Suite
	nonces, err := frost.Commit(n.rand(), st.share)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "internal", err)
	}
	s := &session{created: n.cfg.Now(), id: sid, kind: c.Kind, keyID: c.KeyID, suite: suite, self: self, byID: byID,
		sign: &signState{share: st, message: bytes.Clone(c.Message), merkleRoot: b.MerkleRoot,
			nonces: nonces, nonceID: hex.EncodeToString(sid[:])}}
	n.mu.Lock()
	if n.sessions[sid] != nil {
		n.mu.Unlock()
		nonces.Destroy()
		return n.refuse(send, c.Session, c.KeyID, "replay", errors.New("session id already in use"))
	}
	n.sessions[sid] = s
	n.mu.Unlock()
	hdr := envelope.Header{Session: sid, Protocol: scheme.SignProtocol(suite), Round: signRoundCommit, Sender: self, Kind: 1}
	env, err := envelope.Seal(n.cfg.Identity, nil, hdr, frost.MarshalCommitment(suite, nonces.Commitment()))
	if err != nil {
		return err
	}
	return n.sendEnvelope(send, env)
}

// signPackage is FROST round two: the node checks the package against what
// it agreed to in round one, records the nonce's use durably, and only then
// computes and sends its share.
func (n *Node) signPackage(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	s := n.getSession(sid)
	if s == nil || s.sign == nil {
		return n.refuse(send, c.Session, c.KeyID, "unknown-session", errors.New("no signing session in progress with this id"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer n.endSession(sid)
	st := s.sign
	defer st.nonces.Destroy() // whatever happens, these nonces never sign again
	pkg, err := frost.ParseSigningPackageFor(s.suite, c.Package, st.nonces.Commitment())
	if err != nil {
		return n.refuse(send, c.Session, s.keyID, "bad-package", err)
	}
	if !bytes.Equal(pkg.Message, st.message) || !bytes.Equal(pkg.MerkleRoot, st.merkleRoot) {
		return n.refuse(send, c.Session, s.keyID, "bad-package", errors.New("package is for another message than the authorized one"))
	}
	for _, cm := range pkg.Commitments {
		if _, ok := s.byID[uint16(cm.ID)]; !ok {
			return n.refuse(send, c.Session, s.keyID, "bad-package", fmt.Errorf("commitment from party %d, not in the announced signer set", cm.ID))
		}
	}
	if st.nonces.Used() {
		return n.refuse(send, c.Session, s.keyID, "nonce", frost.ErrNonceReused)
	}
	// Persist, then send: the use is on disk before the share exists.
	if err, qerr := n.uses.do(ctx, keystore.NonceUse{KeyID: s.keyID, ID: st.nonceID}, false); err != nil || qerr != nil {
		return n.refuse(send, c.Session, s.keyID, "nonce", errors.Join(err, qerr))
	}
	z, R, err := frost.SignWithCommitment(st.share.share, st.nonces, st.message, pkg)
	if err != nil {
		return n.refuse(send, c.Session, s.keyID, "bad-package", err)
	}
	if n.cfg.Misbehave != nil {
		n.cfg.Misbehave(z, &R)
	}
	hdr := envelope.Header{Session: sid, Protocol: scheme.SignProtocol(s.suite), Round: signRoundShare, Sender: s.self, Kind: 1}
	env, err := envelope.Seal(n.cfg.Identity, nil, hdr, frost.MarshalShareReport(s.suite, *z, R))
	if err != nil {
		return err
	}
	n.cfg.Events("signed", s.suite.Name)
	return n.sendEnvelope(send, env)
}
