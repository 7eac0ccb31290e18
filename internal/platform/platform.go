// Package platform turns configuration into running daemons: it opens the
// stores, sets up mutual TLS, starts the gRPC listeners, metrics and logs,
// and wires the coordinator and node runtimes to them. `custos node`,
// `custos coordinator` and `custos dev` are thin commands over it.
package platform

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/custos-mpc/custos/crypto/paillier"
	"github.com/custos-mpc/custos/internal/config"
	"github.com/custos-mpc/custos/internal/coordinator"
	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/node"
	"github.com/custos-mpc/custos/internal/obs"
	"github.com/custos-mpc/custos/internal/pki"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/sealer"
	"github.com/custos-mpc/custos/internal/wire"
)

// windowSize is the HTTP/2 flow-control window of every connection. A
// fixed window turns off gRPC's bandwidth-delay probing, whose pings and
// window updates cost a system call each on the many small messages of
// signing ceremonies.
const windowSize = 4 << 20

// Roster converts a configuration roster.
func Roster(r *config.Roster) (roster.Roster, error) {
	if r == nil {
		return nil, errors.New("platform: no roster")
	}
	entries := make([]roster.Entry, len(r.Nodes))
	for i, e := range r.Nodes {
		entries[i] = roster.Entry{ID: e.ID, Operator: e.Operator, TrustDomain: e.TrustDomain, Identity: e.Identity}
	}
	return roster.New(entries)
}

// Coordinator is a running coordinator.
type Coordinator struct {
	Coord       *coordinator.Coordinator
	NodesAddr   net.Addr
	AdminAddr   net.Addr
	MetricsAddr net.Addr
	done        chan struct{}
}

// Wait blocks until the coordinator stopped.
func (c *Coordinator) Wait() { <-c.done }

// StartCoordinator starts a coordinator; it stops when ctx ends.
func StartCoordinator(ctx context.Context, cfg *config.Coordinator, log *slog.Logger) (*Coordinator, error) {
	r, err := Roster(cfg.Roster)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("platform: data dir: %w", err)
	}
	store, err := coordinator.OpenStore(filepath.Join(cfg.DataDir, "coordinator.db"))
	if err != nil {
		return nil, err
	}
	m := obs.NewMetrics()
	coord, err := coordinator.New(coordinator.Config{
		Roster: r, Store: store, RoundTimeout: cfg.Ceremony.RoundTimeout.Std(), MaxAttempts: cfg.Ceremony.MaxAttempts,
		NoncePool: cfg.Ceremony.NoncePool, PresignPool: cfg.Ceremony.PresignPool, PresignLow: cfg.Ceremony.PresignPoolLow,
		PaillierBits: cfg.Ceremony.PaillierBits,
		Log:          log, PeerNode: nodeFromTLS, Events: coordEvents{m},
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	base, err := pki.ServerConfig(cfg.TLS.CAFile, cfg.TLS.CertFile, cfg.TLS.KeyFile)
	if err != nil {
		store.Close()
		return nil, err
	}
	nodeSrv := grpc.NewServer(grpc.Creds(credentials.NewTLS(pki.RestrictRoles(base, pki.RoleNode))),
		grpc.MaxRecvMsgSize(wire.MaxFrame), grpc.InitialWindowSize(windowSize), grpc.InitialConnWindowSize(windowSize))
	wire.RegisterNodes(nodeSrv, coord)
	adminSrv := grpc.NewServer(grpc.Creds(credentials.NewTLS(pki.RestrictRoles(base, pki.RoleAdmin))),
		grpc.UnaryInterceptor(adminOnly), grpc.InitialWindowSize(windowSize), grpc.InitialConnWindowSize(windowSize))
	wire.RegisterAdmin(adminSrv, coord)
	nl, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("platform: node listener: %w", err)
	}
	al, err := net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		nl.Close()
		store.Close()
		return nil, fmt.Errorf("platform: admin listener: %w", err)
	}
	out := &Coordinator{Coord: coord, NodesAddr: nl.Addr(), AdminAddr: al.Addr(), done: make(chan struct{})}
	if cfg.MetricsAddress != "" {
		if out.MetricsAddr, err = obs.Serve(ctx, cfg.MetricsAddress, m, func() error { return nil }); err != nil {
			nl.Close()
			al.Close()
			store.Close()
			return nil, err
		}
	}
	go nodeSrv.Serve(nl)  //nolint:errcheck // ends with Stop
	go adminSrv.Serve(al) //nolint:errcheck
	go func() {
		<-ctx.Done()
		adminSrv.Stop()
		nodeSrv.Stop()
		store.Close()
		close(out.done)
	}()
	log.Info("coordinator listening", "nodes", nl.Addr().String(), "admin", al.Addr().String(), "nodes_in_roster", len(r))
	return out, nil
}

// Sealer builds the keystore sealer a node's configuration asks for.
// prompt is used when no passphrase file or variable is configured.
func Sealer(cfg *config.Node, prompt func() (*sealer.Passphrase, error), params sealer.Argon2Params) (sealer.Sealer, error) {
	switch cfg.Keystore.Sealer {
	case config.SealerAge:
		return sealer.LoadAgeIdentityFile(cfg.Keystore.AgeIdentityFile)
	default:
		var pass *sealer.Passphrase
		var err error
		switch {
		case cfg.Keystore.PassphraseFile != "":
			pass, err = sealer.PassphraseFromFile(cfg.Keystore.PassphraseFile)
		case cfg.Keystore.PassphraseEnv != "":
			pass, err = sealer.PassphraseFromEnv(cfg.Keystore.PassphraseEnv)
		default:
			pass, err = prompt()
		}
		if err != nil {
			return nil, err
		}
		defer pass.Destroy()
		return sealer.NewPassphraseSealer(pass, params)
	}
}

// KeystorePath is where a node keeps its keystore.
func KeystorePath(cfg *config.Node) string { return filepath.Join(cfg.DataDir, "keystore.db") }

// InitIdentity opens (creating if needed) a node's keystore and makes sure
// it holds an identity; it returns the public identity for the roster.
func InitIdentity(ctx context.Context, path string, s sealer.Sealer) (envelope.PublicIdentity, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return envelope.PublicIdentity{}, err
	}
	st, err := keystore.Open(path, s)
	if err != nil {
		return envelope.PublicIdentity{}, err
	}
	defer st.Close()
	id, err := loadIdentity(ctx, st)
	if errors.Is(err, keystore.ErrNotFound) {
		if id, err = envelope.NewIdentity(rand.Reader); err != nil {
			return envelope.PublicIdentity{}, err
		}
		secret := id.Marshal()
		defer clear(secret)
		if err := st.PutIdentity(ctx, id.Public().Marshal(), secret); err != nil {
			return envelope.PublicIdentity{}, err
		}
	} else if err != nil {
		return envelope.PublicIdentity{}, err
	}
	defer id.Destroy()
	return id.Public(), nil
}

func loadIdentity(ctx context.Context, st keystore.Store) (*envelope.Identity, error) {
	_, sec, err := st.Identity(ctx)
	if err != nil {
		return nil, err
	}
	defer sec.Destroy()
	return envelope.ParseIdentity(sec.Bytes())
}

// RunNode runs a share node until ctx ends.
func RunNode(ctx context.Context, cfg *config.Node, s sealer.Sealer, log *slog.Logger) error {
	r, err := Roster(cfg.Roster)
	if err != nil {
		return err
	}
	st, err := keystore.Open(KeystorePath(cfg), s)
	if err != nil {
		return fmt.Errorf("platform: keystore: %w", err)
	}
	defer st.Close()
	id, err := loadIdentity(ctx, st)
	if err != nil {
		return fmt.Errorf("platform: node identity (run `custos node init` first): %w", err)
	}
	defer id.Destroy()
	var auth []ed25519.PublicKey
	for _, k := range cfg.Policy.AuthorizationKeys {
		auth = append(auth, k.PublicKey())
	}
	m := obs.NewMetrics()
	nd, err := node.New(node.Config{ID: cfg.Node.ID, Store: st, Identity: id, Roster: r, AuthKeys: auth, Log: log, Events: nodeEvents(m)})
	if err != nil {
		return err
	}
	tlsCfg, err := pki.ClientConfig(cfg.Coordinator.CAFile, cfg.Coordinator.CertFile, cfg.Coordinator.KeyFile, cfg.Coordinator.ServerName)
	if err != nil {
		return err
	}
	if cfg.MetricsAddress != "" {
		addr, err := obs.Serve(ctx, cfg.MetricsAddress, m, func() error { return nil })
		if err != nil {
			return err
		}
		log.Info("metrics listening", "addr", addr.String())
	}
	if cfg.PrimePool > 0 {
		bits := cfg.PrimeBits
		if bits == 0 {
			bits = paillier.DefaultBits / 2
		}
		go RefillPrimes(ctx, st, bits, cfg.PrimePool,
			func() bool { return nd.IdleFor(10 * time.Second) }, 5*time.Second, log)
	}
	creds := credentials.NewTLS(tlsCfg)
	return nd.Run(ctx, func(context.Context) (*grpc.ClientConn, error) {
		return grpc.NewClient(cfg.Coordinator.Address, grpc.WithTransportCredentials(creds),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(wire.MaxFrame)),
			grpc.WithInitialWindowSize(windowSize), grpc.WithInitialConnWindowSize(windowSize))
	})
}

// DialAdmin connects to a coordinator's admin API with an admin certificate.
func DialAdmin(addr, caFile, certFile, keyFile, serverName string) (wire.AdminClient, func(), error) {
	tlsCfg, err := pki.ClientConfig(caFile, certFile, keyFile, serverName)
	if err != nil {
		return wire.AdminClient{}, nil, err
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)),
		grpc.WithInitialWindowSize(windowSize), grpc.WithInitialConnWindowSize(windowSize))
	if err != nil {
		return wire.AdminClient{}, nil, err
	}
	return wire.AdminClient{CC: cc}, func() { cc.Close() }, nil
}

// WaitOnline waits until n nodes are connected to the coordinator behind
// admin, or timeout passes.
func WaitOnline(ctx context.Context, admin wire.AdminClient, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := admin.ListNodes(ctx)
		if err == nil {
			online := 0
			for _, nd := range resp.Nodes {
				if nd.Online {
					online++
				}
			}
			if online >= n {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("platform: %d nodes not online after %s (last error: %v)", n, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
