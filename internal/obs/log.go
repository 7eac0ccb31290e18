package obs

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Redacted is what a redacted attribute's value prints as.
const Redacted = "<redacted>"

// RedactedKeys lists attribute keys (compared case-insensitively, also as a
// suffix after '_' or '.') whose values the logger always replaces by
// <redacted>, whatever their type.
var RedactedKeys = []string{
	"passphrase", "password", "secret", "private_key", "privkey", "share",
	"nonce", "kek", "seed", "token", "presignature", "mnemonic",
}

// ParseLevel maps debug, info, warn or error (case-insensitive; "" is
// info) to a slog.Level.
func ParseLevel(level string) (slog.Level, error) {
	switch strings.ToLower(level) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("obs: unknown log level %q (want debug, info, warn or error)", level)
}

// NewLogger returns a JSON logger writing to w at level (see ParseLevel),
// with every record carrying component (for example "node" or
// "coordinator"). slog.LogValuer values are resolved before they are
// written, so secret types print <redacted>; keys in RedactedKeys are
// redacted too. Never log secret values: see the package documentation.
func NewLogger(w io.Writer, level string, component string) (*slog.Logger, error) {
	if w == nil {
		return nil, fmt.Errorf("obs: new logger: nil writer")
	}
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	if component == "" {
		return nil, fmt.Errorf("obs: new logger: empty component")
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       lvl,
		ReplaceAttr: redactAttr,
	})
	return slog.New(h).With(slog.String("component", component)), nil
}

// redactAttr replaces the value of any attribute whose key names a secret,
// and renders values that implement fmt.Formatter through it (custos's
// secret types format as <redacted>) instead of letting encoding/json walk
// their fields. slog has already resolved slog.LogValuer values.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch {
	case a.Value.Kind() == slog.KindGroup:
		return a
	case secretKey(a.Key):
		return slog.String(a.Key, Redacted)
	case a.Value.Kind() == slog.KindAny:
		if f, ok := a.Value.Any().(fmt.Formatter); ok {
			return slog.String(a.Key, fmt.Sprint(f))
		}
	}
	return a
}

func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range RedactedKeys {
		if k == s || strings.HasSuffix(k, "_"+s) || strings.HasSuffix(k, "."+s) || strings.HasSuffix(k, "-"+s) {
			return true
		}
	}
	return false
}
