package platform

import (
	"strconv"
	"time"

	"github.com/custos-mpc/custos/internal/obs"
)

// coordEvents feeds coordinator ceremony outcomes into the metrics.
type coordEvents struct{ m *obs.Metrics }

func (e coordEvents) CeremonyStarted(p string) { e.m.CeremoniesStarted.WithLabelValues(p).Inc() }
func (e coordEvents) CeremonyCompleted(p string, _ time.Duration) {
	e.m.CeremoniesCompleted.WithLabelValues(p).Inc()
}
func (e coordEvents) RoundCompleted(p string, round int, d time.Duration) {
	e.m.RoundDuration.WithLabelValues(p, strconv.Itoa(round)).Observe(d.Seconds())
}
func (e coordEvents) CeremonyAborted(p, reason string) {
	e.m.CeremoniesAborted.WithLabelValues(p, reason).Inc()
}
func (e coordEvents) Blamed(node string) { e.m.Blame.WithLabelValues(node).Inc() }
func (e coordEvents) NodesOnline(n int)  { e.m.NodesOnline.Set(float64(n)) }

// nodeEvents feeds node outcomes into the metrics.
func nodeEvents(m *obs.Metrics) func(kind, detail string) {
	return func(kind, detail string) {
		switch kind {
		case "refused":
			m.Refusals.WithLabelValues(detail).Inc()
			m.SigningRequests.WithLabelValues("refused").Inc()
		case "signed":
			m.SigningRequests.WithLabelValues("signed").Inc()
		}
	}
}

func (e coordEvents) PoolSize(key, node string, n int) {
	e.m.PoolSize.WithLabelValues(key, "nonce/"+node).Set(float64(n))
}
