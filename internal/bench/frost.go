// Package bench runs the protocol engines in-process and reports wall
// time, CPU time and bytes per party for each operation, for the
// `custos bench` command and docs/benchmarks.md.
package bench

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"syscall"
	"time"

	"github.com/custos-mpc/custos/protocol/frost"
	"github.com/custos-mpc/custos/protocol/round"
	"github.com/custos-mpc/custos/protocol/sim"
)

// Result is one operation's figures, in the shape of one JSON line of
// `custos bench --json`.
type Result struct {
	Protocol      string  `json:"protocol"`
	Suite         string  `json:"suite,omitempty"`
	Scheme        string  `json:"scheme,omitempty"`
	Op            string  `json:"op"`
	Threshold     int     `json:"threshold"`
	Parties       int     `json:"parties"`
	Signers       int     `json:"signers"`
	Runs          int     `json:"runs"`
	P50Ms         float64 `json:"p50_ms"`
	P99Ms         float64 `json:"p99_ms"`
	CPUMs         float64 `json:"cpu_ms"`
	BytesPerParty int     `json:"bytes_per_party"`
	PaillierBits  int     `json:"paillier_bits,omitempty"`
	PublicKey     string  `json:"public_key,omitempty"`
	Message       string  `json:"message,omitempty"`
	Signature     string  `json:"signature,omitempty"`
	RecoveryID    *int    `json:"recovery_id,omitempty"`
}

// FrostConfig selects what `custos bench frost` runs.
type FrostConfig struct {
	Suite     *frost.Suite
	Threshold int
	Parties   int
	Runs      int
	// Progress, if set, is called after each run.
	Progress func(op string, done, total int)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type sample struct{ wall, cpu time.Duration }

func summarize(r *Result, s []sample) {
	walls := make([]time.Duration, len(s))
	cpus := make([]time.Duration, len(s))
	for i := range s {
		walls[i], cpus[i] = s[i].wall, s[i].cpu
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.Runs = len(s)
	r.P50Ms = ms(walls[len(walls)/2])
	r.P99Ms = ms(walls[min(len(walls)-1, (len(walls)*99+99)/100-1)])
	r.CPUMs = ms(cpus[len(cpus)/2])
}

// measure runs f once, timing wall and process CPU.
func measure(f func() error) (sample, error) {
	c0, w0 := cpuTime(), time.Now()
	err := f()
	return sample{wall: time.Since(w0), cpu: cpuTime() - c0}, err
}

// Frost runs the DKG and signing of one suite Runs times each.
func Frost(cfg FrostConfig) ([]Result, error) {
	s, t, n := cfg.Suite, cfg.Threshold, cfg.Parties
	if t < 1 || t > n || n > frost.MaxParties {
		return nil, fmt.Errorf("bench: threshold %d of %d parties is not valid", t, n)
	}
	if cfg.Runs < 1 {
		return nil, fmt.Errorf("bench: runs must be at least 1")
	}
	parties := make(round.Parties, n)
	for i := range parties {
		parties[i] = round.PartyID(i + 1)
	}
	base := Result{Protocol: "frost", Suite: s.Name, Threshold: t, Parties: n}

	// Distributed key generation: every party's machine through the
	// in-memory network.
	dkg := base
	dkg.Op, dkg.Signers = "dkg", n
	var samples []sample
	var shares map[round.PartyID]*frost.KeyShare
	for run := 0; run < cfg.Runs; run++ {
		var net *sim.Network
		smp, err := measure(func() error {
			var err error
			shares, net, err = runDKG(s, t, parties)
			return err
		})
		if err != nil {
			return nil, err
		}
		samples = append(samples, smp)
		dkg.BytesPerParty = sentPerParty(net.BytesSent, n)
		if cfg.Progress != nil {
			cfg.Progress("dkg", run+1, cfg.Runs)
		}
	}
	summarize(&dkg, samples)

	// Signing by the first t holders: commitments, shares, aggregation
	// with share verification, final verification.
	sign := base
	sign.Op, sign.Signers = "sign", t
	signers := parties[:t]
	samples = samples[:0]
	msg := make([]byte, 32)
	var sig []byte
	var pkg *frost.SigningPackage
	for run := 0; run < cfg.Runs; run++ {
		if _, err := rand.Read(msg); err != nil {
			return nil, err
		}
		var bytesSent int
		smp, err := measure(func() error {
			var err error
			sig, pkg, bytesSent, err = signOnce(s, shares, signers, msg)
			return err
		})
		if err != nil {
			return nil, err
		}
		samples = append(samples, smp)
		sign.BytesPerParty = bytesSent / t
		if cfg.Progress != nil {
			cfg.Progress("sign", run+1, cfg.Runs)
		}
	}
	summarize(&sign, samples)
	pub := shares[signers[0]].Public
	key := pub.Key.Bytes()
	if s == frost.BIP340 {
		var err error
		if key, err = frost.TaprootOutputKey(pub.Key, pkg.MerkleRoot); err != nil {
			return nil, err
		}
	}
	sign.PublicKey = hex.EncodeToString(key)
	sign.Message = hex.EncodeToString(msg)
	sign.Signature = hex.EncodeToString(sig)
	return []Result{dkg, sign}, nil
}

func sentPerParty(m map[round.PartyID]int, n int) int {
	total := 0
	for _, v := range m {
		total += v
	}
	return total / n
}

func runDKG(s *frost.Suite, t int, parties round.Parties) (map[round.PartyID]*frost.KeyShare, *sim.Network, error) {
	var sid round.SessionID
	if _, err := rand.Read(sid[:]); err != nil {
		return nil, nil, err
	}
	ps := make(map[round.PartyID]*sim.Party, len(parties))
	for _, id := range parties {
		cfg := round.Config{Session: sid, Protocol: frost.DKGProtocol(s), Self: id, Parties: parties}
		first, msgs, err := frost.NewDKG(s, cfg, t, rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		m, initial, err := round.NewMachine(cfg, first, msgs)
		if err != nil {
			return nil, nil, err
		}
		ps[id] = &sim.Party{Machine: m, Initial: initial}
	}
	net := &sim.Network{}
	res := net.Run(ps)
	out := make(map[round.PartyID]*frost.KeyShare, len(parties))
	for id, o := range res {
		if o.Err != nil {
			return nil, nil, fmt.Errorf("bench: dkg party %d: %w", id, o.Err)
		}
		out[id] = o.Result.(*frost.KeyShare)
	}
	return out, net, nil
}

// signOnce plays the signers and the coordinator, passing every message
// through its wire encoding as the platform does.
func signOnce(s *frost.Suite, shares map[round.PartyID]*frost.KeyShare, signers []round.PartyID, msg []byte) ([]byte, *frost.SigningPackage, int, error) {
	sent := 0
	nonces := make(map[round.PartyID]*frost.Nonces, len(signers))
	pkg := &frost.SigningPackage{Message: msg}
	for _, id := range signers {
		n, err := frost.Commit(rand.Reader, shares[id])
		if err != nil {
			return nil, nil, 0, err
		}
		nonces[id] = n
		wire := frost.MarshalCommitment(s, n.Commitment())
		sent += len(wire)
		c, err := frost.ParseCommitment(s, wire)
		if err != nil {
			return nil, nil, 0, err
		}
		pkg.Commitments = append(pkg.Commitments, c)
	}
	wirePkg := frost.MarshalSigningPackage(s, pkg)
	var zs []frost.SignatureShare
	for _, id := range signers {
		p, err := frost.ParseSigningPackageFor(s, wirePkg, nonces[id].Commitment())
		if err != nil {
			return nil, nil, 0, err
		}
		z, err := frost.Sign(shares[id], nonces[id], msg, p)
		if err != nil {
			return nil, nil, 0, err
		}
		wire := frost.MarshalSignatureShare(s, *z)
		sent += len(wire)
		zz, err := frost.ParseSignatureShare(s, wire)
		if err != nil {
			return nil, nil, 0, err
		}
		zs = append(zs, zz)
	}
	sig, err := frost.Aggregate(shares[signers[0]].Public, pkg, zs)
	return sig, pkg, sent, err
}
