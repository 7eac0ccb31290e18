package coordinator_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/crypto/paillier/testprimes"
	"github.com/custos-mpc/custos/internal/bundle"
	"github.com/custos-mpc/custos/internal/coordinator"
	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/node"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/sealer"
	"github.com/custos-mpc/custos/internal/wire"
	"github.com/custos-mpc/custos/protocol/frost"
)

// testCluster is a coordinator and n nodes on loopback gRPC. Node identity
// comes from request metadata here; the daemons use mTLS certificates.
type testCluster struct {
	store   coordinator.Store
	coord   *coordinator.Coordinator
	admin   wire.AdminClient
	nodes   map[string]*node.Node
	stores  map[string]keystore.Store
	cancel  map[string]context.CancelFunc
	addr    string
	authKey ed25519.PrivateKey
	roster  roster.Roster
	ids     map[string]*envelope.Identity
	mkNode  func(id string, misbehave func(*frost.SignatureShare, *[]byte))
}

// clusterOptions let a test play a malicious coordinator and watch what
// the nodes report.
type clusterOptions struct {
	tamper    func(to string, frame []byte) [][]byte
	tamperIn  func(from string, frame []byte) []byte
	events    *nodeEvents
	coord     coordinator.Events // the coordinator's events (metrics)
	noncePool int
	// presignPool is the high watermark of ECDSA presignature pools.
	presignPool int
	// roundTimeout overrides the 2 s round timeout (ECDSA ceremonies under
	// the race detector need far longer: ecdsaRoundTimeout).
	roundTimeout time.Duration
}

// ecdsaRoundTimeout is the round timeout of the ECDSA tests: CGGMP
// presigning costs seconds of CPU, ten times that under the race detector
// while other packages' tests share the two cores.
func ecdsaRoundTimeout() time.Duration {
	if raceEnabled {
		return 20 * time.Second
	}
	return 3 * time.Second
}

type nodeEvents struct {
	mu sync.Mutex
	m  map[string][]string
}

func (e *nodeEvents) hook(node string) func(kind, detail string) {
	return func(kind, detail string) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.m[node] = append(e.m[node], kind+":"+detail)
	}
}

func (e *nodeEvents) of(node string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.m[node])
}

func newTestCluster(t *testing.T, n int) *testCluster {
	return newTestClusterWith(t, n, clusterOptions{})
}

func newTestClusterWith(t *testing.T, n int, opts clusterOptions) *testCluster {
	t.Helper()
	ctx, cancelAll := context.WithCancel(context.Background())
	t.Cleanup(cancelAll)
	_, authKey, _ := ed25519.GenerateKey(rand.Reader)
	entries := []roster.Entry{}
	ids := map[string]*envelope.Identity{}
	for i := 1; i <= n; i++ {
		id, err := envelope.NewIdentity(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("node-%d", i)
		ids[name] = id
		entries = append(entries, roster.Entry{ID: name, Operator: fmt.Sprintf("op-%d", i%3), TrustDomain: fmt.Sprintf("dc-%d", i),
			Identity: fmt.Sprintf("%x", id.Public().Marshal())})
	}
	r, err := roster.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	store := coordinator.NewMemoryStore()
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("CUSTOS_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	roundTimeout := 2 * time.Second
	if opts.roundTimeout > 0 {
		roundTimeout = opts.roundTimeout
	}
	coord, err := coordinator.New(coordinator.Config{Log: log,
		Roster: r, Store: store, RoundTimeout: roundTimeout, MaxAttempts: 3, Tamper: opts.tamper, TamperIn: opts.tamperIn, NoncePool: opts.noncePool,
		PresignPool: opts.presignPool, PaillierBits: 2048, Events: opts.coord,
		PeerNode: func(ctx context.Context) (string, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			if v := md.Get("x-test-node"); len(v) == 1 {
				return v[0], nil
			}
			return "", errors.New("no node identity")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	wire.RegisterNodes(srv, coord)
	wire.RegisterAdmin(srv, coord)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	tc := &testCluster{coord: coord, store: store, admin: wire.AdminClient{CC: cc}, nodes: map[string]*node.Node{},
		stores: map[string]keystore.Store{}, cancel: map[string]context.CancelFunc{}, addr: lis.Addr().String(),
		authKey: authKey, roster: r, ids: ids}
	pass, _ := sealer.NewPassphrase([]byte("test passphrase"))
	s, err := sealer.NewPassphraseSealer(pass, sealer.TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	tc.mkNode = func(name string, misbehave func(*frost.SignatureShare, *[]byte)) {
		st := tc.stores[name]
		if st == nil {
			st, err = keystore.NewMemory(s)
			if err != nil {
				t.Fatal(err)
			}
			tc.stores[name] = st
			// Each node's prime pool gets its own two test safe primes, so
			// ECDSA aux info (2048-bit Paillier) does not search for primes.
			var i int
			fmt.Sscanf(name, "node-%d", &i)
			if i >= 1 && 2*i < len(testprimes.SafePrimes1024()) {
				pool := paillier.NewPool(1024, nil, 0)
				p, q := testprimes.Pair(i - 1)
				if err := pool.Put(p, q); err != nil {
					t.Fatal(err)
				}
				if _, err := node.AddPrimes(ctx, st, pool); err != nil {
					t.Fatal(err)
				}
			}
		}
		var events func(string, string)
		if opts.events != nil {
			events = opts.events.hook(name)
		}
		nd, err := node.New(node.Config{ID: name, Store: st, Identity: ids[name], Roster: r,
			AuthKeys: []ed25519.PublicKey{authKey.Public().(ed25519.PublicKey)}, Misbehave: misbehave, Events: events, Log: log.With("node", name)})
		if err != nil {
			t.Fatal(err)
		}
		nctx, cancel := context.WithCancel(ctx)
		tc.nodes[name], tc.cancel[name] = nd, cancel
		go nd.Run(nctx, func(ctx context.Context) (*grpc.ClientConn, error) {
			return grpc.NewClient(tc.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithUnaryInterceptor(nil), grpc.WithStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
					return streamer(metadata.AppendToOutgoingContext(ctx, "x-test-node", name), desc, cc, method, opts...)
				}))
		})
	}
	for name := range ids {
		tc.mkNode(name, nil)
	}
	tc.waitOnline(t, n)
	return tc
}

func (tc *testCluster) waitOnline(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(tc.coord.Online()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d nodes online", len(tc.coord.Online()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (tc *testCluster) bundle(t *testing.T, keyID string, msgs ...[]byte) []byte {
	t.Helper()
	b := &bundle.Bundle{RequestID: "req", KeyID: keyID, NotAfter: time.Now().Add(time.Minute), Messages: msgs}
	if err := b.Sign(tc.authKey); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestKeygenAndSignThroughTheCoordinator(t *testing.T) {
	tc := newTestCluster(t, 5)
	ctx := context.Background()
	for _, sch := range []string{"frost-ed25519", "frost-bip340", "frost-secp256k1"} {
		t.Run(sch, func(t *testing.T) {
			info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k-" + sch, Scheme: sch, Threshold: 3})
			if err != nil {
				t.Fatal(err)
			}
			msg := make([]byte, 32)
			rand.Read(msg)
			resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: info.KeyID, Message: msg, Bundle: tc.bundle(t, info.KeyID, msg)})
			if err != nil {
				t.Fatal(err)
			}
			if sch == "frost-ed25519" && !ed25519.Verify(resp.PublicKey, msg, resp.Signature) {
				t.Fatal("crypto/ed25519 rejects the signature")
			}
			if len(resp.Signers) != 3 {
				t.Fatalf("signers %v", resp.Signers)
			}
		})
	}
	keys, err := tc.admin.ListKeys(ctx)
	if err != nil || len(keys.Keys) != 3 {
		t.Fatalf("list keys: %v %v", keys, err)
	}
}

func TestNodesRefuseWithoutValidAuthorization(t *testing.T) {
	tc := newTestCluster(t, 3)
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 2, AllowConcentration: true})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("pay 1 BTC")
	_, rogue, _ := ed25519.GenerateKey(rand.Reader)
	b := &bundle.Bundle{RequestID: "r", KeyID: info.KeyID, NotAfter: time.Now().Add(time.Minute), Messages: [][]byte{msg}}
	b.Sign(rogue)
	raw, _ := b.Marshal()
	for name, req := range map[string]*wire.SignRequest{
		"signed by an unpinned key":          {KeyID: info.KeyID, Message: msg, Bundle: raw},
		"a message the bundle does not list": {KeyID: info.KeyID, Message: []byte("pay 100 BTC"), Bundle: tc.bundle(t, info.KeyID, msg)},
		"a bundle for another key":           {KeyID: info.KeyID, Message: msg, Bundle: tc.bundle(t, "other", msg)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.admin.Sign(ctx, req)
			if err == nil {
				t.Fatal("signed without a valid authorization")
			}
		})
	}
}

func TestPlacementRule(t *testing.T) {
	tc := newTestCluster(t, 3)
	ctx := context.Background()
	// node-3 and node-... operators are op-(i%3): node-1 op-1, node-2 op-2, node-3 op-0:
	// a 1-of-3 key puts a whole key in one operator's hands.
	_, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{Scheme: "frost-ed25519", Threshold: 1})
	if err == nil {
		t.Fatal("a key any single operator can use alone was created without override")
	}
	if _, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{Scheme: "frost-ed25519", Threshold: 1, AllowConcentration: true}); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidShareIsBlamedAndExcludedFromTheRetry(t *testing.T) {
	tc := newTestCluster(t, 5)
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	// node-2 turns malicious: every share it sends is off by one.
	tc.turn(t, "node-2", func(z *frost.SignatureShare, _ *[]byte) { z.Z.Add(z.Z, frost.Ed25519.Group.NewScalar().SetUint64(1)) })
	for i := 0; i < 6; i++ { // enough rotations that node-2 is picked
		msg := []byte(fmt.Sprintf("transfer %d", i))
		resp := tc.signEd25519(t, info.KeyID, msg)
		if slices.Contains(resp.Signers, "node-2") {
			t.Fatal("the malicious node is among the final signers")
		}
		if resp.Attempts > 1 && !slices.Equal(resp.Blamed, []string{"node-2"}) {
			t.Fatalf("attempt %d blamed %v", resp.Attempts, resp.Blamed)
		}
	}
	tc.wantBlames(t, info.KeyID, "node-2", "invalid signature share")
}

// wantBlames checks that key's blame records all name node for reason
// (a substring), each with node's signed envelope as evidence that anyone
// can check against node's identity.
func (tc *testCluster) wantBlames(t *testing.T, key, node, reason string) {
	t.Helper()
	blames, err := tc.store.Blames(context.Background(), key)
	if err != nil || len(blames) == 0 {
		t.Fatalf("no blame recorded: %v", err)
	}
	for _, b := range blames {
		if b.Node != node || !strings.Contains(b.Reason, reason) {
			t.Fatalf("blame %+v", b)
		}
		env, err := envelope.Parse(b.Evidence)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := envelope.Open(env, tc.roster[node].Identity, nil); err != nil {
			t.Fatalf("evidence is not %s's signed envelope: %v", node, err)
		}
	}
}

// signEd25519 signs msg with key through the admin API and checks the
// signature with crypto/ed25519.
func (tc *testCluster) signEd25519(t *testing.T, key string, msg []byte) *wire.SignResponse {
	t.Helper()
	resp, err := tc.admin.Sign(context.Background(), &wire.SignRequest{KeyID: key, Message: msg, Bundle: tc.bundle(t, key, msg)})
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(resp.PublicKey, msg, resp.Signature) {
		t.Fatalf("crypto/ed25519 rejects the signature of %q", msg)
	}
	return resp
}

// turn restarts node name with misbehave as its fault injection.
func (tc *testCluster) turn(t *testing.T, name string, misbehave func(*frost.SignatureShare, *[]byte)) {
	t.Helper()
	tc.cancel[name]()
	tc.waitOffline(t, name)
	tc.mkNode(name, misbehave)
	tc.waitOnline(t, len(tc.cancel))
}

// TestWrongGroupCommitmentIsBlamed: signers report the group commitment
// with their share so the coordinator need not compute it; a node that
// reports a wrong one gains nothing (the coordinator computes it and the
// signature is the package's) and is blamed with its signed envelope.
func TestWrongGroupCommitmentIsBlamed(t *testing.T) {
	tc := newTestCluster(t, 5)
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	tc.turn(t, "node-2", func(_ *frost.SignatureShare, R *[]byte) { *R = frost.Ed25519.Group.Generator().Bytes() })
	signed := false
	for i := 0; i < 6; i++ { // enough rotations that node-2 is picked
		msg := []byte(fmt.Sprintf("transfer %d", i))
		resp := tc.signEd25519(t, info.KeyID, msg)
		if resp.Attempts != 1 {
			t.Fatalf("signature %x after %d attempts", resp.Signature, resp.Attempts)
		}
		signed = signed || slices.Contains(resp.Signers, "node-2")
	}
	if !signed {
		t.Fatal("node-2 never signed")
	}
	tc.wantBlames(t, info.KeyID, "node-2", "group commitment")
}

func TestSilentNodeIsTimedOutAndAnotherQuorumSigns(t *testing.T) {
	tc := newTestCluster(t, 5)
	ctx := context.Background()
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-secp256k1", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	// node-4 stays connected but stops answering in round two (longer
	// than the round timeout).
	tc.turn(t, "node-4", func(*frost.SignatureShare, *[]byte) { time.Sleep(3 * time.Second) })
	msg := make([]byte, 32)
	for i := 0; i < 4; i++ {
		rand.Read(msg)
		resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: info.KeyID, Message: msg, Bundle: tc.bundle(t, info.KeyID, msg)})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(resp.Signers, "node-4") || len(resp.Blamed) != 0 {
			t.Fatalf("signers %v blamed %v: a silent node is excluded, not blamed", resp.Signers, resp.Blamed)
		}
	}
}

func (tc *testCluster) waitOffline(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tc.coord.Online()[name] {
		if time.Now().After(deadline) {
			t.Fatalf("%s still online", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
