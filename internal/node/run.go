package node

import (
	"context"
	"fmt"
	"hash/maphash"
	"runtime"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/wire"
)

// Dial opens a gRPC connection to the coordinator (mutual TLS is the
// caller's choice of credentials).
type Dial func(ctx context.Context) (*grpc.ClientConn, error)

// Run keeps the node connected to the coordinator until ctx ends,
// reconnecting with backoff. Frames of one session are handled in order by
// one worker; different sessions run in parallel.
func (n *Node) Run(ctx context.Context, dial Dial) error {
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := n.serve(ctx, dial)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		n.cfg.Log.Warn("coordinator connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (n *Node) serve(ctx context.Context, dial Dial) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc, err := dial(ctx)
	if err != nil {
		return err
	}
	defer cc.Close()
	stream, err := wire.ConnectStream(ctx, cc)
	if err != nil {
		return err
	}
	var sendMu sync.Mutex
	send := func(frame []byte) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.SendMsg(&frame)
	}
	hello, err := wire.EncodeJSON(wire.FrameHello, &wire.Hello{NodeID: n.cfg.ID, Identity: n.cfg.Identity.Public().Marshal()})
	if err != nil {
		return err
	}
	if err := send(hello); err != nil {
		return err
	}
	n.cfg.Log.Info("connected to coordinator")

	// Many workers: a signing request spends most of its time waiting for
	// the group commit, and requests waiting behind it in the same queue
	// could join neither that commit nor the next.
	workers := max(frameWorkers, 2*runtime.GOMAXPROCS(0))
	queues := make([]chan []byte, workers)
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for i := range queues {
		queues[i] = make(chan []byte, 256)
		wg.Add(1)
		go func(q chan []byte) {
			defer wg.Done()
			for raw := range q {
				if err := n.HandleFrame(ctx, raw, send); err != nil {
					select {
					case errc <- err:
					default:
					}
					cancel()
				}
			}
		}(queues[i])
	}
	defer func() {
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}()
	seed := maphash.MakeSeed()
	for {
		var raw []byte
		if err := stream.RecvMsg(&raw); err != nil {
			select {
			case e := <-errc:
				return e
			default:
			}
			return fmt.Errorf("node: stream: %w", err)
		}
		key, ok := sessionKey(raw)
		if !ok {
			n.cfg.Log.Warn("dropped frame without a session")
			continue
		}
		q := queues[maphash.Bytes(seed, key)%uint64(workers)]
		select {
		case q <- raw:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// frameWorkers is the least number of frame workers of a connection.
const frameWorkers = 32

// sessionKey finds the session a frame belongs to, for routing only.
func sessionKey(raw []byte) ([]byte, bool) {
	f, err := wire.ParseFrame(raw)
	if err != nil {
		return nil, false
	}
	switch f.Type {
	case wire.FrameEnvelope:
		if len(f.Body) < 1+envelope.SessionSize {
			return nil, false
		}
		return f.Body[1 : 1+envelope.SessionSize], true
	case wire.FrameControl:
		return wire.ControlSession(f.Body)
	}
	return nil, false
}
