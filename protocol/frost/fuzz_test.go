package frost

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/protocol/round"
)

// Every decoder: no input panics, and whatever parses re-encodes to the
// same bytes. Seeds are valid encodings from a real key and session.

func fuzzSeeds(f *testing.F) (*KeyShare, *Nonces, *SigningPackage) {
	shares := runDKG(f, Secp256k1, 2, 3)
	n1, _ := Commit(rand.Reader, shares[1])
	n2, _ := Commit(rand.Reader, shares[2])
	pkg := &SigningPackage{Message: []byte("seed"), Commitments: []Commitment{n1.Commitment(), n2.Commitment()}}
	return shares[1], n1, pkg
}

func FuzzParseSigningPackage(f *testing.F) {
	_, _, pkg := fuzzSeeds(f)
	f.Add(MarshalSigningPackage(Secp256k1, pkg))
	f.Add([]byte{1, 5, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseSigningPackage(Secp256k1, b)
		if err != nil {
			return
		}
		if !bytes.Equal(MarshalSigningPackage(Secp256k1, p), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzParseCommitment(f *testing.F) {
	_, n, _ := fuzzSeeds(f)
	f.Add(MarshalCommitment(Secp256k1, n.Commitment()))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommitment(Secp256k1, b)
		if err != nil {
			return
		}
		if !bytes.Equal(MarshalCommitment(Secp256k1, c), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

func FuzzParseSignatureShare(f *testing.F) {
	z := SignatureShare{ID: 3, Z: Ed25519.Group.NewScalar().SetUint64(9)}
	f.Add(MarshalSignatureShare(Ed25519, z))
	f.Add(MarshalShareReport(Ed25519, z, Ed25519.Group.Generator().Bytes()))
	f.Fuzz(func(t *testing.T, b []byte) {
		if z, err := ParseSignatureShare(Ed25519, b); err == nil && !bytes.Equal(MarshalSignatureShare(Ed25519, z), b) {
			t.Fatal("re-encoding differs")
		}
		if z, r, err := ParseShareReport(Ed25519, b); err == nil && !bytes.Equal(MarshalShareReport(Ed25519, z, r), b) {
			t.Fatal("share report re-encoding differs")
		}
	})
}

func FuzzParseKeyShare(f *testing.F) {
	ks, n, _ := fuzzSeeds(f)
	f.Add(MarshalKeyShare(ks))
	f.Add(MarshalPublicKey(ks.Public))
	nb, _ := MarshalNonces(n)
	f.Add(nb)
	f.Add(nb[:len(nb)-2*n.suite.Group.ElementLen()]) // the earlier format
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := ParseKeyShare(b); err == nil && !bytes.Equal(MarshalKeyShare(k), b) {
			t.Fatal("key share re-encoding differs")
		}
		if p, err := ParsePublicKey(b); err == nil && !bytes.Equal(MarshalPublicKey(p), b) {
			t.Fatal("public key re-encoding differs")
		}
		if n, err := ParseNonces(b); err == nil {
			nb, _ := MarshalNonces(n)
			// Nonces stored without their commitment (the earlier
			// format) come back with it.
			if !bytes.Equal(nb, b) && !bytes.Equal(nb[:len(b)], b) {
				t.Fatal("nonces re-encoding differ")
			}
		}
	})
}

// FuzzDKGRound1 feeds arbitrary round-1 payloads from party 2 to party 1:
// the round must abort naming party 2 or succeed, never panic or blame
// someone else.
func FuzzDKGRound1(f *testing.F) {
	s := Ed25519
	sid := newSession(f)
	parties := round.Parties{1, 2}
	cfg1 := round.Config{Session: sid, Protocol: DKGProtocol(s), Self: 1, Parties: parties}
	cfg2 := cfg1
	cfg2.Self = 2
	_, msgs2, err := NewDKG(s, cfg2, 2, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(msgs2[0].Payload, msgs2[1].Payload)
	f.Fuzz(func(t *testing.T, bc, p2p []byte) {
		first, out, err := NewDKG(s, cfg1, 2, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := round.NewMachine(cfg1, first, out)
		if err != nil {
			t.Fatal(err)
		}
		base := round.Message{Session: sid, Protocol: cfg1.Protocol, Round: 1, Kind: round.KindRound, From: 2}
		b, p := base, base
		b.Payload, p.Payload, p.To = bc, p2p, 1
		for _, msg := range []round.Message{b, p} {
			if _, err := m.Step(msg); err != nil {
				if c := round.Culprits(err); len(c) != 1 || c[0] != 2 {
					t.Fatalf("blamed %v: %v", c, err)
				}
				return
			}
		}
	})
}

func TestParseSigningPackageForChecksOwnCommitment(t *testing.T) {
	shares := runDKG(t, Ed25519, 2, 3)
	n1, _ := Commit(rand.Reader, shares[1])
	n2, _ := Commit(rand.Reader, shares[2])
	other, _ := Commit(rand.Reader, shares[1])
	pkg := &SigningPackage{Message: []byte("m"), Commitments: []Commitment{n1.Commitment(), n2.Commitment()}}
	raw := MarshalSigningPackage(Ed25519, pkg)
	got, err := ParseSigningPackageFor(Ed25519, raw, n1.Commitment())
	if err != nil || !got.Commitments[0].Equal(n1.Commitment()) || !got.Commitments[1].Equal(n2.Commitment()) {
		t.Fatalf("honest package: %v", err)
	}
	if _, err := ParseSigningPackageFor(Ed25519, raw, other.Commitment()); err == nil {
		t.Fatal("a package whose entry for this signer is not its commitment parsed")
	}
}
