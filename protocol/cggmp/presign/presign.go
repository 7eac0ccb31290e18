package presign

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/bip32"
	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// Protocol is the protocol name of a presigning session.
const Protocol = "cggmp-presign/secp256k1/v1"

// Options selects what the presignature is bound to.
type Options struct {
	// Path is the non-hardened BIP32 path of the child key the
	// presignature will sign for; nil is the root key.
	Path []uint32
	// Nonces, optional, holds for each other signer j a pool of
	// precomputed nonces for j's Paillier key (paillier.NoncePool, filled
	// in idle time): the encryptions enc_j(−β) and the Π^aff-g masks under
	// N_j take their ρ^N_j from it instead of computing it in the round.
	// Four nonces per other signer per presignature.
	Nonces map[round.PartyID]*paillier.NoncePool
}

var g = share.Group

// Session is the public context every presigning and signing proof is
// bound to: the session id, the key (public key, epoch), the signer set,
// every signer's Paillier key and ring-Pedersen parameters, and the
// derivation path.
func ssid(sid round.SessionID, key *share.Key, signers round.Parties, path []uint32) []byte {
	h := sha256.New()
	h.Write([]byte("custos/cggmp/presign/v1/ssid"))
	h.Write(sid[:])
	h.Write(key.PublicKey.Bytes())
	h.Write(key.ChainCode[:])
	h.Write(binary.BigEndian.AppendUint32(nil, key.Epoch))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(signers))))
	for _, p := range signers {
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(p)))
		n := key.Aux[p].Pedersen.Marshal()
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(n))))
		h.Write(n)
	}
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(path))))
	for _, c := range path {
		h.Write(binary.BigEndian.AppendUint32(nil, c))
	}
	return h.Sum(nil)
}

func idBytes(id round.PartyID) []byte { return binary.BigEndian.AppendUint16(nil, uint16(id)) }

func ctx(s []byte, prover, verifier round.PartyID) zk.Context {
	c := zk.Context{SessionID: s, Prover: idBytes(prover)}
	if verifier != 0 {
		c.Verifier = idBytes(verifier)
	}
	return c
}

// Tweak returns the additive BIP32 tweak of path for key and the child
// public key (the root key and a zero tweak for an empty path).
func Tweak(key *share.Key, path []uint32) (group.Scalar, group.Element, error) {
	if len(path) == 0 {
		return g.NewScalar(), g.NewElement().Set(key.PublicKey), nil
	}
	t, child, _, err := bip32.Derive(key.PublicKey, key.ChainCode, path)
	if err != nil {
		return nil, nil, fmt.Errorf("presign: derivation path: %w", err)
	}
	return t, child, nil
}

// Start begins presigning for party cfg.Self with the signer set
// cfg.Parties, a quorum of key's parties that includes cfg.Self. Run it with
// round.NewMachine; the result is a *Presignature.
func Start(cfg round.Config, key *share.Key, opts Options, rand io.Reader) (round.Round, []round.Message, error) {
	if cfg.Self != key.ID || !cfg.Parties.Contains(key.ID) {
		return nil, nil, errors.New("presign: start: the key is not this party's")
	}
	if _, _, err := Tweak(key, opts.Path); err != nil {
		return nil, nil, err
	}
	r1, err := newRound1(cfg, key, opts, rand)
	if err != nil {
		return nil, nil, err
	}
	return r1, r1.messages(), nil
}

// yBits bounds the integers δ_i and χ_i: |k_i·γ_i| < 2^(2ℓ) and each of
// the n−1 terms α + β is below 2^(2ℓ) + 2^(ℓ'+1).
func yBits(p zk.Params, n int) int {
	b := 0
	for v := n; v > 0; v >>= 1 {
		b++
	}
	return p.LPrime + b + 2
}

// sampleSigned draws a uniform integer in ±2^bits.
func sampleSigned(rand io.Reader, bits int) (*big.Int, error) {
	buf := make([]byte, (bits+1+7)/8+8)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, err
	}
	v := new(big.Int).SetBytes(buf)
	span := new(big.Int).Lsh(big.NewInt(1), uint(bits+1))
	v.Mod(v, span)
	return v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(bits))), nil
}

func scalarInt(s group.Scalar) *big.Int { return new(big.Int).SetBytes(s.Bytes()) }

func intScalar(v *big.Int) group.Scalar {
	m := new(big.Int).Mod(v, g.Order())
	b := make([]byte, g.ScalarLen())
	m.FillBytes(b)
	s, err := g.ParseScalar(b)
	if err != nil {
		panic("presign: reduced integer is not a scalar") // unreachable: m < q
	}
	return s
}

func wipe(xs ...*big.Int) {
	for _, x := range xs {
		if x != nil {
			x.SetInt64(0)
		}
	}
}

// invCiphertext returns c⁻¹ mod N² (an encryption of −m).
func invCiphertext(pk *paillier.PublicKey, c *paillier.Ciphertext) *paillier.Ciphertext {
	return pk.MulScalar(c, big.NewInt(-1))
}
