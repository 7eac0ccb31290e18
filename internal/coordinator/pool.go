package coordinator

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/custos-mpc/custos/internal/node"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

// noncePools holds the preprocessed FROST nonce commitments each node
// published for each key (RFC 9591 Section 5.1). A commitment leaves the
// pool when a signing attempt takes it and is never handed out again, even
// if the attempt fails; the node consumes the nonce behind it durably before
// it signs, so a restarted coordinator that lost its pools loses only
// unused nonces.
type noncePools struct {
	mu        sync.Mutex
	pools     map[poolKey][]node.PreprocessedCommitment
	refilling map[poolKey]bool
}

type poolKey struct{ key, node string }

func (p *noncePools) size(k poolKey) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pools[k])
}

// dropNode forgets a node's commitments when it (re)connects: it may have
// restarted, and the nonces it had consumed ahead of their use (see
// node.nonceAhead) were lost with its memory, spent on disk. Commitments it
// publishes afterwards are good.
func (p *noncePools) dropNode(node string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.pools {
		if k.node == node {
			delete(p.pools, k)
		}
	}
}

// take pops one commitment per signer, or none if any signer has none.
func (p *noncePools) take(keyID string, signers []wire.Party) []node.PreprocessedCommitment {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range signers {
		if len(p.pools[poolKey{keyID, s.Node}]) == 0 {
			return nil
		}
	}
	out := make([]node.PreprocessedCommitment, len(signers))
	for i, s := range signers {
		k := poolKey{keyID, s.Node}
		q := p.pools[k]
		out[i] = q[0]
		p.pools[k] = q[1:]
	}
	return out
}

// refill asks every online holder of k whose pool is below a quarter of the
// target for enough commitments to reach it, in the background.
func (c *Coordinator) refill(k *Key, pub *frost.PublicKey) {
	target := c.cfg.NoncePool
	if target <= 0 {
		return
	}
	online := c.Online()
	for _, p := range k.Parties {
		pk := poolKey{k.ID, p.Node}
		if !online[p.Node] {
			continue
		}
		c.pool.mu.Lock()
		have, busy := len(c.pool.pools[pk]), c.pool.refilling[pk]
		if busy || have >= target/4+1 {
			c.pool.mu.Unlock()
			continue
		}
		c.pool.refilling[pk] = true
		c.pool.mu.Unlock()
		go func(p wire.Party, want int) {
			defer func() {
				c.pool.mu.Lock()
				delete(c.pool.refilling, pk)
				c.pool.mu.Unlock()
			}()
			got, err := c.preprocess(context.Background(), k, pub, p, want)
			if err != nil {
				c.cfg.Log.Warn("nonce preprocessing failed", "key", k.ID, "node", p.Node, "err", err)
				return
			}
			c.pool.mu.Lock()
			c.pool.pools[pk] = append(c.pool.pools[pk], got...)
			n := len(c.pool.pools[pk])
			c.pool.mu.Unlock()
			c.cfg.Events.PoolSize(k.ID, p.Node, n)
		}(p, target-have)
	}
}

// preprocess asks one node for count commitments.
func (c *Coordinator) preprocess(ctx context.Context, k *Key, pub *frost.PublicKey, p wire.Party, count int) ([]node.PreprocessedCommitment, error) {
	sid, err := newSession()
	if err != nil {
		return nil, err
	}
	cer := c.open(sid, []wire.Party{p})
	defer c.close(cer)
	if !c.control(p.Node, &wire.Control{Kind: wire.ControlPreprocess, Session: sid[:], KeyID: k.ID, Count: count}) {
		return nil, fmt.Errorf("coordinator: node %s offline", p.Node)
	}
	timer := time.NewTimer(4 * c.cfg.RoundTimeout)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return nil, fmt.Errorf("coordinator: node %s did not preprocess in time", p.Node)
		case ev := <-cer.in:
			if ev.status != nil {
				return nil, fmt.Errorf("coordinator: node %s refused to preprocess: %s", p.Node, ev.status.Reason)
			}
			// The batch is kept as evidence material: check it is the
			// node's own, signed.
			if !c.authentic(cer, ev, false) || ev.env.Protocol != node.PreprocessProtocol(pub.Suite) || !c.verifyEvidence(ev.node, ev.env) {
				continue
			}
			return node.ParsePreprocessed(pub.Suite, p.ID, ev.env.Payload)
		}
	}
}

// PoolSize reports how many preprocessed commitments a node has ready for
// a key.
func (c *Coordinator) PoolSize(keyID, node string) int {
	return c.pool.size(poolKey{keyID, node})
}
