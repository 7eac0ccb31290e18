package node

import (
	"context"
	"errors"

	"github.com/custos-mpc/custos/internal/wire"
)

func (n *Node) signECDSA(ctx context.Context, sid [32]byte, c *wire.Control, send Send) error {
	return n.refuse(send, c.Session, c.KeyID, "bad-request", errors.New("ECDSA signing is not available yet"))
}
