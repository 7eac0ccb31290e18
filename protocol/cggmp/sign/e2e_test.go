package sign_test

import (
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/protocol/cggmp/auxinfo"
	"github.com/custos-mpc/custos/protocol/cggmp/keygen"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/sign"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// The whole engine without the test dealer: key generation and auxiliary
// information by the real protocols, then full signing by a quorum.
func TestKeygenAuxSign(t *testing.T) {
	parties := round.Parties{1, 2, 3}
	kgs := map[round.PartyID]*keygen.Result{}
	ps := machines(t, parties, keygen.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		return keygen.Start(group.Secp256k1, cfg, 2, rand.Reader)
	})
	for id, o := range (&sim.Network{}).Run(ps) {
		if o.Err != nil {
			t.Fatalf("keygen party %d: %v", id, o.Err)
		}
		kgs[id] = o.Result.(*keygen.Result)
	}
	auxs := map[round.PartyID]*auxinfo.Result{}
	ps = machines(t, parties, auxinfo.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		p, q := testprimes.Pair(int(cfg.Self) - 1)
		sk, err := paillier.NewSecretKey(p, q)
		if err != nil {
			return nil, nil, err
		}
		return auxinfo.StartWithKey(cfg, auxinfo.Options{Bits: 2048}, sk, rand.Reader)
	})
	for id, o := range (&sim.Network{}).Run(ps) {
		if o.Err != nil {
			t.Fatalf("aux party %d: %v", id, o.Err)
		}
		auxs[id] = o.Result.(*auxinfo.Result)
	}
	keys := map[round.PartyID]*share.Key{}
	for _, id := range parties {
		k, err := share.New(parties, kgs[id], auxs[id])
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Validate(); err != nil {
			t.Fatal(err)
		}
		keys[id] = k
	}
	digest := sha256.Sum256([]byte("from a real key"))
	signers := round.Parties{1, 3}
	ps = machines(t, signers, sign.FullProtocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		return sign.StartFull(cfg, keys[cfg.Self], nil, digest, rand.Reader)
	})
	if s := checkSigs(t, (&sim.Network{}).Run(ps), digest); !s.PublicKey.Equal(keys[1].PublicKey) {
		t.Fatal("signature under the wrong key")
	}
}
