// Package scheme names the signature schemes a custos key can have and maps
// them to their protocol engines: FROST suites ("frost-ed25519", ...) and
// CGGMP21 threshold ECDSA ("ecdsa-secp256k1").
package scheme

import (
	"fmt"
	"strings"

	"github.com/custos-mpc/custos/protocol/frost"
)

// Prefix of FROST schemes: "frost-" followed by a frost suite name.
const frostPrefix = "frost-"

// ECDSA is the scheme of CGGMP21 threshold-ECDSA keys on secp256k1.
const ECDSA = "ecdsa-secp256k1"

// FrostSuite returns the FROST suite of a scheme such as "frost-ed25519".
func FrostSuite(name string) (*frost.Suite, error) {
	if !strings.HasPrefix(name, frostPrefix) {
		return nil, fmt.Errorf("scheme: %q is not a FROST scheme", name)
	}
	s, err := frost.SuiteByName(strings.TrimPrefix(name, frostPrefix))
	if err != nil {
		return nil, fmt.Errorf("scheme: unknown scheme %q", name)
	}
	return s, nil
}

// IsECDSA reports whether name is the threshold-ECDSA scheme.
func IsECDSA(name string) bool { return name == ECDSA }

// Check returns an error naming the known schemes unless name is one.
func Check(name string) error {
	if IsECDSA(name) {
		return nil
	}
	if _, err := FrostSuite(name); err != nil {
		return fmt.Errorf("scheme: unknown scheme %q (one of %s)", name, strings.Join(Names(), ", "))
	}
	return nil
}

// FrostName is the scheme name of a FROST suite.
func FrostName(s *frost.Suite) string { return frostPrefix + s.Name }

// Names lists every scheme the platform can create keys for.
func Names() []string {
	out := make([]string, 0, len(frost.Suites)+1)
	for _, s := range frost.Suites {
		out = append(out, FrostName(s))
	}
	return append(out, ECDSA)
}

// SignProtocol is the envelope protocol name of a FROST signing session.
func SignProtocol(s *frost.Suite) string { return "frost-sign/" + s.Name + "/v1" }
