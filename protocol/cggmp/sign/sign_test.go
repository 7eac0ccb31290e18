package sign_test

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/custos-mpc/custos/crypto/bip32"
	"github.com/custos-mpc/custos/protocol/cggmp/ecdsatest"
	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/share/sharetest"
	"github.com/custos-mpc/custos/protocol/cggmp/sign"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

func sid() round.SessionID {
	var s round.SessionID
	rand.Read(s[:])
	return s
}

func machines(t testing.TB, signers round.Parties, protocol string, start func(cfg round.Config) (round.Round, []round.Message, error)) map[round.PartyID]*sim.Party {
	t.Helper()
	s := sid()
	out := map[round.PartyID]*sim.Party{}
	for _, id := range signers {
		cfg := round.Config{Session: s, Protocol: protocol, Self: id, Parties: signers}
		first, msgs, err := start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &sim.Party{Machine: m, Initial: initial}
	}
	return out
}

func presignAll(t testing.TB, keys map[round.PartyID]*share.Key, signers round.Parties, path []uint32) map[round.PartyID]*presign.Presignature {
	t.Helper()
	ps := machines(t, signers, presign.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		return presign.Start(cfg, keys[cfg.Self], presign.Options{Path: path}, rand.Reader)
	})
	out := map[round.PartyID]*presign.Presignature{}
	for id, o := range (&sim.Network{}).Run(ps) {
		if o.Err != nil {
			t.Fatalf("presign party %d: %v", id, o.Err)
		}
		out[id] = o.Result.(*presign.Presignature)
	}
	return out
}

func checkSigs(t testing.TB, out map[round.PartyID]sim.Outcome, digest [32]byte) *sign.Signature {
	t.Helper()
	var first *sign.Signature
	for id, o := range out {
		if o.Err != nil {
			t.Fatalf("party %d: %v", id, o.Err)
		}
		s := o.Result.(*sign.Signature)
		var raw [64]byte
		copy(raw[:], s.Bytes())
		if err := ecdsatest.Verify(s.PublicKey.Bytes(), digest, raw, s.RecoveryID); err != nil {
			t.Fatalf("party %d: independent verification: %v", id, err)
		}
		if first != nil && string(first.Bytes()) != string(s.Bytes()) {
			t.Fatal("parties output different signatures")
		}
		first = s
	}
	return first
}

func TestSign(t *testing.T) {
	for _, c := range []struct {
		threshold, n int
		signers      round.Parties
	}{{2, 3, round.Parties{1, 3}}, {3, 5, round.Parties{2, 4, 5}}, {5, 9, round.Parties{1, 3, 5, 7, 9}}} {
		keys := sharetest.Deal(t, c.threshold, c.n)
		pres := presignAll(t, keys, c.signers, nil)
		digest := sha256.Sum256([]byte("custos ecdsa test"))
		ps := machines(t, c.signers, sign.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
			return sign.Start(cfg, keys[cfg.Self], pres[cfg.Self], digest, rand.Reader)
		})
		s := checkSigs(t, (&sim.Network{}).Run(ps), digest)
		if !s.PublicKey.Equal(keys[1].PublicKey) {
			t.Fatal("signature is not under the root key")
		}
	}
}

func TestSignFullAndHD(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	signers := round.Parties{2, 3}
	path := []uint32{0, 7, 42}
	digest := sha256.Sum256([]byte("hd child"))
	ps := machines(t, signers, sign.FullProtocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		return sign.StartFull(cfg, keys[cfg.Self], path, digest, rand.Reader)
	})
	s := checkSigs(t, (&sim.Network{}).Run(ps), digest)
	_, child, _, err := bip32.Derive(keys[1].PublicKey, keys[1].ChainCode, path)
	if err != nil {
		t.Fatal(err)
	}
	if !s.PublicKey.Equal(child) || s.PublicKey.Equal(keys[1].PublicKey) {
		t.Fatal("signature is not under the derived child key")
	}
	// A stored presignature for the path signs for the child too.
	pres := presignAll(t, keys, signers, path)
	ps = machines(t, signers, sign.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		return sign.Start(cfg, keys[cfg.Self], pres[cfg.Self], digest, rand.Reader)
	})
	if s := checkSigs(t, (&sim.Network{}).Run(ps), digest); !s.PublicKey.Equal(child) {
		t.Fatal("presigned child signature under the wrong key")
	}
}

// A signer that sends a wrong σ_i is named by the identification.
func TestBadSignatureShare(t *testing.T) {
	keys := sharetest.Deal(t, 3, 5)
	signers := round.Parties{1, 2, 4}
	pres := presignAll(t, keys, signers, nil)
	digest := sha256.Sum256([]byte("bad share"))
	ps := machines(t, signers, sign.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		first, msgs, err := sign.Start(cfg, keys[cfg.Self], pres[cfg.Self], digest, rand.Reader)
		if cfg.Self == 4 {
			for i := range msgs {
				b := append([]byte{}, msgs[i].Payload...)
				b[len(b)-1] ^= 1
				msgs[i].Payload = b
			}
			// The liar still answers the identification (a silent party
			// is the coordinator's timeout, not this test).
			first = &liar{inner: first, pre: pres[4], key: keys[4]}
		}
		return first, msgs, err
	})
	for id, o := range (&sim.Network{}).Run(ps) {
		if id == 4 {
			continue
		}
		var ae *round.AbortError
		if !errors.As(o.Err, &ae) || len(ae.Culprits) != 1 || ae.Culprits[0] != 4 {
			t.Fatalf("party %d: want party 4 blamed, got %v", id, o.Err)
		}
	}
}

func TestRefusesMismatchedPresignature(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	pres := presignAll(t, keys, round.Parties{1, 2}, nil)
	var digest [32]byte
	cfg := round.Config{Session: sid(), Protocol: sign.Protocol, Self: 1, Parties: round.Parties{1, 3}}
	if _, _, err := sign.Start(cfg, keys[1], pres[1], digest, rand.Reader); err == nil {
		t.Fatal("presignature used with another signer set")
	}
	cfg = round.Config{Session: pres[1].ID, Protocol: sign.Protocol, Self: 1, Parties: round.Parties{1, 2}}
	if _, _, err := sign.Start(cfg, keys[1], pres[1], digest, rand.Reader); err == nil {
		t.Fatal("signing session reuses the presigning session id")
	}
}

// liar finishes its own signing (its view verifies, since only what it sent
// was wrong) and then takes part in the identification honestly.
type liar struct {
	inner round.Round
	pre   *presign.Presignature
	key   *share.Key
}

func (l *liar) Number() uint16       { return l.inner.Number() }
func (l *liar) Expect() round.Expect { return l.inner.Expect() }
func (l *liar) Finalize(in round.Inputs) (round.Round, []round.Message, any, error) {
	msg, err := l.pre.IdentProve(rand.Reader, l.key)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, _, _, err := l.inner.Finalize(in); err != nil {
		return nil, nil, nil, err
	}
	return sink(l.inner.Number() + 1), []round.Message{{Round: l.inner.Number() + 1, Payload: msg}}, nil, nil
}

type sink uint16

func (s sink) Number() uint16       { return uint16(s) }
func (s sink) Expect() round.Expect { return round.Expect{Broadcast: true} }
func (s sink) Finalize(round.Inputs) (round.Round, []round.Message, any, error) {
	return nil, nil, "done", nil
}

// A presignature signs once: after a signing session it is destroyed and
// Start refuses it.
func TestPresignatureUsedOnce(t *testing.T) {
	keys := sharetest.Deal(t, 2, 3)
	signers := round.Parties{1, 2}
	pres := presignAll(t, keys, signers, nil)
	digest := sha256.Sum256([]byte("once"))
	ps := machines(t, signers, sign.Protocol, func(cfg round.Config) (round.Round, []round.Message, error) {
		return sign.Start(cfg, keys[cfg.Self], pres[cfg.Self], digest, rand.Reader)
	})
	checkSigs(t, (&sim.Network{}).Run(ps), digest)
	cfg := round.Config{Session: sid(), Protocol: sign.Protocol, Self: 1, Parties: signers}
	other := sha256.Sum256([]byte("twice"))
	if _, _, err := sign.Start(cfg, keys[1], pres[1], other, rand.Reader); err == nil {
		t.Fatal("a used presignature signed again")
	}
}
