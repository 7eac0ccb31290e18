package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/localcluster"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
)

// ClusterConfig selects what `custos bench cluster` runs.
type ClusterConfig struct {
	Scheme      string
	Threshold   int
	Parties     int
	Concurrency int
	Duration    time.Duration
	// Bin and Dir start a local cluster of processes; alternatively Admin
	// and AuthKey drive a running one.
	Bin, Dir string
	Admin    *wire.AdminClient
	AuthKey  ed25519.PrivateKey
	Progress func(elapsed time.Duration, signatures int64)
	// ECDSA keys: the Paillier modulus size and how many presignatures to
	// have pooled (in idle time) before the measured run starts.
	PaillierBits int
	PresignPool  int
	// Status, if set, is told what the benchmark waits for.
	Status func(string)
}

// ProcessMemory is one process's resident memory at the start and end of
// the measured run and its peak.
type ProcessMemory struct {
	Name    string  `json:"name"`
	StartMB float64 `json:"rss_start_mb"`
	EndMB   float64 `json:"rss_end_mb"`
	PeakMB  float64 `json:"rss_peak_mb"`
	// SamplesMB is the resident memory every tenth of the run, from its
	// start to its end: flat or not, at a glance.
	SamplesMB []float64 `json:"rss_samples_mb,omitempty"`
}

// ClusterResult is the JSON object of `custos bench cluster --json`.
type ClusterResult struct {
	Scheme      string  `json:"scheme"`
	Threshold   int     `json:"threshold"`
	Parties     int     `json:"parties"`
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s"`
	Signatures  int64   `json:"signatures"`
	Errors      int64   `json:"errors"`
	SigPerS     float64 `json:"sig_per_s"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	P90Ms       float64 `json:"p90_ms"`
	P999Ms      float64 `json:"p999_ms"`
	MaxMs       float64 `json:"max_ms"`
	MaxRSSMB    float64 `json:"max_rss_mb"`
	// ECDSA: signatures made online from a pooled presignature (the rest
	// were full signings, when the pool ran dry).
	Presigned int64           `json:"presigned,omitempty"`
	Processes []ProcessMemory `json:"processes,omitempty"`
}

// Cluster drives signing through a coordinator and nodes for the duration.
func Cluster(ctx context.Context, cfg ClusterConfig) (*ClusterResult, error) {
	if cfg.Concurrency < 1 || cfg.Duration <= 0 || cfg.Threshold < 1 || cfg.Threshold > cfg.Parties {
		return nil, errors.New("bench: cluster needs concurrency ≥ 1, a positive duration and 1 ≤ threshold ≤ parties")
	}
	var lc *localcluster.Cluster
	admin := cfg.Admin
	authKey := cfg.AuthKey
	if admin == nil {
		var err error
		lc, err = localcluster.Start(cfg.Bin, cfg.Dir, localcluster.Options{Nodes: cfg.Parties, PresignPool: cfg.PresignPool})
		if err != nil {
			return nil, err
		}
		defer lc.Stop()
		a, closeFn, err := lc.Admin()
		if err != nil {
			return nil, err
		}
		defer closeFn()
		admin, authKey = &a, lc.AuthKey
		if err := lc.WaitOnline(ctx, a); err != nil {
			return nil, err
		}
	}
	if cfg.Status != nil && scheme.IsECDSA(cfg.Scheme) {
		cfg.Status("creating the ECDSA key (key generation and aux info)")
	}
	info, err := admin.CreateKey(ctx, &wire.CreateKeyRequest{Scheme: cfg.Scheme, Threshold: cfg.Threshold, PaillierBits: cfg.PaillierBits})
	if err != nil {
		return nil, fmt.Errorf("bench: create key: %w", err)
	}
	if len(info.Parties) != cfg.Parties {
		return nil, fmt.Errorf("bench: key has %d holders, want %d (are all nodes online?)", len(info.Parties), cfg.Parties)
	}
	var presigned atomic.Int64
	signOne := func(ctx context.Context, seq uint64) error {
		msg := make([]byte, 32)
		binary.BigEndian.PutUint64(msg, seq)
		b := &bundle.Bundle{RequestID: fmt.Sprintf("bench-%d", seq), KeyID: info.KeyID, NotAfter: time.Now().Add(time.Minute), Messages: [][]byte{msg}}
		if err := b.Sign(authKey); err != nil {
			return err
		}
		raw, err := b.Marshal()
		if err != nil {
			return err
		}
		resp, err := admin.Sign(ctx, &wire.SignRequest{KeyID: info.KeyID, Message: msg, Bundle: raw})
		if err == nil && resp.Presigned {
			presigned.Add(1)
		}
		return err
	}
	// Warm up connections and caches.
	for i := 0; i < cfg.Concurrency; i++ {
		if err := signOne(ctx, uint64(1<<62+i)); err != nil {
			return nil, fmt.Errorf("bench: warm-up signature: %w", err)
		}
	}
	if scheme.IsECDSA(cfg.Scheme) && cfg.PresignPool > 0 {
		// Let the coordinator fill the pool in idle time first.
		for {
			ks, err := admin.ListKeys(ctx)
			if err != nil {
				return nil, err
			}
			have := 0
			for _, k := range ks.Keys {
				if k.KeyID == info.KeyID {
					have = k.Presignatures
				}
			}
			if cfg.Status != nil {
				cfg.Status(fmt.Sprintf("presignatures pooled: %d/%d", have, cfg.PresignPool))
			}
			if have >= cfg.PresignPool {
				break
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Second):
			}
		}
		presigned.Store(0)
	}
	mem := map[string]*ProcessMemory{}
	if lc != nil {
		for _, m := range lc.Memory() {
			mem[m.Name] = &ProcessMemory{Name: m.Name, StartMB: m.RSSMiB, SamplesMB: []float64{math.Round(m.RSSMiB*10) / 10}}
		}
	}
	var (
		seq       atomic.Uint64
		count     atomic.Int64
		errs      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := time.Now()
	var samplers sync.WaitGroup
	if lc != nil {
		samplers.Add(1)
		go func() {
			defer samplers.Done()
			every(runCtx, cfg.Duration/10, func() {
				for _, m := range lc.Memory() {
					mu.Lock()
					if pm := mem[m.Name]; pm != nil {
						pm.SamplesMB = append(pm.SamplesMB, math.Round(m.RSSMiB*10)/10)
					}
					mu.Unlock()
				}
			})
		}()
	}
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for runCtx.Err() == nil {
				t0 := time.Now()
				err := signOne(ctx, seq.Add(1))
				if runCtx.Err() != nil && err != nil {
					break
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
				count.Add(1)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	if cfg.Progress != nil {
		go every(runCtx, time.Second, func() { cfg.Progress(time.Since(start), count.Load()) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	samplers.Wait()
	if len(latencies) == 0 {
		return nil, errors.New("bench: no signature completed")
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res := &ClusterResult{Scheme: cfg.Scheme, Threshold: cfg.Threshold, Parties: cfg.Parties, Concurrency: cfg.Concurrency,
		DurationS: elapsed.Seconds(), Signatures: count.Load(), Errors: errs.Load(),
		SigPerS: float64(count.Load()) / elapsed.Seconds(),
		P50Ms:   ms(latencies[len(latencies)/2]), P99Ms: ms(latencies[(len(latencies)*99)/100]),
		P90Ms: ms(latencies[(len(latencies)*90)/100]), P999Ms: ms(latencies[(len(latencies)*999)/1000]),
		MaxMs:     ms(latencies[len(latencies)-1]),
		Presigned: presigned.Load()}
	if lc != nil {
		for _, m := range lc.Memory() {
			pm := mem[m.Name]
			if pm == nil {
				pm = &ProcessMemory{Name: m.Name}
			}
			pm.EndMB, pm.PeakMB = m.RSSMiB, m.PeakRSSMiB
			pm.SamplesMB = append(pm.SamplesMB, math.Round(m.RSSMiB*10)/10)
			res.MaxRSSMB = max(res.MaxRSSMB, m.PeakRSSMiB)
			res.Processes = append(res.Processes, *pm)
		}
		sort.Slice(res.Processes, func(i, j int) bool { return res.Processes[i].Name < res.Processes[j].Name })
	}
	return res, nil
}

// every calls fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			fn()
		}
	}
}
