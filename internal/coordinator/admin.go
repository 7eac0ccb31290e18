package coordinator

import (
	"context"

	"github.com/custos-mpc/custos/internal/wire"
)

var _ wire.AdminServer = (*Coordinator)(nil)
var _ wire.NodesServer = (*Coordinator)(nil)

// ListKeys lists every key.
func (c *Coordinator) ListKeys(ctx context.Context, _ *wire.ListKeysRequest) (*wire.ListKeysResponse, error) {
	ks, err := c.cfg.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListKeysResponse{Keys: []wire.KeyInfo{}}
	for _, k := range ks {
		info, err := keyInfo(k)
		if err != nil {
			return nil, err
		}
		info.Presignatures = c.PresignaturesReady(k.ID)
		if r := c.record(k.ID); r != nil && r.State != RefreshStarted {
			info.PendingNodes = r.Pending
		}
		out.Keys = append(out.Keys, *info)
	}
	return out, nil
}

// ListNodes lists the roster with liveness.
func (c *Coordinator) ListNodes(context.Context, *wire.ListNodesRequest) (*wire.ListNodesResponse, error) {
	online := c.Online()
	out := &wire.ListNodesResponse{}
	for _, id := range c.cfg.Roster.IDs() {
		p := c.cfg.Roster[id]
		out.Nodes = append(out.Nodes, wire.NodeInfo{ID: id, Operator: p.Operator, TrustDomain: p.TrustDomain, Online: online[id]})
	}
	return out, nil
}
