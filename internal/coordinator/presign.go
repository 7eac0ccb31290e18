package coordinator

import (
	"context"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/internal/wire"
)

// presignPools holds, per ECDSA key, signer set and derivation path, the
// ids of presignatures that every member of the set reported stored
// (CGGMP21 presigning; the id is the presigning session id, shared by all
// holders). An id leaves its pool when a signing attempt takes it and is
// never handed out again, even if that attempt fails: an aborted online
// signing retries with another presignature or with full signing. Nodes
// consume a presignature durably before they release anything computed
// from it and refuse an id they consumed, so the pool is a liveness aid,
// not a safety mechanism; a restarted coordinator starts with empty pools
// (the presignatures the nodes still hold are never used).
type presignPools struct {
	mu       sync.Mutex
	pools    map[presignPoolKey]*presignPool
	inflight int // presigning sessions running
	signing  int // ECDSA signing requests in flight
	lastSign time.Time
	kick     chan struct{}
	once     sync.Once
}

type presignPoolKey struct{ key, signers, path string }

type presignPool struct {
	key     *Key
	signers []wire.Party
	path    []uint32
	ids     [][32]byte
	busy    bool // a presigning session for this pool is running
}

// maxPoolsPerKey bounds how many signer sets of one key get pools (the
// first chosen, plus those full signing had to fall back to).
const maxPoolsPerKey = 4

// maxParallelPresign bounds concurrent presigning sessions.
const maxParallelPresign = 2

func newPresignPools() *presignPools {
	return &presignPools{pools: map[presignPoolKey]*presignPool{}, kick: make(chan struct{}, 1)}
}

func signersKey(signers []wire.Party) string {
	ids := make([]string, len(signers))
	for i, p := range signers {
		ids[i] = strconv.Itoa(int(p.ID))
	}
	return strings.Join(ids, ",")
}

// defaultSigners is the first threshold holders of a key.
func defaultSigners(k *Key) []wire.Party {
	out := slices.Clone(k.Parties[:k.Threshold])
	slices.SortFunc(out, func(a, b wire.Party) int { return int(a.ID) - int(b.ID) })
	return out
}

// presignPoolFor makes sure a pool exists for (k, signers, path), unless
// presigning is off or the key has its maximum of pools.
func (c *Coordinator) presignPoolFor(k *Key, signers []wire.Party, path []uint32) {
	if c.cfg.PresignPool <= 0 {
		return
	}
	pk := presignPoolKey{k.ID, signersKey(signers), scheme.PathKey(path)}
	p := c.presigns
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pools[pk] != nil {
		return
	}
	n := 0
	for key := range p.pools {
		if key.key == k.ID {
			n++
		}
	}
	if n >= maxPoolsPerKey {
		return
	}
	p.pools[pk] = &presignPool{key: k, signers: slices.Clone(signers), path: slices.Clone(path)}
}

// kickPresign wakes the pool maintainer (started on first use).
func (c *Coordinator) kickPresign() {
	if c.cfg.PresignPool <= 0 {
		return
	}
	c.presigns.once.Do(func() { go c.maintainPresigns() })
	select {
	case c.presigns.kick <- struct{}{}:
	default:
	}
}

// idleFor is how long no signing must have run for presigning between the
// watermarks.
const idleFor = 200 * time.Millisecond

// maintainPresigns keeps every pool between its watermarks: below the low
// watermark it presigns at once, between the two only in idle time (no
// ECDSA signing in flight for idleFor). It runs for the coordinator's
// lifetime.
func (c *Coordinator) maintainPresigns() {
	p := c.presigns
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.kick:
		case <-tick.C:
		}
		online := c.Online()
		c.gate.mu.Lock()
		paused := maps.Clone(c.gate.paused)
		lagging := map[string]bool{} // key id + "\x00" + node
		for id, r := range c.gate.open {
			if r.State == RefreshCommitted {
				for _, n := range r.Pending {
					lagging[id+"\x00"+n] = true
				}
			}
		}
		c.gate.mu.Unlock()
		p.mu.Lock()
		idle := p.signing == 0 && time.Since(p.lastSign) > idleFor
		var todo []*presignPool
		for _, pool := range p.pools {
			if pool.busy || p.inflight+len(todo) >= maxParallelPresign {
				continue
			}
			have := len(pool.ids)
			if have >= c.cfg.PresignPool || (have >= c.cfg.PresignLow && !idle) {
				continue
			}
			up := !paused[pool.key.ID]
			for _, s := range pool.signers {
				up = up && online[s.Node] && !lagging[pool.key.ID+"\x00"+s.Node]
			}
			if up {
				todo = append(todo, pool)
			}
		}
		// Emptiest pools first.
		slices.SortFunc(todo, func(a, b *presignPool) int { return len(a.ids) - len(b.ids) })
		for _, pool := range todo {
			pool.busy = true
			p.inflight++
		}
		p.mu.Unlock()
		for _, pool := range todo {
			go func(pool *presignPool) {
				// The session and the pool update happen inside the key's
				// gate, so a refresh never sees a presignature of the old
				// epoch enter the pool after it drained it.
				var (
					id  [32]byte
					err error
				)
				release, err := c.enterECDSA(pool.key.ID)
				if err == nil {
					id, err = c.presignOnce(context.Background(), pool)
				}
				p.mu.Lock()
				pool.busy = false
				p.inflight--
				if err == nil {
					pool.ids = append(pool.ids, id)
				}
				n := len(pool.ids)
				p.mu.Unlock()
				if release != nil {
					release()
				}
				if err != nil {
					c.cfg.Log.Warn("presigning failed", "key", pool.key.ID, "signers", signersKey(pool.signers), "err", err)
					time.Sleep(time.Second) // do not spin on a failing set
				} else {
					c.cfg.Events.PoolSize(pool.key.ID, pool.label(), n)
				}
				c.kickPresign()
			}(pool)
		}
	}
}

// presignOnce runs one presigning session for a pool's signer set and
// path; the presignature's id is the session id.
func (c *Coordinator) presignOnce(ctx context.Context, pool *presignPool) ([32]byte, error) {
	sid, err := newSession()
	if err != nil {
		return sid, err
	}
	k, err := c.key(ctx, pool.key.ID) // the current epoch
	if err != nil {
		return sid, err
	}
	_, err = c.runSession(ctx, sid, k.ID, "presign", wire.StatusPresignDone, 6*c.cfg.RoundTimeout, pool.signers, func(sid [32]byte) *wire.Control {
		return &wire.Control{Kind: wire.ControlPresign, Session: sid[:], KeyID: k.ID, Parties: pool.signers, Path: pool.path, Epoch: k.Epoch}
	})
	if err != nil {
		// Holders that stored their part consume it: no id the pool does
		// not hold stays spendable.
		for _, s := range pool.signers {
			c.control(s.Node, &wire.Control{Kind: wire.ControlCancel, Session: sid[:], KeyID: k.ID, PresignID: hex.EncodeToString(sid[:])})
		}
		return sid, err
	}
	return sid, nil
}

// takePresignature pops a presignature of k for path whose signer set is
// online and has nobody excluded, from the fullest such pool.
func (c *Coordinator) takePresignature(k *Key, path []uint32, excluded map[string]bool) ([]wire.Party, [32]byte, bool) {
	online := c.Online()
	pathKey := scheme.PathKey(path)
	p := c.presigns
	p.mu.Lock()
	defer p.mu.Unlock()
	var best *presignPool
	for key, pool := range p.pools {
		if key.key != k.ID || key.path != pathKey || len(pool.ids) == 0 {
			continue
		}
		ok := true
		for _, s := range pool.signers {
			ok = ok && online[s.Node] && !excluded[s.Node]
		}
		if ok && (best == nil || len(pool.ids) > len(best.ids)) {
			best = pool
		}
	}
	if best == nil {
		return nil, [32]byte{}, false
	}
	id := best.ids[0]
	best.ids = best.ids[1:]
	c.cfg.Events.PoolSize(k.ID, best.label(), len(best.ids))
	return slices.Clone(best.signers), id, true
}

// label names a pool in the pool-size metric.
func (pool *presignPool) label() string {
	return "presign/" + signersKey(pool.signers) + "/" + scheme.FormatPath(pool.path)
}

// drainPresignatures empties a key's pools: after a refresh commits, the
// presignatures made under the old epoch can never sign (the nodes
// consume theirs when they commit).
func (c *Coordinator) drainPresignatures(keyID string) {
	p := c.presigns
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, pool := range p.pools {
		if key.key == keyID {
			pool.ids = nil
			c.cfg.Events.PoolSize(keyID, pool.label(), 0)
		}
	}
}

// PresignaturesReady counts the presignatures the coordinator holds for a
// key, over every pool.
func (c *Coordinator) PresignaturesReady(keyID string) int {
	p := c.presigns
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for key, pool := range p.pools {
		if key.key == keyID {
			n += len(pool.ids)
		}
	}
	return n
}

// PresignPoolIDs lists the ids the coordinator holds for a key (for tests
// that compare them with the nodes' keystores).
func (c *Coordinator) PresignPoolIDs(keyID string) []string {
	p := c.presigns
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for key, pool := range p.pools {
		if key.key == keyID {
			for _, id := range pool.ids {
				out = append(out, hex.EncodeToString(id[:]))
			}
		}
	}
	slices.Sort(out)
	return out
}

func (p *presignPools) signStarted() {
	p.mu.Lock()
	p.signing++
	p.mu.Unlock()
}

func (p *presignPools) signEnded() {
	p.mu.Lock()
	p.signing--
	p.lastSign = time.Now()
	p.mu.Unlock()
}
