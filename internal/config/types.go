package config

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"filippo.io/edwards25519"
	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in YAML as a Go duration string with
// a unit ("5s", "1m30s"). A bare number is rejected: its unit would be a
// guess.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML parses a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return fmt.Errorf("line %d: duration %q: want a string with a unit, such as 5s", n.Line, n.Value)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: want a string with a unit, such as 5s", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// AuthorizationKey is a pinned Ed25519 public key whose signatures
// authorise signing bundles. A parsed key is a canonical encoding of a
// point on the curve that is not of small order.
type AuthorizationKey struct {
	key ed25519.PublicKey
}

// ParseAuthorizationKey parses 64 hexadecimal digits (either case) into an
// authorization key.
func ParseAuthorizationKey(s string) (AuthorizationKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return AuthorizationKey{}, fmt.Errorf("config: authorization key %q: want %d hexadecimal digits", s, 2*ed25519.PublicKeySize)
	}
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil || !bytesEqual(p.Bytes(), b) {
		return AuthorizationKey{}, fmt.Errorf("config: authorization key %q: not a canonical Ed25519 point", s)
	}
	if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return AuthorizationKey{}, fmt.Errorf("config: authorization key %q: a small-order point", s)
	}
	return AuthorizationKey{key: ed25519.PublicKey(b)}, nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// PublicKey returns a copy of the key.
func (k AuthorizationKey) PublicKey() ed25519.PublicKey {
	return append(ed25519.PublicKey(nil), k.key...)
}

// Verify reports whether sig is k's valid signature of msg.
func (k AuthorizationKey) Verify(msg, sig []byte) bool {
	return len(k.key) == ed25519.PublicKeySize && ed25519.Verify(k.key, msg, sig)
}

// String returns the key in lower-case hexadecimal.
func (k AuthorizationKey) String() string { return hex.EncodeToString(k.key) }

// Equal reports whether k and o are the same key.
func (k AuthorizationKey) Equal(o AuthorizationKey) bool { return bytesEqual(k.key, o.key) }

// UnmarshalYAML parses a hexadecimal key.
func (k *AuthorizationKey) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: authorization key: want a hexadecimal string", n.Line)
	}
	parsed, err := ParseAuthorizationKey(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %s", n.Line, strings.TrimPrefix(err.Error(), "config: "))
	}
	*k = parsed
	return nil
}

// MarshalYAML writes the key in hexadecimal.
func (k AuthorizationKey) MarshalYAML() (any, error) {
	if k.key == nil {
		return nil, errors.New("config: empty authorization key")
	}
	return k.String(), nil
}
