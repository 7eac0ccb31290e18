// Package auxcore holds the steps of the CGGMP21 auxiliary-information
// phase (IACR ePrint 2021/060, latest revision, "Auxiliary Info & Key
// Refresh", Fig. 7 in the 2021 numbering) that both the auxiliary-info
// engine (protocol/cggmp/auxinfo) and the key refresh
// (protocol/cggmp/refresh) run: making the party's own ring-Pedersen
// parameters on its Paillier modulus with Π^prm, validating a peer's
// (N_j, s_j, t_j) and Π^prm, proving the own modulus with Π^mod and Π^fac,
// and verifying a peer's Π^mod and Π^fac. The rounds, commitments and
// blame stay in the engines; this package only does the cryptography, so
// both engines accept exactly the same parameters and proofs.
//
// Every proof is bound to a session string chosen by the engine (the
// auxiliary-info engine uses sid; the refresh prefixes its protocol name,
// so a proof made for one engine never verifies in the other) and, from
// Round 3 on, to rid.
package auxcore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/crypto/zk/fac"
	"github.com/custos-mpc/custos/crypto/zk/mod"
	"github.com/custos-mpc/custos/crypto/zk/prm"
	"github.com/custos-mpc/custos/protocol/round"
)

// Encoded sizes at paillier.MaxBits: ring-Pedersen parameters are 3 + 3L
// bytes and a Π^prm proof 4 + 2mL bytes, L = MaxBits/8. Decoders reject
// longer fields before parsing them.
const (
	MaxParamsLen = 3 + 3*paillier.MaxBits/8
	MaxPrmLen    = 4 + 2*prm.Repetitions*paillier.MaxBits/8
)

// ZKParams are the paper's ℓ, ε for secp256k1 (Π^fac's ranges).
var ZKParams = zk.NewParams(group.Secp256k1)

// Bits resolves a configured modulus size: 0 means paillier.DefaultBits;
// otherwise it must be even and in [paillier.MinBits, paillier.MaxBits].
func Bits(b int) (int, error) {
	if b == 0 {
		b = paillier.DefaultBits
	}
	if b%2 != 0 || b < paillier.MinBits || b > paillier.MaxBits {
		return 0, fmt.Errorf("unsupported modulus size %d", b)
	}
	return b, nil
}

// IDBytes encodes a party id for a proof context.
func IDBytes(id round.PartyID) []byte {
	return binary.BigEndian.AppendUint16(nil, uint16(id))
}

// PrmContext binds Π^prm to (session, i): rid is not known in round 1
// (CGGMP21 Fig. 7, Round 1).
func PrmContext(session []byte, prover round.PartyID) zk.Context {
	return zk.Context{SessionID: bytes.Clone(session), Prover: IDBytes(prover)}
}

// ProofContext binds Π^mod (verifier 0: broadcast) and Π^fac (verifier j)
// to (session, rid, i, j) (CGGMP21 Fig. 7, Round 3).
func ProofContext(session, rid []byte, prover, verifier round.PartyID) zk.Context {
	c := zk.Context{SessionID: append(bytes.Clone(session), rid...), Prover: IDBytes(prover)}
	if verifier != 0 {
		c.Verifier = IDBytes(verifier)
	}
	return c
}

// Setup is CGGMP21 Fig. 7, Round 1, the auxiliary part: ring-Pedersen
// parameters on the party's own modulus (t = r² mod N, λ ← Z_φ(N),
// s = t^λ) and ψ̂ = Π^prm for them, bound to (session, self). sk must have
// been checked to have the configured size. The caller owns the returned
// secret.
func Setup(rand io.Reader, sk *paillier.SecretKey, session []byte, self round.PartyID) (*pedersen.Parameters, *pedersen.Secret, []byte, error) {
	rp, sec, err := pedersen.FromKey(rand, sk)
	if err != nil {
		return nil, nil, nil, err
	}
	proof, err := prm.Prove(rand, rp, sec, PrmContext(session, self))
	if err != nil {
		sec.Destroy()
		return nil, nil, nil, err
	}
	return rp, sec, proof.Marshal(), nil
}

// CheckPublic validates party j's revealed (N_j, s_j, t_j) and ψ̂_j (CGGMP21
// Fig. 7, Round 3, step 2, with custos's extra checks): the parameters
// parse (pedersen.ParseParameters), N_j has exactly bits bits, is accepted
// by paillier.NewPublicKey, and ψ̂_j verifies under (session, j).
func CheckPublic(session []byte, j round.PartyID, bits int, params, prmProof []byte) (*paillier.PublicKey, *pedersen.Parameters, error) {
	rp, err := pedersen.ParseParameters(params)
	if err != nil {
		return nil, nil, err
	}
	if b := rp.N.BitLen(); b != bits {
		return nil, nil, fmt.Errorf("modulus has %d bits, want %d", b, bits)
	}
	pk, err := paillier.NewPublicKey(rp.N)
	if err != nil {
		return nil, nil, err
	}
	proof, err := prm.Parse(prmProof, rp)
	if err == nil {
		err = proof.Verify(rp, PrmContext(session, j))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("invalid ring-Pedersen proof: %w", err)
	}
	return pk, rp, nil
}

// ProveModulus is CGGMP21 Fig. 7, Round 3, the auxiliary part: ψ_i =
// Π^mod for N_i bound to (session, rid, i), the same for every verifier
// (custos broadcasts it), and, for each other party j in order, φ_{j,i} =
// Π^fac for N_i under j's ring-Pedersen parameters, bound to (session,
// rid, i, j), as a point-to-point message to j.
func ProveModulus(rand io.Reader, sk *paillier.SecretKey, session, rid []byte, self round.PartyID, others round.Parties, params func(round.PartyID) *pedersen.Parameters) ([]byte, []round.Message, error) {
	psi, err := mod.Prove(rand, sk, ProofContext(session, rid, self, 0))
	if err != nil {
		return nil, nil, err
	}
	rps := make([]*pedersen.Parameters, len(others))
	ctxs := make([]zk.Context, len(others))
	for i, j := range others {
		rps[i], ctxs[i] = params(j), ProofContext(session, rid, self, j)
	}
	phis, err := fac.ProveEach(rand, sk, rps, ZKParams, ctxs)
	if err != nil {
		return nil, nil, err
	}
	out := make([]round.Message, 0, len(others))
	for i, j := range others {
		b, err := phis[i].Marshal(sk.PublicKey(), rps[i], ZKParams)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, round.Message{To: j, Payload: b})
	}
	return psi.MarshalFor(sk.PublicKey().N()), out, nil
}

// VerifyMod checks party j's ψ_j (Π^mod for N_j) under (session, rid, j)
// (CGGMP21 Fig. 7, Output, step 1).
func VerifyMod(session, rid []byte, j round.PartyID, pk *paillier.PublicKey, raw []byte) error {
	n := pk.N()
	psi, err := mod.Parse(raw, n)
	if err == nil {
		err = psi.Verify(n, ProofContext(session, rid, j, 0))
	}
	if err != nil {
		return fmt.Errorf("invalid Paillier–Blum modulus proof: %w", err)
	}
	return nil
}

// VerifyFac checks φ_{self,j} (Π^fac for N_j) under the verifier's own
// parameters own and (session, rid, j, self) (CGGMP21 Fig. 7, Output,
// step 1). keys, made from the verifier's trapdoor, halve the cost.
func VerifyFac(session, rid []byte, j, self round.PartyID, pk *paillier.PublicKey, own *pedersen.Parameters, raw []byte, keys *zk.VerifierKeys) error {
	if raw == nil {
		return errors.New("missing no-small-factor proof")
	}
	phi, err := fac.Parse(raw, pk, own, ZKParams)
	if err == nil {
		err = phi.Verify(pk, own, ZKParams, ProofContext(session, rid, j, self), zk.WithVerifierKeys(keys))
	}
	if err != nil {
		return fmt.Errorf("invalid no-small-factor proof: %w", err)
	}
	return nil
}
