// Package share is what one party holds of a CGGMP21 threshold ECDSA key:
// its Shamir share of the secret key and every party's public share (from
// key generation, protocol/cggmp/keygen), its own Paillier key and
// ring-Pedersen trapdoor and every party's public auxiliary information
// (protocol/cggmp/auxinfo), and the chain code for HD derivation. Presigning,
// signing and refresh take a *Key; the node keystore seals its encoding.
//
// # Security
//
// Key prints as <redacted>; Destroy wipes the secrets. Parse validates every
// field (points on the curve and in the group, Paillier moduli and
// ring-Pedersen parameters through their own parsers, party ids, the
// threshold) and that the public shares interpolate to the public key.
package share

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/protocol/cggmp/auxinfo"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/codec"
	"github.com/custos-mpc/custos/protocol/cggmp/keygen"
	"github.com/custos-mpc/custos/protocol/round"
)

// Aux is one party's public auxiliary information.
type Aux = auxinfo.Public

// Key is one party's share of a threshold ECDSA key on secp256k1.
type Key struct {
	ID        round.PartyID
	Threshold int
	Parties   round.Parties                   // every holder of the key
	Secret    group.Scalar                    // x_i, the Shamir share; <redacted>
	PublicKey group.Element                   // X
	Shares    map[round.PartyID]group.Element // X_k = x_k·G
	ChainCode [32]byte                        // BIP32 chain code of the root (keygen's rid)
	Paillier  *paillier.SecretKey             // own N_i = p_i·q_i; <redacted>
	Pedersen  *pedersen.Secret                // own ring-Pedersen trapdoor λ_i; <redacted>
	Aux       map[round.PartyID]Aux           // every party's N_j and (N̂_j, s_j, t_j)
	Epoch     uint32                          // 0 at key generation, +1 per refresh
}

// Group is the curve of every CGGMP key.
var Group = group.Secp256k1

// New joins a key-generation result and an auxiliary-information result of
// the same party and party set into a Key.
func New(parties round.Parties, kg *keygen.Result, aux *auxinfo.Result) (*Key, error) {
	if kg.ID != aux.ID {
		return nil, errors.New("share: keygen and aux info are for different parties")
	}
	if len(kg.Shares) != len(parties) || len(aux.Public) != len(parties) {
		return nil, errors.New("share: keygen and aux info cover different parties")
	}
	for _, p := range parties {
		if _, ok := kg.Shares[p]; !ok {
			return nil, fmt.Errorf("share: keygen lacks party %d", p)
		}
		if _, ok := aux.Public[p]; !ok {
			return nil, fmt.Errorf("share: aux info lacks party %d", p)
		}
	}
	return &Key{
		ID: kg.ID, Threshold: kg.Threshold, Parties: parties,
		Secret: kg.Secret, PublicKey: kg.PublicKey, Shares: kg.Shares,
		ChainCode: kg.RID, Paillier: aux.Paillier, Pedersen: aux.Pedersen, Aux: aux.Public,
	}, nil
}

// String redacts the secrets.
func (k *Key) String() string {
	return fmt.Sprintf("share.Key{ID: %d, %d-of-%d, epoch %d, secrets: <redacted>}", k.ID, k.Threshold, len(k.Parties), k.Epoch)
}

// Format redacts the secrets for every verb.
func (k *Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// Destroy wipes the secrets (best effort for math/big values).
func (k *Key) Destroy() {
	if k.Secret != nil {
		k.Secret.Zero()
	}
	if k.Paillier != nil {
		k.Paillier.Destroy()
	}
	if k.Pedersen != nil {
		k.Pedersen.Destroy()
	}
}

// Lagrange returns the coefficients λ_j (at zero) of the signer set, which
// must be a subset of the key's parties with at least Threshold members:
// Σ_j λ_j·x_j = x.
func (k *Key) Lagrange(signers round.Parties) (map[round.PartyID]group.Scalar, error) {
	if len(signers) < k.Threshold || !signers.IsSubsetOf(k.Parties) {
		return nil, fmt.Errorf("share: signer set %v is not a quorum of the key's parties", signers)
	}
	xs := make([]uint64, len(signers))
	for i, p := range signers {
		xs[i] = uint64(p)
	}
	ls, err := vss.LagrangeAll(Group, xs)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	out := make(map[round.PartyID]group.Scalar, len(signers))
	for i, p := range signers {
		out[p] = ls[i]
	}
	return out, nil
}

// VerifierKeys returns the trapdoors that speed up verifying proofs made
// under this party's own ring-Pedersen parameters.
func (k *Key) VerifierKeys() (*zk.VerifierKeys, error) {
	return zk.NewVerifierKeys(k.Paillier, k.Aux[k.ID].Pedersen, k.Pedersen)
}

const (
	version    = 1
	maxParties = 1024
	maxField   = 1 << 16 // bytes: above any encoded Paillier key or parameters
)

// Marshal encodes the key for sealed storage. The encoding holds secrets:
// seal it before it leaves memory.
func (k *Key) Marshal() []byte {
	var b bytes.Buffer
	b.WriteByte(version)
	put16 := func(v int) { b.Write(binary.BigEndian.AppendUint16(nil, uint16(v))) }
	putBytes := func(p []byte) {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(p))))
		b.Write(p)
	}
	put16(int(k.ID))
	put16(k.Threshold)
	b.Write(binary.BigEndian.AppendUint32(nil, k.Epoch))
	put16(len(k.Parties))
	for _, p := range k.Parties {
		put16(int(p))
		b.Write(k.Shares[p].Bytes())
		putBytes(k.Aux[p].Paillier.Marshal())
		putBytes(k.Aux[p].Pedersen.Marshal())
	}
	b.Write(k.Secret.Bytes())
	b.Write(k.PublicKey.Bytes())
	b.Write(k.ChainCode[:])
	putBytes(k.Paillier.Marshal())
	putBytes(k.Pedersen.Lambda.Bytes())
	return b.Bytes()
}

// Parse decodes and validates a key encoded by Marshal.
func Parse(b []byte) (*Key, error) {
	r := codec.NewReader(b)
	if r.U8() != version {
		return nil, errors.New("share: unknown encoding version")
	}
	k := &Key{Shares: map[round.PartyID]group.Element{}, Aux: map[round.PartyID]Aux{}}
	k.ID = round.PartyID(r.U16())
	k.Threshold = int(r.U16())
	if e := r.Fixed(4); e != nil {
		k.Epoch = binary.BigEndian.Uint32(e)
	}
	n := int(r.U16())
	if n < 1 || n > maxParties {
		return nil, fmt.Errorf("share: %d parties", n)
	}
	ids := make([]round.PartyID, 0, n)
	for range n {
		p := round.PartyID(r.U16())
		x := r.Fixed(Group.ElementLen())
		pk := r.Bytes(maxField)
		rp := r.Bytes(maxField)
		if x == nil || pk == nil || rp == nil {
			return nil, fmt.Errorf("share: party %d: %w", p, codec.ErrMalformed)
		}
		X, err := Group.ParseElement(x)
		if err != nil {
			return nil, fmt.Errorf("share: public share of party %d: %w", p, err)
		}
		pub, err := paillier.ParsePublicKey(pk)
		if err != nil {
			return nil, fmt.Errorf("share: Paillier key of party %d: %w", p, err)
		}
		ped, err := pedersen.ParseParameters(rp)
		if err != nil {
			return nil, fmt.Errorf("share: ring-Pedersen parameters of party %d: %w", p, err)
		}
		if ped.N.Cmp(pub.N()) != 0 {
			return nil, fmt.Errorf("share: party %d: ring-Pedersen modulus differs from its Paillier key", p)
		}
		ids = append(ids, p)
		k.Shares[p] = X
		k.Aux[p] = Aux{Paillier: pub, Pedersen: ped}
	}
	secret := r.Fixed(Group.ScalarLen())
	pub := r.Fixed(Group.ElementLen())
	cc := r.Fixed(32)
	sk := r.Bytes(maxField)
	lambda := r.Bytes(maxField)
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	parties, err := round.NewParties(ids)
	if err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	if len(parties) != len(ids) || !parties.Contains(k.ID) || k.Threshold < 1 || k.Threshold > len(parties) {
		return nil, errors.New("share: inconsistent party set or threshold")
	}
	k.Parties = parties
	if k.Secret, err = Group.ParseScalar(secret); err != nil {
		return nil, fmt.Errorf("share: secret share: %w", err)
	}
	if k.PublicKey, err = Group.ParseElement(pub); err != nil {
		return nil, fmt.Errorf("share: public key: %w", err)
	}
	copy(k.ChainCode[:], cc)
	if k.Paillier, err = paillier.ParseSecretKey(sk); err != nil {
		return nil, fmt.Errorf("share: own Paillier key: %w", err)
	}
	if !k.Paillier.PublicKey().Equal(k.Aux[k.ID].Paillier) {
		return nil, errors.New("share: own Paillier key does not match the public aux info")
	}
	k.Pedersen = &pedersen.Secret{Lambda: new(big.Int).SetBytes(lambda), Phi: k.Paillier.Phi(), P: k.Paillier.P(), Q: k.Paillier.Q()}
	if err := k.Validate(); err != nil {
		k.Destroy()
		return nil, err
	}
	return k, nil
}

// Validate checks the key's internal consistency: the own share matches its
// public share, the public shares lie on one polynomial of degree
// Threshold−1 whose value at zero is the public key, and the own
// ring-Pedersen trapdoor opens the own parameters (s = t^λ).
func (k *Key) Validate() error {
	if !Group.NewElement().ScalarBaseMult(k.Secret).Equal(k.Shares[k.ID]) {
		return errors.New("share: secret share does not match the public share")
	}
	// Interpolate the public key from every Threshold-subset sliding over
	// the parties: one check per window covers all shares.
	ps := k.Parties
	for start := 0; start+k.Threshold <= len(ps); start++ {
		sub := ps[start : start+k.Threshold]
		ls, err := k.Lagrange(sub)
		if err != nil {
			return err
		}
		sc := make([]group.Scalar, 0, len(sub))
		pts := make([]group.Element, 0, len(sub))
		for _, p := range sub {
			sc = append(sc, ls[p])
			pts = append(pts, k.Shares[p])
		}
		if !Group.NewElement().VarTimeMultiScalarMult(sc, pts).Equal(k.PublicKey) {
			return errors.New("share: public shares do not interpolate to the public key")
		}
	}
	own := k.Aux[k.ID].Pedersen
	if new(big.Int).Exp(own.T, k.Pedersen.Lambda, own.N).Cmp(own.S) != 0 {
		return errors.New("share: ring-Pedersen trapdoor does not open the own parameters")
	}
	return nil
}
