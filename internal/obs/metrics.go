package obs

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Namespace prefixes every custos series: custos_ceremonies_started_total...
const Namespace = "custos"

// Metrics holds every custos series, registered on one private registry.
// Coordinator-side and node-side series live together; a daemon simply
// leaves the other side's at zero. Label values must be public,
// low-cardinality identifiers (protocol names, round numbers, node ids, key
// ids), never secret material.
type Metrics struct {
	reg *prometheus.Registry

	// Coordinator side.
	CeremoniesStarted   *prometheus.CounterVec   // custos_ceremonies_started_total{protocol}
	CeremoniesCompleted *prometheus.CounterVec   // custos_ceremonies_completed_total{protocol}
	CeremoniesAborted   *prometheus.CounterVec   // custos_ceremonies_aborted_total{protocol,reason}
	RoundDuration       *prometheus.HistogramVec // custos_round_duration_seconds{protocol,round}
	Blame               *prometheus.CounterVec   // custos_blame_total{node}: aborts naming the node a culprit
	NodesOnline         prometheus.Gauge         // custos_nodes_online: nodes connected to the coordinator
	PoolSize            *prometheus.GaugeVec     // custos_pool_size{key,kind}: presignatures / nonce commitments ready

	// Node side.
	SigningRequests *prometheus.CounterVec // custos_signing_requests_total{result}
	Refusals        *prometheus.CounterVec // custos_refusals_total{reason}: bundles or ceremonies the node refused
}

// RoundDurationBuckets are the histogram buckets of round_duration_seconds:
// 1 ms to about 16 s.
var RoundDurationBuckets = prometheus.ExponentialBuckets(0.001, 2, 15)

// NewMetrics creates the custos series, plus the Go runtime and process
// collectors, on a fresh private registry.
func NewMetrics() *Metrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg:                 prometheus.NewRegistry(),
		CeremoniesStarted:   counter("ceremonies_started_total", "Ceremonies the coordinator opened.", "protocol"),
		CeremoniesCompleted: counter("ceremonies_completed_total", "Ceremonies that produced a verified result.", "protocol"),
		CeremoniesAborted:   counter("ceremonies_aborted_total", "Ceremonies that ended without a result, by reason.", "protocol", "reason"),
		RoundDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "round_duration_seconds",
			Help:    "Time from opening a round to receiving every party's messages.",
			Buckets: RoundDurationBuckets,
		}, []string{"protocol", "round"}),
		Blame: counter("blame_total", "Aborts that named the node as a culprit.", "node"),
		NodesOnline: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "nodes_online", Help: "Share nodes currently connected to the coordinator.",
		}),
		PoolSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "pool_size", Help: "Preprocessed items ready for signing, by key and kind.",
		}, []string{"key", "kind"}),
		SigningRequests: counter("signing_requests_total", "Signing requests the node received, by result.", "result"),
		Refusals:        counter("refusals_total", "Requests the node refused, by reason.", "reason"),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.CeremoniesStarted, m.CeremoniesCompleted, m.CeremoniesAborted, m.RoundDuration,
		m.Blame, m.NodesOnline, m.PoolSize, m.SigningRequests, m.Refusals,
	)
	return m
}

// Registry returns the private registry holding m's series, for serving or
// for registering a daemon's own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }
