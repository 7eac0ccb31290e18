package node

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

// One-round FROST signing (RFC 9591 Section 5.1, "preprocessing"): a node
// draws nonces ahead of time, stores them sealed in its keystore, and
// publishes their commitments; a later signing request names which
// commitment to spend. The node consumes that nonce durably (group commit)
// before it computes the share, so a nonce signs at most once even across
// crashes and restores of the coordinator's pool.

// MaxPreprocess bounds one preprocessing request.
const MaxPreprocess = 1024

const (
	preprocessRound = 1
	preVersion      = 1
	nonceIDLen      = 16
)

// PreprocessProtocol is the envelope protocol of a batch of commitments.
func PreprocessProtocol(s *frost.Suite) string { return "frost-pre/" + s.Name + "/v1" }

// PreprocessedCommitment is one published commitment and its nonce id.
type PreprocessedCommitment struct {
	NonceID    string
	Commitment frost.Commitment
}

// MarshalPreprocessed encodes a batch: version, count, then per entry the
// 16-byte nonce id and the commitment's encoding.
func MarshalPreprocessed(s *frost.Suite, cs []PreprocessedCommitment) ([]byte, error) {
	out := []byte{preVersion}
	out = binary.BigEndian.AppendUint16(out, uint16(len(cs)))
	for _, c := range cs {
		id, err := hex.DecodeString(c.NonceID)
		if err != nil || len(id) != nonceIDLen {
			return nil, errors.New("node: malformed nonce id")
		}
		out = append(out, id...)
		out = append(out, frost.MarshalCommitment(s, c.Commitment)...)
	}
	return out, nil
}

// ParsePreprocessed decodes a batch of commitments of suite s, each from
// party id.
func ParsePreprocessed(s *frost.Suite, id uint16, b []byte) ([]PreprocessedCommitment, error) {
	if len(b) < 3 || b[0] != preVersion {
		return nil, errors.New("node: malformed preprocessed batch")
	}
	n := int(binary.BigEndian.Uint16(b[1:3]))
	if n == 0 || n > MaxPreprocess {
		return nil, errors.New("node: preprocessed batch size out of range")
	}
	b = b[3:]
	one := len(frost.MarshalCommitment(s, frost.Commitment{ID: 1, Hiding: s.Group.Generator(), Binding: s.Group.Generator()}))
	if len(b) != n*(nonceIDLen+one) {
		return nil, errors.New("node: preprocessed batch has the wrong length")
	}
	out := make([]PreprocessedCommitment, n)
	for i := range out {
		c, err := frost.ParseCommitment(s, b[nonceIDLen:nonceIDLen+one])
		if err != nil {
			return nil, err
		}
		if uint16(c.ID) != id {
			return nil, errors.New("node: preprocessed commitment for another party")
		}
		out[i] = PreprocessedCommitment{NonceID: hex.EncodeToString(b[:nonceIDLen]), Commitment: c}
		b = b[nonceIDLen+one:]
	}
	return out, nil
}

// selfID returns this node's party id in a key.
func (n *Node) selfID(st *storedShare) uint16 {
	for id, node := range st.nodes {
		if node == n.cfg.ID {
			return id
		}
	}
	return 0
}

func (n *Node) preprocess(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	if c.Count < 1 || c.Count > MaxPreprocess {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", fmt.Errorf("count %d not in [1, %d]", c.Count, MaxPreprocess))
	}
	st, err := n.activeShare(ctx, c.KeyID)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "unknown-key", err)
	}
	if st.share == nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", errors.New("nonce preprocessing is for FROST keys"))
	}
	suite := st.share.Public.Suite
	self := n.selfID(st)
	secrets := make([]keystore.NonceSecret, 0, c.Count)
	pub := make([]PreprocessedCommitment, 0, c.Count)
	defer func() {
		for _, s := range secrets {
			clear(s.Secret)
		}
	}()
	drawn := make([]*frost.Nonces, 0, c.Count)
	defer func() {
		for _, d := range drawn {
			d.Destroy()
		}
	}()
	points := make([]group.Element, 0, 2*c.Count)
	for range c.Count {
		nonces, err := frost.Commit(n.rand(), st.share)
		if err != nil {
			return n.refuse(send, c.Session, c.KeyID, "internal", err)
		}
		drawn = append(drawn, nonces)
		points = append(points, nonces.Commitment().Hiding, nonces.Commitment().Binding)
	}
	// Both encodings below (stored and published) need the commitments
	// encoded: one field inversion for the batch instead of one per point.
	group.EncodeAll(points)
	for _, nonces := range drawn {
		b, err := frost.MarshalNonces(nonces)
		cm := nonces.Commitment()
		nonces.Destroy()
		if err != nil {
			return n.refuse(send, c.Session, c.KeyID, "internal", err)
		}
		var id [nonceIDLen]byte
		if _, err := rand.Read(id[:]); err != nil {
			return err
		}
		secrets = append(secrets, keystore.NonceSecret{KeyID: c.KeyID, ID: hex.EncodeToString(id[:]), Secret: b})
		pub = append(pub, PreprocessedCommitment{NonceID: hex.EncodeToString(id[:]), Commitment: cm})
	}
	// Persist, then publish.
	if err := n.cfg.Store.PutNonces(ctx, secrets); err != nil {
		return n.refuse(send, c.Session, c.KeyID, "keystore", err)
	}
	payload, err := MarshalPreprocessed(suite, pub)
	if err != nil {
		return err
	}
	hdr := envelope.Header{Session: sid, Protocol: PreprocessProtocol(suite), Round: preprocessRound, Sender: self, Kind: 1}
	env, err := envelope.Seal(n.cfg.Identity, nil, hdr, payload)
	if err != nil {
		return err
	}
	return n.sendEnvelope(send, env)
}

// signOneRound answers a one-round signing request: the verification gate,
// then the durable consumption of the named nonce (or of a run of nonces
// starting with it, whose next ones wait in memory, consumed, for the
// requests to come), then the share.
func (n *Node) signOneRound(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	use := keystore.NonceUse{KeyID: c.KeyID, ID: c.NonceID}
	// Tell the group commit a consumption is coming, so that a commit
	// starting meanwhile waits for it and one fsync serves both; a nonce
	// consumed ahead needs no commit.
	announced := !n.taken.has(use)
	if announced {
		n.consumes.expect()
	}
	defer func() {
		if announced {
			n.consumes.abandon()
		}
	}()
	a, reason, err := n.authorize(ctx, c)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, reason, err)
	}
	suite := a.share.share.Public.Suite
	if c.NonceID == "" {
		return n.refuse(send, c.Session, c.KeyID, "bad-request", errors.New("no nonce id"))
	}
	var got consumed
	var qerr error
	if sec := n.taken.take(use); sec != nil {
		got = consumed{secret: sec}
	} else {
		got, qerr = n.consumes.do(ctx, use, announced)
		announced = false // do withdrew the announcement
	}
	if qerr != nil || got.err != nil {
		return n.refuse(send, c.Session, c.KeyID, "nonce", errors.Join(got.err, qerr))
	}
	nonces, err := frost.ParseNonces(got.secret.Bytes())
	got.secret.Destroy()
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "nonce", err)
	}
	defer nonces.Destroy()
	pkg, err := frost.ParseSigningPackageFor(suite, c.Package, nonces.Commitment())
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-package", err)
	}
	if string(pkg.Message) != string(c.Message) || string(pkg.MerkleRoot) != string(a.bundle.MerkleRoot) {
		return n.refuse(send, c.Session, c.KeyID, "bad-package", errors.New("package is for another message than the authorized one"))
	}
	if len(pkg.Commitments) != len(a.byID) {
		return n.refuse(send, c.Session, c.KeyID, "bad-package", errors.New("package signers differ from the announced signer set"))
	}
	for _, cm := range pkg.Commitments {
		if _, ok := a.byID[uint16(cm.ID)]; !ok {
			return n.refuse(send, c.Session, c.KeyID, "bad-package", fmt.Errorf("commitment from party %d, not in the announced signer set", cm.ID))
		}
	}
	z, R, err := frost.SignWithCommitment(a.share.share, nonces, c.Message, pkg)
	if err != nil {
		return n.refuse(send, c.Session, c.KeyID, "bad-package", err)
	}
	if n.cfg.Misbehave != nil {
		n.cfg.Misbehave(z, &R)
	}
	hdr := envelope.Header{Session: sid, Protocol: scheme.SignProtocol(suite), Round: signRoundShare, Sender: a.self, Kind: 1}
	env, err := envelope.Seal(n.cfg.Identity, nil, hdr, frost.MarshalShareReport(suite, *z, R))
	if err != nil {
		return err
	}
	n.cfg.Events("signed", suite.Name)
	return n.sendEnvelope(send, env)
}
