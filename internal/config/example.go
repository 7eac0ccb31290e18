package config

import (
	"bytes"
	"regexp"
	"strconv"
	"text/template"
)

// NodeExample parameterises ExampleNode. Empty fields take the values shown
// in their comments.
type NodeExample struct {
	ID                 string   // node-1
	Operator           string   // acme-ops
	TrustDomain        string   // dc-fra-1
	DataDir            string   // data
	CoordinatorAddress string   // 127.0.0.1:7400
	CAFile             string   // tls/ca.crt
	CertFile           string   // tls/node-<id>.crt (as pki.Issue names it)
	KeyFile            string   // tls/node-<id>.key
	RosterFile         string   // roster.json
	MetricsAddress     string   // 127.0.0.1:9101
	AuthorizationKeys  []string // none
}

// CoordinatorExample parameterises ExampleCoordinator. Empty fields take
// the values shown in their comments.
type CoordinatorExample struct {
	Listen         string // :7400
	AdminListen    string // 127.0.0.1:7401
	CAFile         string // tls/ca.crt
	CertFile       string // tls/coordinator-coordinator.crt
	KeyFile        string // tls/coordinator-coordinator.key
	RosterFile     string // roster.json
	DataDir        string // data
	MetricsAddress string // 127.0.0.1:9100
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// plain matches strings YAML reads back unchanged without quotes (and that
// cannot be taken for a number, boolean or null: those are quoted below).
var plain = regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./:-]*$`)

// yamlString renders s as a YAML scalar that decodes back to s.
func yamlString(s string) string {
	if plain.MatchString(s) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			switch s {
			case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
				"true", "True", "TRUE", "false", "False", "FALSE",
				"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~":
			default:
				return s
			}
		}
	}
	return strconv.Quote(s)
}

var exampleFuncs = template.FuncMap{"q": yamlString}

var nodeTemplate = template.Must(template.New("node").Funcs(exampleFuncs).Parse(`# custos share node configuration (custos node --config FILE).
# Relative paths are resolved against the directory of this file.

# Who this node is. All three values also appear in the roster.
node:
  # Stable name of this node, unique in the cluster: letters, digits, '.',
  # '_' or '-'. It must match the node's certificate (custos://node/<id>)
  # and its entry in the roster.
  id: {{q .ID}}
  # The organisation operating this node (as in the roster). Key generation
  # refuses layouts where one operator would hold a threshold of shares.
  operator: {{q .Operator}}
  # The failure/trust domain this node runs in (as in the roster), e.g. a
  # data centre, cloud account or HSM partition.
  trust_domain: {{q .TrustDomain}}

# Directory holding keystore.db and the node's identity key; created if
# missing. Back it up only through "custos backup".
data_dir: {{q .DataDir}}

# How the node's shares are sealed at rest (the key-encryption key).
keystore:
  # How shares are sealed at rest: passphrase (Argon2id key-encryption key)
  # or age (an age X25519 identity).
  sealer: passphrase
  # sealer passphrase: read the passphrase from this file (mode 0600)...
  passphrase_file: ""
  # ...or from this environment variable. With neither, the node prompts on
  # its terminal at start-up.
  passphrase_env: ""
  # sealer age: file holding the age identity (AGE-SECRET-KEY-1..., mode 0600).
  age_identity_file: ""

# How the node reaches the coordinator: it dials out over mutual TLS.
coordinator:
  # host:port of the coordinator; the node dials out, it needs no inbound port.
  address: {{q .CoordinatorAddress}}
  # Name expected in the coordinator's certificate; empty means the host
  # part of address.
  server_name: ""
  # CA certificate of the cluster (the ca.crt of its certificate authority).
  ca_file: {{q .CAFile}}
  # This node's client certificate and key, issued for custos://node/<id>;
  # the key file must have mode 0600.
  cert_file: {{q .CertFile}}
  key_file: {{q .KeyFile}}

# What the node pins about the policy plane; the coordinator cannot change it.
policy:
  # Hex Ed25519 public keys (64 digits) of the policy plane. A signing
  # bundle is honoured only if one of these pinned keys signed it; with none,
  # this node signs nothing.
{{- if .AuthorizationKeys}}
  authorization_keys:
{{- range .AuthorizationKeys}}
    - {{q .}}
{{- end}}
{{- else}}
  authorization_keys: []
{{- end}}

# Pinned public identities of every node (a JSON roster); this node must be
# listed with the operator and trust domain above.
roster_file: {{q .RosterFile}}

# host:port serving /healthz and /metrics (plain HTTP: keep it on loopback
# or a monitoring network); empty disables.
metrics_address: {{q .MetricsAddress}}

# Log verbosity: debug, info, warn or error. Logs are JSON and never
# contain secrets.
log_level: info

# Safe primes to keep ready, sealed in the keystore, for threshold-ECDSA
# auxiliary info (two per Paillier key and two per ring-Pedersen modulus).
# The node refills the pool while it has no ceremony to serve; prime search
# uses every core, so 0 (off) suits nodes that hold FROST keys only.
prime_pool: 0
# Size of the pooled primes: half the coordinator's ceremony.paillier_bits
# (1536 for the default 3072-bit moduli, 1024 for 2048-bit ones).
prime_bits: 1536
`))

var coordinatorTemplate = template.Must(template.New("coordinator").Funcs(exampleFuncs).Parse(`# custos coordinator configuration (custos coordinator --config FILE).
# Relative paths are resolved against the directory of this file.

# host:port where share nodes connect (mutual TLS; node certificates only).
listen: {{q .Listen}}
# host:port of the admin API (mutual TLS; admin certificates only). Keep it
# off public networks.
admin_listen: {{q .AdminListen}}

# Mutual-TLS files of both listeners.
tls:
  # CA certificate of the cluster; every node and admin certificate must be
  # issued by it.
  ca_file: {{q .CAFile}}
  # The coordinator's server certificate (custos://coordinator/<name>, with
  # the DNS names and IP addresses nodes dial) and its key (mode 0600).
  cert_file: {{q .CertFile}}
  key_file: {{q .KeyFile}}

# Pinned public identities of every node (a JSON roster).
roster_file: {{q .RosterFile}}

# Directory for ceremony records and blame history; created if missing.
data_dir: {{q .DataDir}}

# host:port serving /healthz and /metrics (plain HTTP: keep it on loopback
# or a monitoring network); empty disables.
metrics_address: {{q .MetricsAddress}}

# Log verbosity: debug, info, warn or error.
log_level: info

# Liveness parameters of signing and key-generation ceremonies.
ceremony:
  # How long to wait for every party's messages in one round before the
  # attempt is aborted and the silent nodes are blamed (a duration with a
  # unit, e.g. 5s, 1m; at most 10m).
  round_timeout: 5s
  # How many quorums a ceremony tries before it fails (1 to 100).
  max_attempts: 3
  # Preprocessed FROST nonce commitments kept ready per node and key, for
  # one-round signing (nodes store the nonces sealed); 0 signs in two rounds.
  nonce_pool: 128
  # Threshold-ECDSA presignatures kept ready per key, signer set and
  # derivation path (nodes store them sealed and spend each once): the
  # coordinator presigns in idle time up to presign_pool, and at once below
  # presign_pool_low (0: a quarter). 0 disables presigning: every ECDSA
  # signature then runs presigning and signing in one session.
  presign_pool: 16
  presign_pool_low: 0
  # Paillier modulus size of new ECDSA keys when a request names none
  # (3072 by default; 2048 at least).
  paillier_bits: 3072
`))

// ExampleNode returns a commented node configuration, every field
// documented: the file `custos node init` writes.
func ExampleNode(e NodeExample) []byte {
	e.ID = orDefault(e.ID, "node-1")
	e.Operator = orDefault(e.Operator, "acme-ops")
	e.TrustDomain = orDefault(e.TrustDomain, "dc-fra-1")
	e.DataDir = orDefault(e.DataDir, "data")
	e.CoordinatorAddress = orDefault(e.CoordinatorAddress, "127.0.0.1:7400")
	e.CAFile = orDefault(e.CAFile, "tls/ca.crt")
	e.CertFile = orDefault(e.CertFile, "tls/node-"+e.ID+".crt")
	e.KeyFile = orDefault(e.KeyFile, "tls/node-"+e.ID+".key")
	e.RosterFile = orDefault(e.RosterFile, "roster.json")
	e.MetricsAddress = orDefault(e.MetricsAddress, "127.0.0.1:9101")
	var b bytes.Buffer
	if err := nodeTemplate.Execute(&b, e); err != nil {
		panic("config: node example template: " + err.Error()) // static template
	}
	return b.Bytes()
}

// ExampleCoordinator returns a commented coordinator configuration, every
// field documented: the file `custos coordinator init` writes.
func ExampleCoordinator(e CoordinatorExample) []byte {
	e.Listen = orDefault(e.Listen, DefaultListen)
	e.AdminListen = orDefault(e.AdminListen, DefaultAdminListen)
	e.CAFile = orDefault(e.CAFile, "tls/ca.crt")
	e.CertFile = orDefault(e.CertFile, "tls/coordinator-coordinator.crt")
	e.KeyFile = orDefault(e.KeyFile, "tls/coordinator-coordinator.key")
	e.RosterFile = orDefault(e.RosterFile, "roster.json")
	e.DataDir = orDefault(e.DataDir, "data")
	e.MetricsAddress = orDefault(e.MetricsAddress, "127.0.0.1:9100")
	var b bytes.Buffer
	if err := coordinatorTemplate.Execute(&b, e); err != nil {
		panic("config: coordinator example template: " + err.Error()) // static template
	}
	return b.Bytes()
}
