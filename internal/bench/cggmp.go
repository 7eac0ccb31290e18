package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-mpc/custos/crypto/group"
	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/protocol/cggmp/auxinfo"
	"github.com/custos-mpc/custos/protocol/cggmp/keygen"
	"github.com/custos-mpc/custos/protocol/cggmp/presign"
	"github.com/custos-mpc/custos/protocol/cggmp/refresh"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/cggmp/sign"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// CggmpConfig selects what `custos bench cggmp` runs.
type CggmpConfig struct {
	Threshold int
	Parties   int
	Runs      int
	// Bits is the size of every Paillier modulus N; 0 means
	// paillier.DefaultBits.
	Bits int
	// ColdRuns is the number of auxiliary-information runs that generate
	// their primes inside the protocol (seconds each); 0 means
	// min(Runs, 3).
	ColdRuns int
	// Pool, if set, supplies the safe primes (of Bits/2 bits) of the
	// warm-pool operations; the benchmark tops it up to what it needs.
	// If nil, the benchmark fills a pool of its own before timing.
	Pool *paillier.Pool
	// Progress, if set, is called after each run, and with op "primes"
	// after each prime the pool gains.
	Progress func(op string, done, total int)
}

// Cggmp runs CGGMP21 threshold ECDSA on secp256k1 in-process: key
// generation and auxiliary information (cold: primes generated inside
// the protocol; warm: primes taken from a filled pool) among all parties,
// presigning, online signing and full signing by the first Threshold
// parties, and key refresh among all parties, Runs times each. Every
// signature is checked to verify under the key and to recover it from its
// recovery id; the "sign" result carries the last one.
func Cggmp(ctx context.Context, cfg CggmpConfig) ([]Result, error) {
	t, n, bits := cfg.Threshold, cfg.Parties, cfg.Bits
	if bits == 0 {
		bits = paillier.DefaultBits
	}
	if t < 1 || t > n || n < 2 {
		return nil, fmt.Errorf("bench: threshold %d of %d parties is not valid", t, n)
	}
	if cfg.Runs < 1 {
		return nil, errors.New("bench: runs must be at least 1")
	}
	if bits%2 != 0 || bits < paillier.MinBits || bits > paillier.MaxBits {
		return nil, fmt.Errorf("bench: paillier modulus of %d bits: want an even size in [%d, %d]", bits, paillier.MinBits, paillier.MaxBits)
	}
	coldRuns := cfg.ColdRuns
	if coldRuns <= 0 {
		coldRuns = min(cfg.Runs, 3)
	}
	progress := func(op string, done, total int) {
		if cfg.Progress != nil {
			cfg.Progress(op, done, total)
		}
	}
	parties := make(round.Parties, n)
	for i := range parties {
		parties[i] = round.PartyID(i + 1)
	}
	signers := parties[:t]
	base := Result{Protocol: "cggmp", Scheme: scheme.ECDSA, Threshold: t, Parties: n, PaillierBits: bits}

	// The warm pool: two primes per party for every aux and every refresh
	// run, generated before anything is timed.
	pool := cfg.Pool
	if pool == nil {
		pool = paillier.NewPool(bits/2, rand.Reader, 0)
	}
	if pool.Bits() != bits/2 {
		return nil, fmt.Errorf("bench: the prime pool holds %d-bit primes, want %d", pool.Bits(), bits/2)
	}
	want := 2 * 2 * n * cfg.Runs
	if have := pool.Len(); have < want {
		pool.SetProgress(func(have, want int) { progress("primes", have, want) })
		err := pool.Fill(ctx, want)
		pool.SetProgress(nil)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}

	// Key generation among all parties.
	kgRes := base
	kgRes.Op, kgRes.Signers = "keygen", n
	var kgs map[round.PartyID]any
	var samples []sample
	for run := 0; run < cfg.Runs; run++ {
		var net *sim.Network
		smp, err := measure(func() error {
			var err error
			kgs, net, err = runSession(parties, keygen.Protocol, func(c round.Config) (round.Round, []round.Message, error) {
				return keygen.Start(group.Secp256k1, c, t, rand.Reader)
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		samples = append(samples, smp)
		kgRes.BytesPerParty = sentPerParty(net.BytesSent, n)
		progress(kgRes.Op, run+1, cfg.Runs)
	}
	summarize(&kgRes, samples)

	// Auxiliary information, cold then warm.
	auxRun := func(op string, runs int, opts auxinfo.Options) (Result, map[round.PartyID]any, error) {
		res := base
		res.Op, res.Signers = op, n
		var out map[round.PartyID]any
		var samples []sample
		for run := 0; run < runs; run++ {
			destroyAux(out)
			var net *sim.Network
			smp, err := measure(func() error {
				var err error
				out, net, err = runSession(parties, auxinfo.Protocol, func(c round.Config) (round.Round, []round.Message, error) {
					return auxinfo.Start(ctx, c, opts, rand.Reader)
				})
				return err
			})
			if err != nil {
				return res, nil, err
			}
			samples = append(samples, smp)
			res.BytesPerParty = sentPerParty(net.BytesSent, n)
			progress(op, run+1, runs)
		}
		summarize(&res, samples)
		return res, out, nil
	}
	coldRes, cold, err := auxRun("aux_cold", coldRuns, auxinfo.Options{Bits: bits})
	if err != nil {
		return nil, err
	}
	destroyAux(cold)
	auxRes, aux, err := auxRun("aux", cfg.Runs, auxinfo.Options{Bits: bits, Pool: pool})
	if err != nil {
		return nil, err
	}
	keys := make(map[round.PartyID]*share.Key, n)
	for _, id := range parties {
		k, err := share.New(parties, kgs[id].(*keygen.Result), aux[id].(*auxinfo.Result))
		if err != nil {
			return nil, fmt.Errorf("bench: party %d: %w", id, err)
		}
		keys[id] = k // k owns aux[id]'s secrets now
	}
	defer func() {
		for _, k := range keys {
			k.Destroy()
		}
	}()
	pub := keys[parties[0]].PublicKey

	// Presigning by the signers, twice: "presign_cold" computes every
	// encryption nonce under a peer's key in the rounds; "presign" takes
	// them from nonce pools filled beforehand (untimed), as a node does in
	// idle time (presign.Options.Nonces). Every warm presignature is kept
	// for one online signature below.
	pres := make([]map[round.PartyID]any, 0, cfg.Runs)
	defer func() {
		for _, p := range pres {
			for _, v := range p {
				v.(*presign.Presignature).Destroy()
			}
		}
	}()
	var preResults []Result
	for _, warm := range []bool{false, true} {
		preRes := base
		preRes.Op, preRes.Signers = "presign_cold", t
		if warm {
			preRes.Op = "presign"
		}
		samples = samples[:0]
		for run := 0; run < cfg.Runs; run++ {
			opts := map[round.PartyID]presign.Options{}
			for _, i := range signers {
				o := presign.Options{}
				if warm {
					o.Nonces = map[round.PartyID]*paillier.NoncePool{}
					for _, j := range signers.Others(i) {
						np := keys[i].Aux[j].Paillier.NewNoncePool(rand.Reader)
						if err := np.Fill(context.Background(), 4); err != nil {
							return nil, err
						}
						o.Nonces[j] = np
					}
				}
				opts[i] = o
			}
			var out map[round.PartyID]any
			var net *sim.Network
			smp, err := measure(func() error {
				var err error
				out, net, err = runSession(signers, presign.Protocol, func(c round.Config) (round.Round, []round.Message, error) {
					return presign.Start(c, keys[c.Self], opts[c.Self], rand.Reader)
				})
				return err
			})
			if err != nil {
				return nil, err
			}
			if warm {
				pres = append(pres, out)
			} else {
				for _, v := range out {
					v.(*presign.Presignature).Destroy()
				}
			}
			samples = append(samples, smp)
			preRes.BytesPerParty = sentPerParty(net.BytesSent, t)
			progress(preRes.Op, run+1, cfg.Runs)
		}
		summarize(&preRes, samples)
		preResults = append(preResults, preRes)
	}

	// Online signing (one presignature per run) and full signing.
	signRun := func(op, proto string, start func(run int, c round.Config, digest [32]byte) (round.Round, []round.Message, error)) (Result, *sign.Signature, [32]byte, error) {
		res := base
		res.Op, res.Signers = op, t
		var samples []sample
		var sig *sign.Signature
		var digest [32]byte
		for run := 0; run < cfg.Runs; run++ {
			if _, err := rand.Read(digest[:]); err != nil {
				return res, nil, digest, err
			}
			var out map[round.PartyID]any
			var net *sim.Network
			smp, err := measure(func() error {
				var err error
				out, net, err = runSession(signers, proto, func(c round.Config) (round.Round, []round.Message, error) {
					return start(run, c, digest)
				})
				return err
			})
			if err != nil {
				return res, nil, digest, err
			}
			if sig, err = agreedSignature(out, pub, digest); err != nil {
				return res, nil, digest, fmt.Errorf("bench: %s: %w", op, err)
			}
			samples = append(samples, smp)
			res.BytesPerParty = sentPerParty(net.BytesSent, t)
			progress(op, run+1, cfg.Runs)
		}
		summarize(&res, samples)
		return res, sig, digest, nil
	}
	signRes, sig, digest, err := signRun("sign", sign.Protocol, func(run int, c round.Config, digest [32]byte) (round.Round, []round.Message, error) {
		return sign.Start(c, keys[c.Self], pres[run][c.Self].(*presign.Presignature), digest, rand.Reader)
	})
	if err != nil {
		return nil, err
	}
	signRes.PublicKey = hex.EncodeToString(pub.Bytes())
	signRes.Message = hex.EncodeToString(digest[:])
	signRes.Signature = hex.EncodeToString(sig.Bytes())
	recid := int(sig.RecoveryID)
	signRes.RecoveryID = &recid
	fullRes, _, _, err := signRun("sign_full", sign.FullProtocol, func(_ int, c round.Config, digest [32]byte) (round.Round, []round.Message, error) {
		return sign.StartFull(c, keys[c.Self], nil, digest, rand.Reader)
	})
	if err != nil {
		return nil, err
	}

	// Key refresh among all parties, from the same key each run, with
	// primes from the warm pool.
	refRes := base
	refRes.Op, refRes.Signers = "refresh", n
	samples = samples[:0]
	for run := 0; run < cfg.Runs; run++ {
		var out map[round.PartyID]any
		var net *sim.Network
		smp, err := measure(func() error {
			var err error
			out, net, err = runSession(parties, refresh.Protocol, func(c round.Config) (round.Round, []round.Message, error) {
				return refresh.Start(ctx, c, keys[c.Self], refresh.Options{Bits: bits, Pool: pool}, rand.Reader)
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for id, v := range out {
			k := v.(*share.Key)
			same := k.PublicKey.Equal(pub)
			k.Destroy()
			if !same {
				return nil, fmt.Errorf("bench: refresh: party %d's refreshed key has another public key", id)
			}
		}
		samples = append(samples, smp)
		refRes.BytesPerParty = sentPerParty(net.BytesSent, n)
		progress(refRes.Op, run+1, cfg.Runs)
	}
	summarize(&refRes, samples)

	return append(append([]Result{kgRes, coldRes, auxRes}, preResults...), signRes, fullRes, refRes), nil
}

// runSession runs one session of every party in ps through an in-memory
// network under a fresh session id; start begins one party's session.
func runSession(ps round.Parties, proto string, start func(round.Config) (round.Round, []round.Message, error)) (map[round.PartyID]any, *sim.Network, error) {
	var sid round.SessionID
	if _, err := rand.Read(sid[:]); err != nil {
		return nil, nil, err
	}
	parties := make(map[round.PartyID]*sim.Party, len(ps))
	for _, id := range ps {
		cfg := round.Config{Session: sid, Protocol: proto, Self: id, Parties: ps}
		first, msgs, err := start(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("bench: %s party %d: %w", proto, id, err)
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			return nil, nil, fmt.Errorf("bench: %s party %d: %w", proto, id, err)
		}
		parties[id] = &sim.Party{Machine: m, Initial: initial}
	}
	net := &sim.Network{}
	out := make(map[round.PartyID]any, len(ps))
	for id, o := range net.Run(parties) {
		if o.Err != nil {
			return nil, nil, fmt.Errorf("bench: %s party %d: %w", proto, id, o.Err)
		}
		out[id] = o.Result
	}
	return out, net, nil
}

// destroyAux wipes auxiliary-information results.
func destroyAux(out map[round.PartyID]any) {
	for _, v := range out {
		v.(*auxinfo.Result).Destroy()
	}
}

// agreedSignature checks that every signer output the same signature,
// under the key pub, and verifies it independently of the engine's own
// check: decred's ECDSA verification, and recovery of pub from the digest
// with the signature's recovery id (what Ethereum's ecrecover does).
func agreedSignature(out map[round.PartyID]any, pub group.Element, digest [32]byte) (*sign.Signature, error) {
	var first *sign.Signature
	for id, v := range out {
		s := v.(*sign.Signature)
		if first == nil {
			first = s
		} else if !bytes.Equal(first.Bytes(), s.Bytes()) || first.RecoveryID != s.RecoveryID {
			return nil, fmt.Errorf("party %d output another signature", id)
		}
	}
	if first == nil {
		return nil, errors.New("no signature")
	}
	if !first.PublicKey.Equal(pub) {
		return nil, errors.New("the signature is not under the key's public key")
	}
	if first.RecoveryID > 3 {
		return nil, fmt.Errorf("recovery id %d out of range", first.RecoveryID)
	}
	var r, s secp256k1.ModNScalar
	if r.SetByteSlice(first.R[:]) || s.SetByteSlice(first.S[:]) || r.IsZero() || s.IsZero() {
		return nil, errors.New("r or s is out of range")
	}
	if s.IsOverHalfOrder() {
		return nil, errors.New("s is not low (BIP62 / EIP-2)")
	}
	pk, err := secp256k1.ParsePubKey(pub.Bytes())
	if err != nil {
		return nil, err
	}
	if !ecdsa.NewSignature(&r, &s).Verify(digest[:], pk) {
		return nil, errors.New("the signature does not verify")
	}
	compact := make([]byte, 0, 65)
	compact = append(compact, 27+4+first.RecoveryID)
	compact = append(compact, first.Bytes()...)
	rec, compressed, err := ecdsa.RecoverCompact(compact, digest[:])
	if err != nil {
		return nil, fmt.Errorf("recovery: %w", err)
	}
	if !compressed || !bytes.Equal(rec.SerializeCompressed(), pub.Bytes()) {
		return nil, errors.New("the recovery id does not recover the key")
	}
	return first, nil
}
