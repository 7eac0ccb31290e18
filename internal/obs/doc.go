// Package obs gives custos daemons structured logs, a health endpoint and
// Prometheus metrics.
//
// NewLogger builds a JSON slog.Logger tagged with the daemon's component.
// NewMetrics registers every custos series on a private registry (never the
// global one, so tests and several in-process daemons do not collide), and
// Serve exposes /healthz and /metrics over HTTP.
//
// # Security
//
// Secrets must never be logged, put in an error, or used as a metric label:
// no shares, nonces, presignatures, passphrases, private keys, KEKs or
// sealed blobs. As a safety net the logger (1) resolves slog.LogValuer
// values, (2) renders any value implementing fmt.Formatter through its
// Format method, so custos's secret types, whose Format prints <redacted>,
// never have their fields walked by encoding/json, and (3) replaces the
// value of any attribute whose key names a secret (see RedactedKeys) by
// <redacted>. None of this is a licence to log secret material: pass
// identifiers (key id, session id, node id), not values. Metric labels must
// be low-cardinality public identifiers.
//
// The /metrics and /healthz listener is unauthenticated plain HTTP: bind it
// to loopback or a monitoring network.
package obs
