package frost

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"fmt"

	"github.com/cloudflare/circl/expander"

	"github.com/custos-mpc/custos/crypto/group"
)

// Suite is a FROST ciphersuite: a prime-order group and the hash functions
// H1..H5 of RFC 9591 Section 6, plus the signature format.
type Suite struct {
	// Name is the short name used on the command line and in storage:
	// ed25519, ristretto255, ed448, p256, secp256k1, bip340.
	Name string
	// ID is the RFC 9591 ciphersuite identifier (the context string).
	ID    string
	Group group.Group

	h1, h2, h3 func(m ...[]byte) group.Scalar
	h4, h5     func(m ...[]byte) []byte
	// hdkg is the DKG proof-of-possession challenge hash (label "dkg"),
	// which RFC 9591 leaves to the key generation method.
	hdkg func(m ...[]byte) group.Scalar
	// code is the suite's byte in versioned encodings.
	code byte

	// taproot marks the BIP340 variant (see bip340.go).
	taproot bool
}

// The ciphersuites of RFC 9591 Section 6 and the BIP340 variant.
var (
	// Ed25519 is FROST(Ed25519, SHA-512), RFC 9591 Section 6.1. Its
	// signatures verify with crypto/ed25519.
	Ed25519 = newSHA512Suite("ed25519", "FROST-ED25519-SHA512-v1", group.Edwards25519, true)
	// Ristretto255 is FROST(ristretto255, SHA-512), RFC 9591 Section 6.2.
	Ristretto255 = newSHA512Suite("ristretto255", "FROST-RISTRETTO255-SHA512-v1", group.Ristretto255, false)
	// Ed448 is FROST(Ed448, SHAKE256), RFC 9591 Section 6.3. Its
	// signatures verify as RFC 8032 Ed448 signatures with an empty context.
	Ed448 = newEd448Suite()
	// P256 is FROST(P-256, SHA-256), RFC 9591 Section 6.4.
	P256 = newXMDSuite("p256", "FROST-P256-SHA256-v1", group.P256)
	// Secp256k1 is FROST(secp256k1, SHA-256), RFC 9591 Section 6.5.
	Secp256k1 = newXMDSuite("secp256k1", "FROST-secp256k1-SHA256-v1", group.Secp256k1)
	// BIP340 is FROST over secp256k1 producing BIP340 Schnorr signatures
	// under a BIP341-tweaked x-only key (see bip340.go).
	BIP340 = newBIP340Suite()
)

// Suites lists every ciphersuite; a suite's code is its position plus one.
var Suites = []*Suite{Ed25519, Ristretto255, Ed448, P256, Secp256k1, BIP340}

func init() {
	for i, s := range Suites {
		s.code = byte(i + 1)
	}
}

func suiteByCode(c byte) (*Suite, error) {
	if c == 0 || int(c) > len(Suites) {
		return nil, fmt.Errorf("frost: unknown ciphersuite code %d", c)
	}
	return Suites[c-1], nil
}

// SuiteByName returns the suite with the given short name.
func SuiteByName(name string) (*Suite, error) {
	for _, s := range Suites {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("frost: unknown ciphersuite %q", name)
}

func (s *Suite) String() string { return s.Name }

func concat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func wideScalar(g group.Group, b []byte) group.Scalar {
	s, err := g.NewScalar().SetUniformBytes(b)
	if err != nil {
		panic("frost: hash output has the wrong length for " + g.Name()) // a suite definition bug
	}
	return s
}

// newSHA512Suite builds the SHA-512 suites (RFC 9591 Sections 6.1, 6.2).
// For Ed25519, H2 has no context string so that signatures are RFC 8032
// signatures.
func newSHA512Suite(name, id string, g group.Group, ed25519Compat bool) *Suite {
	ctx := []byte(id)
	hashTo := func(label string) func(m ...[]byte) group.Scalar {
		return func(m ...[]byte) group.Scalar {
			h := sha512.New()
			if label != "" {
				h.Write(ctx)
				h.Write([]byte(label))
			}
			for _, p := range m {
				h.Write(p)
			}
			return wideScalar(g, h.Sum(nil))
		}
	}
	digest := func(label string) func(m ...[]byte) []byte {
		return func(m ...[]byte) []byte {
			h := sha512.New()
			h.Write(ctx)
			h.Write([]byte(label))
			for _, p := range m {
				h.Write(p)
			}
			return h.Sum(nil)
		}
	}
	chal := "chal"
	if ed25519Compat {
		chal = ""
	}
	return &Suite{Name: name, ID: id, Group: g,
		h1: hashTo("rho"), h2: hashTo(chal), h3: hashTo("nonce"),
		h4: digest("msg"), h5: digest("com"), hdkg: hashTo("dkg")}
}

// newEd448Suite builds FROST(Ed448, SHAKE256), RFC 9591 Section 6.3. H2
// prefixes dom4(0, "") = "SigEd448" || 0x00 || 0x00 so that signatures are
// RFC 8032 Ed448 signatures.
func newEd448Suite() *Suite {
	g := group.Edwards448
	id := "FROST-ED448-SHAKE256-v1"
	shake := func(prefix []byte, m ...[]byte) []byte {
		h := sha3.NewSHAKE256()
		h.Write(prefix)
		for _, p := range m {
			h.Write(p)
		}
		out := make([]byte, 114)
		h.Read(out)
		return out
	}
	ctxLabel := func(label string) []byte { return []byte(id + label) }
	return &Suite{Name: "ed448", ID: id, Group: g,
		h1:   func(m ...[]byte) group.Scalar { return wideScalar(g, shake(ctxLabel("rho"), m...)) },
		h2:   func(m ...[]byte) group.Scalar { return wideScalar(g, shake([]byte("SigEd448\x00\x00"), m...)) },
		h3:   func(m ...[]byte) group.Scalar { return wideScalar(g, shake(ctxLabel("nonce"), m...)) },
		h4:   func(m ...[]byte) []byte { return shake(ctxLabel("msg"), m...) },
		h5:   func(m ...[]byte) []byte { return shake(ctxLabel("com"), m...) },
		hdkg: func(m ...[]byte) group.Scalar { return wideScalar(g, shake(ctxLabel("dkg"), m...)) },
	}
}

// newXMDSuite builds the SHA-256 suites over short-Weierstrass curves (RFC
// 9591 Sections 6.4, 6.5): H1..H3 are hash_to_field from RFC 9380 Section
// 5.2 with expand_message_xmd(SHA-256), L = 48, and DST = context || label.
func newXMDSuite(name, id string, g group.Group) *Suite {
	hashToField := func(label string) func(m ...[]byte) group.Scalar {
		dst := []byte(id + label)
		return func(m ...[]byte) group.Scalar {
			return wideScalar(g, expander.NewExpanderMD(crypto.SHA256, dst).Expand(concat(m...), 48))
		}
	}
	digest := func(label string) func(m ...[]byte) []byte {
		return func(m ...[]byte) []byte {
			h := sha256.New()
			h.Write([]byte(id + label))
			for _, p := range m {
				h.Write(p)
			}
			return h.Sum(nil)
		}
	}
	return &Suite{Name: name, ID: id, Group: g,
		h1: hashToField("rho"), h2: hashToField("chal"), h3: hashToField("nonce"),
		h4: digest("msg"), h5: digest("com"), hdkg: hashToField("dkg")}
}
