package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"

	"github.com/custos-mpc/custos/internal/pki"
)

// Sealer kinds accepted by keystore.sealer.
const (
	SealerPassphrase = "passphrase"
	SealerAge        = "age"
)

// Node is the configuration of a share node daemon (`custos node`). After
// LoadNode every path is absolute and every field has been checked.
type Node struct {
	Node           NodeInfo        `yaml:"node"`
	DataDir        string          `yaml:"data_dir"`        // keystore.db and the node identity live here
	Keystore       Keystore        `yaml:"keystore"`        // how shares are sealed at rest
	Coordinator    CoordinatorLink `yaml:"coordinator"`     // where and how the node dials out
	Policy         Policy          `yaml:"policy"`          // pinned authorization keys
	RosterFile     string          `yaml:"roster_file"`     // pinned public identities of every node
	MetricsAddress string          `yaml:"metrics_address"` // /healthz and /metrics; empty disables
	LogLevel       string          `yaml:"log_level"`       // debug | info | warn | error
	// PrimePool is how many safe primes the node keeps ready, sealed in its
	// keystore, for threshold-ECDSA auxiliary info; it refills the pool
	// while idle. 0 disables.
	PrimePool int `yaml:"prime_pool"`
	// PrimeBits is the size of the pooled primes: half the Paillier
	// modulus of the ECDSA keys the node will hold (0: 1536, for the
	// default 3072-bit moduli).
	PrimeBits int `yaml:"prime_bits"`

	// Path is the absolute path of the file the configuration came from.
	Path string `yaml:"-"`
	// Roster is the loaded roster_file; it contains this node with the
	// same operator and trust domain.
	Roster *Roster `yaml:"-"`
}

// NodeInfo names the node.
type NodeInfo struct {
	ID          string `yaml:"id"`           // unique in the cluster; matches its certificate and roster entry
	Operator    string `yaml:"operator"`     // organisation operating the node
	TrustDomain string `yaml:"trust_domain"` // failure/trust domain it runs in
}

// Keystore says how the key-encryption key is obtained.
type Keystore struct {
	Sealer          string `yaml:"sealer"`            // passphrase (default) | age
	PassphraseFile  string `yaml:"passphrase_file"`   // sealer passphrase: file holding the passphrase
	PassphraseEnv   string `yaml:"passphrase_env"`    // sealer passphrase: environment variable holding it
	AgeIdentityFile string `yaml:"age_identity_file"` // sealer age: file holding the age X25519 identity
}

// PromptPassphrase reports whether the passphrase must be read from the
// terminal (sealer passphrase with neither a file nor an environment
// variable).
func (k Keystore) PromptPassphrase() bool {
	return k.Sealer == SealerPassphrase && k.PassphraseFile == "" && k.PassphraseEnv == ""
}

// TLSFiles names the PEM files of a mutual-TLS endpoint (see package pki).
type TLSFiles struct {
	CAFile   string `yaml:"ca_file"`   // CA certificate that issued every peer
	CertFile string `yaml:"cert_file"` // this endpoint's certificate
	KeyFile  string `yaml:"key_file"`  // its private key (mode 0600)
}

// CoordinatorLink is how a node reaches the coordinator.
type CoordinatorLink struct {
	Address    string `yaml:"address"`     // host:port the node dials
	ServerName string `yaml:"server_name"` // name expected in the coordinator's certificate; default: the address's host
	TLSFiles   `yaml:",inline"`
}

// Policy holds what the node pins about the authorization plane.
type Policy struct {
	// AuthorizationKeys are the Ed25519 keys whose signatures authorise
	// signing bundles. Empty means the node authorises nothing.
	AuthorizationKeys []AuthorizationKey `yaml:"authorization_keys"`
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// LoadNode reads, completes and validates a node configuration file.
// Relative paths in it are resolved against the file's directory; the TLS,
// passphrase, age identity and roster files must be readable (secret files
// with mode 0600 or stricter), the certificate must name this node, and
// the roster must list it.
func LoadNode(path string) (*Node, error) {
	abs, dir, err := absDir(path)
	if err != nil {
		return nil, fmt.Errorf("config: node %s: %w", path, err)
	}
	data, err := readFile(abs)
	if err != nil {
		return nil, fmt.Errorf("config: node: %s", describeFSError(abs, err))
	}
	var n Node
	if err := decodeYAML(data, &n); err != nil {
		return nil, fmt.Errorf("config: node %s: %w", abs, err)
	}
	n.Path = abs
	n.applyDefaults(dir)
	if err := n.validate().err("node", abs); err != nil {
		return nil, err
	}
	return &n, nil
}

func (n *Node) applyDefaults(dir string) {
	if n.Keystore.Sealer == "" {
		n.Keystore.Sealer = SealerPassphrase
	}
	if n.LogLevel == "" {
		n.LogLevel = DefaultLogLevel
	}
	if n.Coordinator.ServerName == "" {
		if host, _, err := net.SplitHostPort(n.Coordinator.Address); err == nil {
			n.Coordinator.ServerName = host
		}
	}
	n.DataDir = resolve(dir, n.DataDir)
	n.Keystore.PassphraseFile = resolve(dir, n.Keystore.PassphraseFile)
	n.Keystore.AgeIdentityFile = resolve(dir, n.Keystore.AgeIdentityFile)
	n.Coordinator.CAFile = resolve(dir, n.Coordinator.CAFile)
	n.Coordinator.CertFile = resolve(dir, n.Coordinator.CertFile)
	n.Coordinator.KeyFile = resolve(dir, n.Coordinator.KeyFile)
	n.RosterFile = resolve(dir, n.RosterFile)
}

func (n *Node) validate() problems {
	var p problems
	idOK := true
	if err := pki.CheckName(n.Node.ID); err != nil {
		idOK = false
		p.addf("node.id", "%v", trimPrefix(err))
	}
	p.checkLabel("node.operator", n.Node.Operator)
	p.checkLabel("node.trust_domain", n.Node.TrustDomain)
	p.checkDir("data_dir", n.DataDir)

	ks := n.Keystore
	switch ks.Sealer {
	case SealerPassphrase:
		if ks.PassphraseFile != "" && ks.PassphraseEnv != "" {
			p.addf("keystore", "set at most one of passphrase_file and passphrase_env")
		}
		if ks.PassphraseFile != "" {
			p.checkFile("keystore.passphrase_file", ks.PassphraseFile, true)
		}
		if ks.PassphraseEnv != "" && !envName.MatchString(ks.PassphraseEnv) {
			p.addf("keystore.passphrase_env", "%q is not an environment variable name", ks.PassphraseEnv)
		}
		if ks.AgeIdentityFile != "" {
			p.addf("keystore.age_identity_file", "only for sealer age")
		}
	case SealerAge:
		p.checkFile("keystore.age_identity_file", ks.AgeIdentityFile, true)
		if ks.PassphraseFile != "" || ks.PassphraseEnv != "" {
			p.addf("keystore", "passphrase_file and passphrase_env are only for sealer passphrase")
		}
	default:
		p.addf("keystore.sealer", "%q: want passphrase or age", ks.Sealer)
	}

	c := n.Coordinator
	p.checkAddress("coordinator.address", c.Address, false, false)
	if c.ServerName == "" {
		p.addf("coordinator.server_name", "required when the address has no host")
	}
	p.checkFile("coordinator.ca_file", c.CAFile, false)
	p.checkFile("coordinator.key_file", c.KeyFile, true)
	p.checkFile("coordinator.cert_file", c.CertFile, false)
	if idOK && !slices.Contains(p.fields(), "coordinator.cert_file") {
		role, name, err := pki.CertificateIdentity(c.CertFile)
		switch {
		case err != nil:
			p.addf("coordinator.cert_file", "%v", trimPrefix(err))
		case role != pki.RoleNode || name != n.Node.ID:
			p.addf("coordinator.cert_file", "certificate is for %s %q; want node %q", role, name, n.Node.ID)
		}
	}

	for i, k := range n.Policy.AuthorizationKeys {
		for j := range i {
			if n.Policy.AuthorizationKeys[j].Equal(k) {
				p.addf(fmt.Sprintf("policy.authorization_keys[%d]", i), "repeats authorization_keys[%d]", j)
				break
			}
		}
	}

	p.checkFile("roster_file", n.RosterFile, false)
	if !slices.Contains(p.fields(), "roster_file") {
		r, err := LoadRoster(n.RosterFile)
		switch {
		case err != nil:
			p.addf("roster_file", "%v", trimPrefix(err))
		case idOK:
			e, ok := r.Lookup(n.Node.ID)
			switch {
			case !ok:
				p.addf("roster_file", "node %q is not in the roster", n.Node.ID)
			case e.Operator != n.Node.Operator:
				p.addf("roster_file", "node %q has operator %q in the roster, %q here", n.Node.ID, e.Operator, n.Node.Operator)
			case e.TrustDomain != n.Node.TrustDomain:
				p.addf("roster_file", "node %q has trust domain %q in the roster, %q here", n.Node.ID, e.TrustDomain, n.Node.TrustDomain)
			}
			n.Roster = r
		}
	}

	p.checkAddress("metrics_address", n.MetricsAddress, true, true)
	p.checkLogLevel("log_level", n.LogLevel)
	if n.PrimePool < 0 || n.PrimePool > 1024 {
		p.addf("prime_pool", "%d not in [0, 1024]", n.PrimePool)
	}
	if b := n.PrimeBits; b != 0 && (b%2 != 0 || b < 1024 || b > 4096) {
		p.addf("prime_bits", "%d is not an even size in [1024, 4096] (half the Paillier modulus)", b)
	}
	return p
}
