package auxinfo

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/pedersen"
	"github.com/custos-mpc/custos/crypto/zk"
	"github.com/custos-mpc/custos/protocol/cggmp/internal/auxcore"
	"github.com/custos-mpc/custos/protocol/round"
)

// Protocol is the protocol name of a CGGMP auxiliary-information session.
const Protocol = "cggmp-aux/secp256k1/v1"

const (
	randLen     = 32
	maxParties  = 1024
	commitLabel = "custos/cggmp/aux/v1/commit"
	decVersion  = 1
	// Longest encodings of (N, s, t) and Π^prm at paillier.MaxBits.
	maxParamsLen = auxcore.MaxParamsLen
	maxPrmLen    = auxcore.MaxPrmLen
)

// Options configures the party's own keys.
type Options struct {
	// Bits is the size of every party's modulus N_j: even, in
	// [paillier.MinBits, paillier.MaxBits]; 0 means paillier.DefaultBits.
	// A peer whose modulus has another size is blamed.
	Bits int
	// Pool holds pre-generated safe primes of Bits/2 bits. When it is nil,
	// of another size or empty, the primes are generated (minutes at 3072
	// bits).
	Pool *paillier.Pool
}

func (o Options) bits() (int, error) {
	b, err := auxcore.Bits(o.Bits)
	if err != nil {
		return 0, fmt.Errorf("auxinfo: start: %w", err)
	}
	return b, nil
}

// Public is one party's validated public auxiliary information.
type Public struct {
	Paillier *paillier.PublicKey  // N_j
	Pedersen *pedersen.Parameters // (N̂_j, s_j, t_j), N̂_j = N_j
}

// Result is one party's output.
type Result struct {
	ID       round.PartyID
	Paillier *paillier.SecretKey      // p_i, q_i; prints <redacted>
	Pedersen *pedersen.Secret         // λ_i; prints <redacted>
	Public   map[round.PartyID]Public // every party, itself included
	RID      [randLen]byte            // rid = ⊕ rid_j
}

// String redacts the secrets.
func (r *Result) String() string {
	return fmt.Sprintf("auxinfo.Result{ID: %d, parties: %d, secrets: <redacted>}", r.ID, len(r.Public))
}

// Format redacts the secrets for every verb.
func (r *Result) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// Destroy wipes the party's secrets (best effort: math/big may have left
// copies in freed memory).
func (r *Result) Destroy() {
	if r.Paillier != nil {
		r.Paillier.Destroy()
	}
	if r.Pedersen != nil {
		r.Pedersen.Destroy()
	}
}

// Start begins the auxiliary-information phase for party cfg.Self: it
// takes a Paillier key of opts.Bits bits (primes from opts.Pool) and
// continues as StartWithKey. Run the round with round.NewMachine; the
// result is a *Result.
func Start(ctx context.Context, cfg round.Config, opts Options, rand io.Reader) (round.Round, []round.Message, error) {
	bits, err := opts.bits()
	if err != nil {
		return nil, nil, err
	}
	if err := checkConfig(cfg); err != nil {
		return nil, nil, err
	}
	sk, err := paillier.GenerateKey(ctx, rand, bits, opts.Pool)
	if err != nil {
		return nil, nil, fmt.Errorf("auxinfo: start: %w", err)
	}
	first, msgs, err := StartWithKey(cfg, opts, sk, rand)
	if err != nil {
		sk.Destroy()
	}
	return first, msgs, err
}

// StartWithKey begins the phase with a Paillier key the caller generated
// (in idle time, for example); it must have exactly opts.Bits bits and be
// used for no other session. Once StartWithKey succeeds the round owns sk:
// it is in the result, or wiped when a round aborts.
func StartWithKey(cfg round.Config, opts Options, sk *paillier.SecretKey, rand io.Reader) (round.Round, []round.Message, error) {
	r1, err := newRound1(cfg, opts, sk, rand)
	if err != nil {
		return nil, nil, err
	}
	return r1, r1.commitMessages(), nil
}

func checkConfig(cfg round.Config) error {
	if n := len(cfg.Parties); n < 1 || n > maxParties {
		return fmt.Errorf("auxinfo: start: %d parties", n)
	}
	if cfg.Protocol != Protocol {
		return fmt.Errorf("auxinfo: start: protocol %q is not %q", cfg.Protocol, Protocol)
	}
	return nil
}

// decommit is what round 2 reveals: (N, s, t) as a pedersen encoding,
// ψ̂ (Π^prm) as a prm encoding, rid and u. Parsing it only checks the
// structure; round 3 validates the contents.
type decommit struct {
	rid    [randLen]byte
	u      [randLen]byte
	params []byte
	prm    []byte
}

// marshal encodes version (1) ‖ rid (32) ‖ u (32) ‖ len (4) ‖ params ‖
// len (4) ‖ ψ̂.
func (d *decommit) marshal() []byte {
	out := make([]byte, 0, 1+2*randLen+8+len(d.params)+len(d.prm))
	out = append(out, decVersion)
	out = append(out, d.rid[:]...)
	out = append(out, d.u[:]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(d.params)))
	out = append(out, d.params...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(d.prm)))
	return append(out, d.prm...)
}

// parseDecommit decodes a decommitment, rejecting another version,
// truncated or trailing data and fields longer than a MaxBits modulus
// needs.
func parseDecommit(b []byte) (*decommit, error) {
	if len(b) < 1+2*randLen+4 || b[0] != decVersion {
		return nil, errors.New("auxinfo: parse decommitment: bad header")
	}
	d := &decommit{}
	copy(d.rid[:], b[1:])
	copy(d.u[:], b[1+randLen:])
	b = b[1+2*randLen:]
	field := func(max int) ([]byte, error) {
		if len(b) < 4 {
			return nil, errors.New("auxinfo: parse decommitment: truncated")
		}
		l := binary.BigEndian.Uint32(b)
		b = b[4:]
		if l > uint32(max) || int(l) > len(b) {
			return nil, errors.New("auxinfo: parse decommitment: bad field length")
		}
		f := b[:l:l]
		b = b[l:]
		return f, nil
	}
	var err error
	if d.params, err = field(maxParamsLen); err != nil {
		return nil, err
	}
	if d.prm, err = field(maxPrmLen); err != nil {
		return nil, err
	}
	if len(b) != 0 {
		return nil, errors.New("auxinfo: parse decommitment: trailing data")
	}
	return d, nil
}

// commitment is V_i = SHA-256(label, sid, i, decommitment).
func commitment(sid round.SessionID, id round.PartyID, dec []byte) []byte {
	h := sha256.New()
	h.Write([]byte(commitLabel))
	h.Write(sid[:])
	h.Write(idBytes(id))
	h.Write(dec)
	return h.Sum(nil)
}

func idBytes(id round.PartyID) []byte { return auxcore.IDBytes(id) }

// zkParams are the paper's ℓ, ε for secp256k1 (Π^fac's ranges).
var zkParams = auxcore.ZKParams

// proofContext binds Π^mod (verifier 0: broadcast) and Π^fac (verifier j)
// to (sid, rid, i, j) (CGGMP21 Fig. 7, Round 3).
func proofContext(sid round.SessionID, rid [randLen]byte, prover, verifier round.PartyID) zk.Context {
	return auxcore.ProofContext(sid[:], rid[:], prover, verifier)
}
