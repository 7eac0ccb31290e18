package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// secretThing stands in for a custos secret type: exported field, but
// String/Format redact.
type secretThing struct{ Material string }

func (secretThing) String() string               { return "<redacted>" }
func (s secretThing) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }
func (s secretThing) LogValue() slog.Value       { return slog.StringValue("<redacted>") }

// formatOnly redacts through fmt only.
type formatOnly struct{ Material string }

func (formatOnly) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "<redacted>") }

func TestLoggerEmitsJSON(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "info", "node")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden")
	log.Info("ceremony started", "session", "s-1", "attempt", 2)
	log.Error("round failed", "err", errors.New("boom"))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (debug filtered out):\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	for k, want := range map[string]any{"level": "INFO", "component": "node", "msg": "ceremony started", "session": "s-1", "attempt": 2.0} {
		if rec[k] != want {
			t.Errorf("%s = %v, want %v", k, rec[k], want)
		}
	}
	if _, ok := rec["time"]; !ok {
		t.Error("no time field")
	}
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["level"] != "ERROR" || rec["err"] != "boom" || rec["component"] != "node" {
		t.Errorf("error record = %v", rec)
	}
}

func TestLoggerLevels(t *testing.T) {
	tests := []struct {
		level   string
		want    int // records out of debug, info, warn, error
		wantErr bool
	}{
		{"debug", 4, false}, {"info", 3, false}, {"", 3, false}, {"WARN", 2, false},
		{"error", 1, false}, {"verbose", 0, true}, {"trace", 0, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("level %q", tc.level), func(t *testing.T) {
			var buf bytes.Buffer
			log, err := NewLogger(&buf, tc.level, "coordinator")
			if tc.wantErr {
				if err == nil || !strings.HasPrefix(err.Error(), "obs: unknown log level") {
					t.Fatalf("err = %v, want unknown log level", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			log.Error("e")
			if got := strings.Count(buf.String(), "\n"); got != tc.want {
				t.Errorf("%d records, want %d", got, tc.want)
			}
		})
	}
	if _, err := NewLogger(io.Discard, "info", ""); err == nil {
		t.Error("empty component accepted")
	}
	if _, err := NewLogger(nil, "info", "x"); err == nil {
		t.Error("nil writer accepted")
	}
}

func TestLoggerRedacts(t *testing.T) {
	const material = "TOPSECRETMATERIAL"
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "debug", "node")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("a LogValuer secret", "value", secretThing{material})
	log.Info("a Formatter secret", "value", formatOnly{material})
	log.Info("a secret-named key", "passphrase", material, "node_private_key", material, "kek", []byte(material))
	log.Info("in a group", slog.Group("keystore", slog.String("passphrase", material), slog.String("path", "/var/lib")))
	log.With("share", material).Info("via With")
	out := buf.String()
	if strings.Contains(out, material) {
		t.Errorf("secret material logged:\n%s", out)
	}
	if got := strings.Count(out, Redacted); got != 7 {
		t.Errorf("%d redactions, want 7:\n%s", got, out)
	}
	if !strings.Contains(out, `"path":"/var/lib"`) {
		t.Errorf("non-secret attribute lost:\n%s", out)
	}
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.CeremoniesStarted.WithLabelValues("frost-ed25519").Inc()
	m.CeremoniesCompleted.WithLabelValues("frost-ed25519").Inc()
	m.CeremoniesAborted.WithLabelValues("cggmp", "timeout").Inc()
	m.RoundDuration.WithLabelValues("cggmp", "2").Observe(0.25)
	m.Blame.WithLabelValues("node-3").Inc()
	m.NodesOnline.Set(5)
	m.PoolSize.WithLabelValues("key-1", "presignature").Set(42)
	m.SigningRequests.WithLabelValues("signed").Inc()
	m.Refusals.WithLabelValues("bad_bundle_signature").Inc()

	addr := serve(t, m, nil)
	body := get(t, addr, "/metrics", http.StatusOK)
	for _, want := range []string{
		`custos_ceremonies_started_total{protocol="frost-ed25519"} 1`,
		`custos_ceremonies_completed_total{protocol="frost-ed25519"} 1`,
		`custos_ceremonies_aborted_total{protocol="cggmp",reason="timeout"} 1`,
		`custos_round_duration_seconds_bucket{protocol="cggmp",round="2",le="0.256"} 1`,
		`custos_round_duration_seconds_count{protocol="cggmp",round="2"} 1`,
		`custos_blame_total{node="node-3"} 1`,
		`custos_nodes_online 5`,
		`custos_pool_size{key="key-1",kind="presignature"} 42`,
		`custos_signing_requests_total{result="signed"} 1`,
		`custos_refusals_total{reason="bad_bundle_signature"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestMetricsRegistriesArePrivate(t *testing.T) {
	a, b := NewMetrics(), NewMetrics() // would panic on a shared registry
	a.NodesOnline.Set(1)
	fams, err := b.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "custos_nodes_online" && f.GetMetric()[0].GetGauge().GetValue() != 0 {
			t.Error("metrics shared between instances")
		}
	}
}

func TestHealthz(t *testing.T) {
	tests := []struct {
		name     string
		health   func() error
		wantCode int
		wantBody string
	}{
		{"no check is healthy", nil, http.StatusOK, "ok\n"},
		{"a passing check is healthy", func() error { return nil }, http.StatusOK, "ok\n"},
		{"a failing check is unavailable with its text", func() error { return errors.New("node: coordinator unreachable") },
			http.StatusServiceUnavailable, "node: coordinator unreachable\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := serve(t, NewMetrics(), tc.health)
			if got := get(t, addr, "/healthz", tc.wantCode); got != tc.wantBody {
				t.Errorf("body = %q, want %q", got, tc.wantBody)
			}
		})
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := Serve(ctx, "127.0.0.1:0", NewMetrics(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if addr.(*net.TCPAddr).Port == 0 {
		t.Fatal("port 0 not resolved")
	}
	get(t, addr, "/healthz", http.StatusOK)
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr.String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepting after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeRejects(t *testing.T) {
	if _, err := Serve(t.Context(), "127.0.0.1:0", nil, nil); err == nil {
		t.Error("nil metrics accepted")
	}
	if _, err := Serve(t.Context(), "not-an-address", NewMetrics(), nil); err == nil || !strings.HasPrefix(err.Error(), "obs: serve: ") {
		t.Errorf("bad address: %v", err)
	}
	addr := serve(t, NewMetrics(), nil)
	get(t, addr, "/nothing", http.StatusNotFound)
}

func serve(t *testing.T, m *Metrics, health func() error) net.Addr {
	t.Helper()
	addr, err := Serve(t.Context(), "127.0.0.1:0", m, health)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func get(t *testing.T, addr net.Addr, path string, wantCode int) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr.String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != wantCode {
		t.Errorf("GET %s: status %d, want %d", path, resp.StatusCode, wantCode)
	}
	return string(body)
}
