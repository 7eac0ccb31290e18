package node

import (
	"context"
	"sync"
	"testing"
	"time"
)

// recordingCommit is a groupCommit whose apply records each batch.
func recordingCommit(linger time.Duration) (*groupCommit[int, int], func() [][]int) {
	var mu sync.Mutex
	var batches [][]int
	g := &groupCommit[int, int]{linger: linger, apply: func(xs []int) []int {
		mu.Lock()
		batches = append(batches, append([]int(nil), xs...))
		mu.Unlock()
		return xs
	}}
	return g, func() [][]int {
		mu.Lock()
		defer mu.Unlock()
		return batches
	}
}

func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	t.Run("a commit waits for every announced request and covers them all", func(t *testing.T) {
		// The linger bound is far away: only the announcements decide.
		g, batches := recordingCommit(time.Hour)
		const n = 5
		for range n {
			g.expect()
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got, err := g.do(ctx, i, true); err != nil || got != i {
					t.Errorf("do(%d) = %d, %v", i, got, err)
				}
			}()
		}
		wg.Wait()
		if b := batches(); len(b) != 1 || len(b[0]) != n {
			t.Fatalf("batches %v, want one batch of %d", b, n)
		}
	})
	t.Run("a withdrawn announcement does not hold the commit back", func(t *testing.T) {
		g, batches := recordingCommit(time.Hour)
		g.expect()
		g.expect()
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := g.do(ctx, 1, true); err != nil {
				t.Error(err)
			}
		}()
		g.abandon() // the second request failed its checks
		<-done
		if b := batches(); len(b) != 1 || len(b[0]) != 1 {
			t.Fatalf("batches %v, want [[1]]", b)
		}
	})
	t.Run("without announcements a request commits at once", func(t *testing.T) {
		g, batches := recordingCommit(time.Hour)
		if got, err := g.do(ctx, 7, false); err != nil || got != 7 {
			t.Fatalf("do = %d, %v", got, err)
		}
		if b := batches(); len(b) != 1 {
			t.Fatalf("batches %v", b)
		}
	})
	t.Run("a request whose context ends before it is queued withdraws its announcement", func(t *testing.T) {
		g, _ := recordingCommit(time.Hour)
		// No committer and no room in the queue: the send cannot succeed.
		g.once.Do(func() {
			g.reqs = make(chan batchReq[int, int])
			g.wake = make(chan struct{}, 1)
		})
		g.expect()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := g.do(cctx, 1, true); err == nil {
			t.Fatal("do succeeded with a cancelled context and no room in the queue")
		}
		if c := g.coming.Load(); c != 0 {
			t.Fatalf("%d announced requests still counted", c)
		}
	})
}
