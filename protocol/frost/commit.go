package frost

import (
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/protocol/round"
)

// Commitment is a signer's public nonce commitment pair (D_i, E_i).
type Commitment struct {
	ID      round.PartyID
	Hiding  group.Element
	Binding group.Element
}

// Equal reports whether two commitments are the same.
func (c Commitment) Equal(o Commitment) bool {
	return c.ID == o.ID && c.Hiding.Equal(o.Hiding) && c.Binding.Equal(o.Binding)
}

// Nonces is a signer's secret nonce pair for one signature. It can sign
// once: Sign marks it used and wipes it.
type Nonces struct {
	suite      *Suite
	hiding     group.Scalar
	binding    group.Scalar
	commitment Commitment
	used       bool
}

// ErrNonceReused is returned when a Nonces value is asked to sign twice.
var ErrNonceReused = errors.New("frost: nonces already used")

// Commitment returns the public commitment to the nonces.
func (n *Nonces) Commitment() Commitment { return n.commitment }

// Used reports whether the nonces have signed (or been destroyed).
func (n *Nonces) Used() bool { return n.used }

// Destroy wipes the nonces; they can no longer sign.
func (n *Nonces) Destroy() {
	n.hiding.Zero()
	n.binding.Zero()
	n.used = true
}

func (n *Nonces) String() string { return "frost.Nonces{<redacted>}" }

// nonceGenerate is RFC 9591 Section 4.1: H3(random_bytes(32) ||
// SerializeScalar(secret)). Mixing in the secret share protects against a
// weak random source.
func nonceGenerate(s *Suite, rand io.Reader, secret group.Scalar) (group.Scalar, error) {
	var rb [32]byte
	if _, err := io.ReadFull(rand, rb[:]); err != nil {
		return nil, fmt.Errorf("frost: reading randomness: %w", err)
	}
	sb := secret.Bytes()
	k := s.h3(rb[:], sb)
	clear(rb[:])
	clear(sb)
	return k, nil
}

// Commit is round one (RFC 9591 Section 5.1): it draws the hiding and
// binding nonces and their commitments.
func Commit(rand io.Reader, share *KeyShare) (*Nonces, error) {
	s := share.Public.Suite
	d, err := nonceGenerate(s, rand, share.Secret)
	if err != nil {
		return nil, err
	}
	e, err := nonceGenerate(s, rand, share.Secret)
	if err != nil {
		return nil, err
	}
	return newNonces(s, share.ID, d, e), nil
}

func newNonces(s *Suite, id round.PartyID, d, e group.Scalar) *Nonces {
	g := s.Group
	return &Nonces{
		suite: s, hiding: d, binding: e,
		commitment: Commitment{
			ID:      id,
			Hiding:  g.NewElement().ScalarBaseMult(d),
			Binding: g.NewElement().ScalarBaseMult(e),
		},
	}
}

// NoncePool holds preprocessed nonces for one-round signing: the signer
// publishes the commitments ahead of time and each can be spent once.
// It is not safe for concurrent use; a share node persists the pool and
// records each spend durably before sending the share.
type NoncePool struct {
	share  *KeyShare
	nonces map[string]*Nonces
}

// NewNoncePool returns an empty pool for share.
func NewNoncePool(share *KeyShare) *NoncePool {
	return &NoncePool{share: share, nonces: make(map[string]*Nonces)}
}

// Preprocess draws n nonce pairs and returns their commitments.
func (p *NoncePool) Preprocess(rand io.Reader, n int) ([]Commitment, error) {
	out := make([]Commitment, 0, n)
	for range n {
		nn, err := Commit(rand, p.share)
		if err != nil {
			return nil, err
		}
		p.nonces[commitmentKey(nn.commitment)] = nn
		out = append(out, nn.commitment)
	}
	return out, nil
}

// Take removes and returns the nonces behind a published commitment. A
// commitment is handed out at most once; a second Take fails.
func (p *NoncePool) Take(c Commitment) (*Nonces, error) {
	k := commitmentKey(c)
	n, ok := p.nonces[k]
	if !ok {
		return nil, errors.New("frost: commitment unknown or already used")
	}
	delete(p.nonces, k)
	return n, nil
}

// Len returns the number of unspent preprocessed nonces.
func (p *NoncePool) Len() int { return len(p.nonces) }

func commitmentKey(c Commitment) string {
	return string(c.Hiding.Bytes()) + string(c.Binding.Bytes())
}
