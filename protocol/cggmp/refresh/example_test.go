package refresh_test

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/protocol/cggmp/refresh"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/round"
)

// ExampleStart shows how a node refreshes its share of a key: every
// holder of the key takes part; the node keeps its old key until it has
// persisted the refreshed one.
func ExampleStart() {
	var old *share.Key      // from the keystore
	var sid round.SessionID // agreed by the coordinator, unique per session
	if old == nil {
		return
	}
	cfg := round.Config{Session: sid, Protocol: refresh.Protocol, Self: old.ID, Parties: old.Parties}
	pool := paillier.NewPool(paillier.DefaultBits/2, nil, 0) // filled in idle time
	first, msgs, err := refresh.Start(context.Background(), cfg, old, refresh.Options{Pool: pool}, rand.Reader)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, out, err := round.NewMachine(cfg, first, msgs)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = out // send; then m.Step(msg) for each message received
	if done, res, err := m.Done(); done && err == nil {
		fresh := res.(*share.Key)
		_ = fresh     // persist (sealed) first...
		old.Destroy() // ...then retire the old share
	}
}
