package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/custos-mpc/custos/internal/pki"
)

// Coordinator defaults.
const (
	DefaultListen       = ":7400"
	DefaultAdminListen  = "127.0.0.1:7401"
	DefaultRoundTimeout = 5 * time.Second
	DefaultMaxAttempts  = 3

	maxRoundTimeout = 10 * time.Minute
	maxAttempts     = 100
)

// Coordinator is the configuration of the coordinator daemon
// (`custos coordinator`). After LoadCoordinator every path is absolute and
// every field has been checked.
type Coordinator struct {
	Listen         string   `yaml:"listen"`          // host:port nodes dial (mTLS, node certificates)
	AdminListen    string   `yaml:"admin_listen"`    // host:port of the admin API (mTLS, admin certificates)
	TLS            TLSFiles `yaml:"tls"`             // coordinator certificate and the cluster CA
	RosterFile     string   `yaml:"roster_file"`     // pinned public identities of every node
	DataDir        string   `yaml:"data_dir"`        // ceremony records and blame history
	MetricsAddress string   `yaml:"metrics_address"` // /healthz and /metrics; empty disables
	LogLevel       string   `yaml:"log_level"`       // debug | info | warn | error
	Ceremony       Ceremony `yaml:"ceremony"`        // liveness parameters

	// Path is the absolute path of the file the configuration came from.
	Path string `yaml:"-"`
	// Roster is the loaded roster_file.
	Roster *Roster `yaml:"-"`
}

// Ceremony holds the coordinator's liveness parameters.
type Ceremony struct {
	// RoundTimeout is how long the coordinator waits for every party's
	// messages of one round before it aborts the attempt and blames the
	// silent nodes. Default 5s; at most 10m.
	RoundTimeout Duration `yaml:"round_timeout"`
	// MaxAttempts is how many quorums a ceremony tries before it fails.
	// Default 3 (0 means the default); at most 100.
	MaxAttempts int `yaml:"max_attempts"`
	// NoncePool is how many preprocessed FROST nonce commitments the
	// coordinator keeps ready per node and key, for one-round signing; it
	// asks nodes for more when a pool falls below a quarter. 0 signs in two
	// rounds only. At most 4096.
	NoncePool int `yaml:"nonce_pool"`
	// PresignPool is the high watermark of each threshold-ECDSA
	// presignature pool (per key, signer set and derivation path): the
	// coordinator presigns in idle time up to it, and at once when a pool
	// falls below PresignPoolLow (default a quarter of it). 0 disables
	// presigning (every ECDSA signature is a full signing). At most 4096.
	PresignPool    int `yaml:"presign_pool"`
	PresignPoolLow int `yaml:"presign_pool_low"`
	// PaillierBits is the Paillier modulus size of new ECDSA keys when the
	// request names none: 3072 by default (the 128-bit level), 2048 at
	// least.
	PaillierBits int `yaml:"paillier_bits"`
}

// LoadCoordinator reads, completes and validates a coordinator
// configuration file. Relative paths are resolved against the file's
// directory; the TLS and roster files must be readable (the key with mode
// 0600 or stricter) and the certificate must be a coordinator certificate.
func LoadCoordinator(path string) (*Coordinator, error) {
	abs, dir, err := absDir(path)
	if err != nil {
		return nil, fmt.Errorf("config: coordinator %s: %w", path, err)
	}
	data, err := readFile(abs)
	if err != nil {
		return nil, fmt.Errorf("config: coordinator: %s", describeFSError(abs, err))
	}
	var c Coordinator
	if err := decodeYAML(data, &c); err != nil {
		return nil, fmt.Errorf("config: coordinator %s: %w", abs, err)
	}
	c.Path = abs
	c.applyDefaults(dir)
	if err := c.validate().err("coordinator", abs); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Coordinator) applyDefaults(dir string) {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.AdminListen == "" {
		c.AdminListen = DefaultAdminListen
	}
	if c.LogLevel == "" {
		c.LogLevel = DefaultLogLevel
	}
	if c.Ceremony.RoundTimeout == 0 {
		c.Ceremony.RoundTimeout = Duration(DefaultRoundTimeout)
	}
	if c.Ceremony.MaxAttempts == 0 {
		c.Ceremony.MaxAttempts = DefaultMaxAttempts
	}
	c.TLS.CAFile = resolve(dir, c.TLS.CAFile)
	c.TLS.CertFile = resolve(dir, c.TLS.CertFile)
	c.TLS.KeyFile = resolve(dir, c.TLS.KeyFile)
	c.RosterFile = resolve(dir, c.RosterFile)
	c.DataDir = resolve(dir, c.DataDir)
}

func (c *Coordinator) validate() problems {
	var p problems
	p.checkAddress("listen", c.Listen, true, false)
	p.checkAddress("admin_listen", c.AdminListen, true, false)
	if c.Listen == c.AdminListen {
		p.addf("admin_listen", "same address as listen")
	}
	p.checkFile("tls.ca_file", c.TLS.CAFile, false)
	p.checkFile("tls.key_file", c.TLS.KeyFile, true)
	p.checkFile("tls.cert_file", c.TLS.CertFile, false)
	if !slices.Contains(p.fields(), "tls.cert_file") {
		role, name, err := pki.CertificateIdentity(c.TLS.CertFile)
		switch {
		case err != nil:
			p.addf("tls.cert_file", "%v", trimPrefix(err))
		case role != pki.RoleCoordinator:
			p.addf("tls.cert_file", "certificate is for %s %q; want a coordinator certificate", role, name)
		}
	}
	p.checkFile("roster_file", c.RosterFile, false)
	if !slices.Contains(p.fields(), "roster_file") {
		r, err := LoadRoster(c.RosterFile)
		if err != nil {
			p.addf("roster_file", "%v", trimPrefix(err))
		}
		c.Roster = r
	}
	p.checkDir("data_dir", c.DataDir)
	p.checkAddress("metrics_address", c.MetricsAddress, true, true)
	p.checkLogLevel("log_level", c.LogLevel)
	if d := c.Ceremony.RoundTimeout.Std(); d <= 0 || d > maxRoundTimeout {
		p.addf("ceremony.round_timeout", "%s: want more than 0 and at most %s", d, maxRoundTimeout)
	}
	if n := c.Ceremony.PresignPool; n < 0 || n > 4096 {
		p.addf("ceremony.presign_pool", "%d not in [0, 4096]", n)
	}
	if n := c.Ceremony.PresignPoolLow; n < 0 || n > c.Ceremony.PresignPool {
		p.addf("ceremony.presign_pool_low", "%d not in [0, presign_pool]", n)
	}
	if n := c.Ceremony.PaillierBits; n != 0 && (n%2 != 0 || n < 2048 || n > 8192) {
		p.addf("ceremony.paillier_bits", "%d is not an even size in [2048, 8192]", n)
	}
	if n := c.Ceremony.NoncePool; n < 0 || n > 4096 {
		p.addf("ceremony.nonce_pool", "%d not in [0, 4096]", n)
	}
	if n := c.Ceremony.MaxAttempts; n < 1 || n > maxAttempts {
		p.addf("ceremony.max_attempts", "%d: want 1 to %d", n, maxAttempts)
	}
	return p
}
