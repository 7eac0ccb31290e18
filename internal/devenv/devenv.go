// Package devenv is `custos dev`: the whole cryptographic plane on one
// machine, on loopback, with every secret under one data directory.
//
// The first run creates, under the data directory: a CA and certificates
// (pki/), five node identities in five sealed keystores (nodes/node-N/),
// the roster, a random keystore passphrase (dev-passphrase, mode 0600) and
// a development authorization key (authorization.key, mode 0600) standing
// in for the policy plane. Later runs reuse them, so keys survive restarts.
package devenv

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/custos-mpc/custos/internal/config"
	"github.com/custos-mpc/custos/internal/pki"
	"github.com/custos-mpc/custos/internal/platform"
	"github.com/custos-mpc/custos/internal/sealer"
)

// Node layout: five trust domains, three operators, so that no operator or
// domain can hold three shares of a 3-of-5 key.
// DevPaillierBits is the Paillier modulus size of the dev environment's
// ECDSA keys: the paper's floor, so key generation and refresh are quick.
const DevPaillierBits = 2048

var layout = []struct{ id, operator, domain string }{
	{"node-1", "operator-a", "domain-1"},
	{"node-2", "operator-a", "domain-2"},
	{"node-3", "operator-b", "domain-3"},
	{"node-4", "operator-b", "domain-4"},
	{"node-5", "operator-c", "domain-5"},
}

// Env is a prepared development environment.
type Env struct {
	Dir         string
	Coordinator *config.Coordinator
	Nodes       []*config.Node
	AuthKey     ed25519.PrivateKey
	AuthKeyFile string
	CAFile      string
	AdminCert   string
	AdminKey    string
	sealer      sealer.Sealer
}

// Options select addresses.
type Options struct {
	Listen      string // nodes' listener, default 127.0.0.1:7400
	AdminListen string // admin API, default 127.0.0.1:7401
	// Argon2 for the dev keystores (default sealer.DefaultArgon2).
	Argon2 *sealer.Argon2Params
}

// Prepare creates or reuses the environment under dir.
func Prepare(ctx context.Context, dir string, opt Options) (*Env, error) {
	if opt.Listen == "" {
		opt.Listen = "127.0.0.1:7400"
	}
	if opt.AdminListen == "" {
		opt.AdminListen = "127.0.0.1:7401"
	}
	params := sealer.DefaultArgon2
	if opt.Argon2 != nil {
		params = *opt.Argon2
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("dev: %w", err)
	}
	e := &Env{Dir: dir}
	pkiDir := filepath.Join(dir, "pki")
	e.CAFile = filepath.Join(pkiDir, "ca.crt")
	if _, err := os.Stat(e.CAFile); errors.Is(err, os.ErrNotExist) {
		if err := pki.InitCA(pkiDir, "custos-dev-ca"); err != nil {
			return nil, err
		}
	}
	issue := func(role pki.Role, name string) (string, string, error) {
		crt := filepath.Join(pkiDir, string(role)+"-"+name+".crt")
		key := filepath.Join(pkiDir, string(role)+"-"+name+".key")
		if _, err := os.Stat(crt); err == nil {
			return crt, key, nil
		}
		return pki.Issue(pkiDir, pkiDir, role, name, nil)
	}
	coordCrt, coordKey, err := issue(pki.RoleCoordinator, "coordinator")
	if err != nil {
		return nil, err
	}
	if e.AdminCert, e.AdminKey, err = issue(pki.RoleAdmin, "dev-admin"); err != nil {
		return nil, err
	}
	passFile := filepath.Join(dir, "dev-passphrase")
	if err := writeOnce(passFile, func() ([]byte, error) {
		b := make([]byte, 24)
		_, err := rand.Read(b)
		return []byte(hex.EncodeToString(b)), err
	}); err != nil {
		return nil, err
	}
	e.AuthKeyFile = filepath.Join(dir, "authorization.key")
	if err := writeOnce(e.AuthKeyFile, func() ([]byte, error) {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return []byte(hex.EncodeToString(k.Seed())), err
	}); err != nil {
		return nil, err
	}
	if e.AuthKey, err = LoadAuthKey(e.AuthKeyFile); err != nil {
		return nil, err
	}
	authPub, err := config.ParseAuthorizationKey(hex.EncodeToString(e.AuthKey.Public().(ed25519.PublicKey)))
	if err != nil {
		return nil, err
	}
	pass, err := sealer.PassphraseFromFile(passFile)
	if err != nil {
		return nil, err
	}
	defer pass.Destroy()
	if e.sealer, err = sealer.NewPassphraseSealer(pass, params); err != nil {
		return nil, err
	}
	roster := &config.Roster{}
	for _, l := range layout {
		crt, key, err := issue(pki.RoleNode, l.id)
		if err != nil {
			return nil, err
		}
		nc := &config.Node{
			Node:        config.NodeInfo{ID: l.id, Operator: l.operator, TrustDomain: l.domain},
			DataDir:     filepath.Join(dir, "nodes", l.id),
			Keystore:    config.Keystore{Sealer: config.SealerPassphrase, PassphraseFile: passFile},
			Coordinator: config.CoordinatorLink{Address: opt.Listen, ServerName: "localhost", TLSFiles: config.TLSFiles{CAFile: e.CAFile, CertFile: crt, KeyFile: key}},
			Policy:      config.Policy{AuthorizationKeys: []config.AuthorizationKey{authPub}},
			LogLevel:    "info",
			// ECDSA keys here use 2048-bit Paillier moduli (quick to make):
			// the nodes keep 1024-bit primes ready for them.
			PrimePool: 4, PrimeBits: DevPaillierBits / 2,
		}
		pub, err := platform.InitIdentity(ctx, platform.KeystorePath(nc), e.sealer)
		if err != nil {
			return nil, fmt.Errorf("dev: %s: %w", l.id, err)
		}
		roster.Nodes = append(roster.Nodes, config.RosterEntry{ID: l.id, Operator: l.operator, TrustDomain: l.domain, Identity: hex.EncodeToString(pub.Marshal())})
		e.Nodes = append(e.Nodes, nc)
	}
	if err := config.WriteRoster(filepath.Join(dir, "roster.json"), roster); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	for _, nc := range e.Nodes {
		nc.Roster = roster
	}
	e.Coordinator = &config.Coordinator{
		Listen: opt.Listen, AdminListen: opt.AdminListen,
		TLS:     config.TLSFiles{CAFile: e.CAFile, CertFile: coordCrt, KeyFile: coordKey},
		DataDir: filepath.Join(dir, "coordinator"), LogLevel: "info", Roster: roster,
		Ceremony: config.Ceremony{RoundTimeout: config.Duration(config.DefaultRoundTimeout), MaxAttempts: config.DefaultMaxAttempts, NoncePool: 128,
			PresignPool: 16, PaillierBits: DevPaillierBits},
	}
	return e, nil
}

// LoadAuthKey reads a hex Ed25519 seed file.
func LoadAuthKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dev: authorization key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("dev: authorization key file must hold a 32-byte hex seed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func writeOnce(path string, gen func() ([]byte, error)) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	b, err := gen()
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// Running is the started platform.
type Running struct {
	Coordinator *platform.Coordinator
	errc        chan error
}

// Start runs the coordinator and the nodes until ctx ends.
func (e *Env) Start(ctx context.Context, log *slog.Logger) (*Running, error) {
	c, err := platform.StartCoordinator(ctx, e.Coordinator, log.With("component", "coordinator"))
	if err != nil {
		return nil, err
	}
	r := &Running{Coordinator: c, errc: make(chan error, len(e.Nodes))}
	for _, nc := range e.Nodes {
		nc := *nc
		nc.Coordinator.Address = c.NodesAddr.String()
		go func() {
			r.errc <- platform.RunNode(ctx, &nc, e.sealer, log.With("component", "node", "node", nc.Node.ID))
		}()
	}
	return r, nil
}

// Err returns the first node failure, if any happened.
func (r *Running) Err() <-chan error { return r.errc }
