package frost

import (
	"errors"
	"fmt"
	"slices"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/vss"
	"github.com/custos-mpc/custos/protocol/round"
)

// PublicKey is the public part of a threshold key: the group key and every
// holder's verification share (RFC 9591 Section 5, PK and PK_i).
type PublicKey struct {
	Suite     *Suite
	Threshold int
	// Key is the group public key (for BIP340 the untweaked internal key,
	// with whatever Y parity the DKG produced).
	Key group.Element
	// Shares maps every holder to its public verification share.
	Shares map[round.PartyID]group.Element
}

// Parties returns the sorted holders of the key.
func (pk *PublicKey) Parties() round.Parties {
	ids := make(round.Parties, 0, len(pk.Shares))
	for id := range pk.Shares {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// KeyShare is one holder's share of a threshold key.
type KeyShare struct {
	ID     round.PartyID
	Secret group.Scalar // sk_i; prints <redacted>
	Public *PublicKey
}

// Destroy wipes the secret share.
func (k *KeyShare) Destroy() { k.Secret.Zero() }

func (k *KeyShare) String() string {
	return fmt.Sprintf("frost.KeyShare{%s, party %d, <redacted>}", k.Public.Suite.Name, k.ID)
}

// Validate checks that the share matches its public verification share.
func (k *KeyShare) Validate() error {
	want, ok := k.Public.Shares[k.ID]
	if !ok {
		return errors.New("frost: key share's party is not a holder of the key")
	}
	if !k.Public.Suite.Group.NewElement().ScalarBaseMult(k.Secret).Equal(want) {
		return errors.New("frost: secret share does not match its verification share")
	}
	return nil
}

// Validate checks that the verification shares interpolate to the group
// key (any threshold-sized subset suffices when the shares lie on one
// polynomial; all consecutive subsets are checked).
func (pk *PublicKey) Validate() error {
	ids := pk.Parties()
	if pk.Threshold < 1 || pk.Threshold > len(ids) {
		return fmt.Errorf("frost: threshold %d out of range for %d holders", pk.Threshold, len(ids))
	}
	if ids[0] == 0 {
		return errors.New("frost: party id 0 is not allowed")
	}
	g := pk.Suite.Group
	for start := 0; start+pk.Threshold <= len(ids); start++ {
		set := ids[start : start+pk.Threshold]
		xs := make([]uint64, len(set))
		for i, id := range set {
			xs[i] = uint64(id)
		}
		scalars := make([]group.Scalar, len(set))
		points := make([]group.Element, len(set))
		for i, id := range set {
			l, err := vss.Lagrange(g, xs, uint64(id))
			if err != nil {
				return err
			}
			scalars[i], points[i] = l, pk.Shares[id]
		}
		if !g.NewElement().VarTimeMultiScalarMult(scalars, points).Equal(pk.Key) {
			return errors.New("frost: verification shares do not interpolate to the group key")
		}
	}
	return nil
}
