package frost

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

func ids(n int) round.Parties {
	p := make(round.Parties, n)
	for i := range p {
		p[i] = round.PartyID(i + 1)
	}
	return p
}

func newSession(t testing.TB) round.SessionID {
	var sid round.SessionID
	if _, err := rand.Read(sid[:]); err != nil {
		t.Fatal(err)
	}
	return sid
}

// dkgParties builds the machines of a DKG session.
func dkgParties(t testing.TB, s *Suite, sid round.SessionID, threshold int, parties round.Parties) map[round.PartyID]*sim.Party {
	return dkgPartiesWith(t, s, sid, threshold, parties, nil)
}

// dkgPartiesWith builds a DKG session in which the parties in bad tamper
// with what they send, at the source (see sim.Malicious).
func dkgPartiesWith(t testing.TB, s *Suite, sid round.SessionID, threshold int, parties round.Parties,
	bad map[round.PartyID]func(uint16, []round.Message)) map[round.PartyID]*sim.Party {
	t.Helper()
	out := make(map[round.PartyID]*sim.Party, len(parties))
	for _, id := range parties {
		cfg := round.Config{Session: sid, Protocol: DKGProtocol(s), Self: id, Parties: parties}
		first, msgs, err := NewDKG(s, cfg, threshold, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if f := bad[id]; f != nil {
			first, msgs = sim.Malicious(first, msgs, f)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = &sim.Party{Machine: m, Initial: initial}
	}
	return out
}

// runDKG runs an honest DKG and returns every party's key share.
func runDKG(t testing.TB, s *Suite, threshold, n int) map[round.PartyID]*KeyShare {
	t.Helper()
	net := &sim.Network{}
	res := net.Run(dkgParties(t, s, newSession(t), threshold, ids(n)))
	out := make(map[round.PartyID]*KeyShare, n)
	for id, o := range res {
		if o.Err != nil {
			t.Fatalf("party %d: %v", id, o.Err)
		}
		out[id] = o.Result.(*KeyShare)
	}
	return out
}

// signWith runs both signing rounds for the given signers and aggregates.
func signWith(t testing.TB, shares map[round.PartyID]*KeyShare, signers []round.PartyID, msg, merkleRoot []byte) ([]byte, *SigningPackage) {
	t.Helper()
	zs, reported, pkg := signShares(t, shares, signers, msg, merkleRoot)
	sig, err := Aggregate(shares[signers[0]].Public, pkg, zs)
	if err != nil {
		t.Fatal(err)
	}
	// An aggregator told R by the signers makes the same signature.
	fast, misreported, err := AggregateReported(shares[signers[0]].Public, pkg, zs, reported)
	if err != nil || len(misreported) != 0 || !bytes.Equal(fast, sig) {
		t.Fatalf("AggregateReported: %x %v %v, Aggregate: %x", fast, misreported, err, sig)
	}
	return sig, pkg
}

// signShares runs both signing rounds for signers on msg and returns each
// signer's share and reported group commitment, and the package.
func signShares(t testing.TB, shares map[round.PartyID]*KeyShare, signers []round.PartyID, msg, merkleRoot []byte) ([]SignatureShare, [][]byte, *SigningPackage) {
	t.Helper()
	pkg := &SigningPackage{Message: msg, MerkleRoot: merkleRoot}
	nonces := map[round.PartyID]*Nonces{}
	for _, id := range signers {
		n, err := Commit(rand.Reader, shares[id])
		if err != nil {
			t.Fatal(err)
		}
		nonces[id] = n
		pkg.Commitments = append(pkg.Commitments, n.Commitment())
	}
	var zs []SignatureShare
	var reported [][]byte
	for _, id := range signers {
		z, R, err := SignWithCommitment(shares[id], nonces[id], msg, pkg)
		if err != nil {
			t.Fatalf("party %d: %v", id, err)
		}
		zs, reported = append(zs, *z), append(reported, R)
	}
	return zs, reported, pkg
}
