package auxinfo_test

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/protocol/cggmp/auxinfo"
	"github.com/custos-mpc/custos/protocol/round"
)

// ExampleStart shows how a node starts its party of an auxiliary-info
// session: primes from its pool, messages out through its transport, and
// Step for every message in until the machine is done.
func ExampleStart() {
	var sid round.SessionID // agreed by the coordinator, unique per session
	cfg := round.Config{Session: sid, Protocol: auxinfo.Protocol, Self: 1, Parties: round.Parties{1, 2, 3}}
	pool := paillier.NewPool(paillier.DefaultBits/2, nil, 0) // filled in idle time
	first, msgs, err := auxinfo.Start(context.Background(), cfg, auxinfo.Options{Pool: pool}, rand.Reader)
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
		aux := res.(*auxinfo.Result)
		defer aux.Destroy() // after persisting it
	}
}
