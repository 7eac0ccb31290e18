package scheme

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"
)

// ECDSAPublic is the public part of a threshold-ECDSA key that the nodes
// report at key generation and the coordinator records: the compressed
// group key and the BIP32 chain code of the root (public, needed to derive
// child public keys).
type ECDSAPublic struct {
	Key       [33]byte // SEC1 compressed
	ChainCode [32]byte
}

const ecdsaPublicVersion = 1

// Marshal encodes the public part: version, key, chain code.
func (p *ECDSAPublic) Marshal() []byte {
	out := make([]byte, 0, 1+33+32)
	out = append(out, ecdsaPublicVersion)
	out = append(out, p.Key[:]...)
	return append(out, p.ChainCode[:]...)
}

// ParseECDSAPublic decodes and validates (the key is a curve point) a
// public part.
func ParseECDSAPublic(b []byte) (*ECDSAPublic, error) {
	if len(b) != 1+33+32 || b[0] != ecdsaPublicVersion {
		return nil, errors.New("scheme: malformed ECDSA public key package")
	}
	if _, err := secp256k1.ParsePubKey(b[1:34]); err != nil {
		return nil, fmt.Errorf("scheme: ECDSA public key: %w", err)
	}
	p := &ECDSAPublic{}
	copy(p.Key[:], b[1:34])
	copy(p.ChainCode[:], b[34:])
	return p, nil
}

// EthereumAddress is the checksum-less hex Ethereum address of a
// compressed secp256k1 key: the last 20 bytes of Keccak-256 of X || Y.
func EthereumAddress(compressed []byte) (string, error) {
	pk, err := secp256k1.ParsePubKey(compressed)
	if err != nil {
		return "", fmt.Errorf("scheme: %w", err)
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(pk.SerializeUncompressed()[1:])
	return fmt.Sprintf("0x%x", h.Sum(nil)[12:]), nil
}

// MaxPathDepth bounds a BIP32 derivation path.
const MaxPathDepth = 16

// hardened is the first hardened BIP32 index; threshold keys derive only
// non-hardened children.
const hardened = 1 << 31

// CheckPath checks that a derivation path is non-hardened and not too deep.
func CheckPath(path []uint32) error {
	if len(path) > MaxPathDepth {
		return fmt.Errorf("scheme: derivation path deeper than %d", MaxPathDepth)
	}
	for _, i := range path {
		if i >= hardened {
			return errors.New("scheme: hardened derivation is impossible for a threshold key")
		}
	}
	return nil
}

// FormatPath writes a path as "m/0/1" ("m" for the root).
func FormatPath(path []uint32) string {
	s := "m"
	for _, i := range path {
		s += fmt.Sprintf("/%d", i)
	}
	return s
}

// PathKey encodes a path for use as a map key.
func PathKey(path []uint32) string {
	b := make([]byte, 0, 4*len(path))
	for _, i := range path {
		b = binary.BigEndian.AppendUint32(b, i)
	}
	return string(b)
}

// ParsePath reads "m", "m/0/1" (non-hardened indices only).
func ParsePath(s string) ([]uint32, error) {
	if s == "" || s == "m" {
		return nil, nil
	}
	if len(s) < 2 || s[:2] != "m/" {
		return nil, fmt.Errorf("scheme: path %q does not start with m/", s)
	}
	var out []uint32
	for _, part := range splitSlash(s[2:]) {
		var v uint64
		if part == "" || len(part) > 10 {
			return nil, fmt.Errorf("scheme: path %q: bad index %q", s, part)
		}
		for _, c := range []byte(part) {
			if c < '0' || c > '9' {
				return nil, fmt.Errorf("scheme: path %q: bad index %q (hardened indices are impossible for threshold keys)", s, part)
			}
			v = v*10 + uint64(c-'0')
		}
		if v >= hardened {
			return nil, fmt.Errorf("scheme: path %q: index %d is hardened", s, v)
		}
		out = append(out, uint32(v))
	}
	return out, CheckPath(out)
}

func splitSlash(s string) []string {
	var out []string
	for {
		i := 0
		for i < len(s) && s[i] != '/' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			return out
		}
		s = s[i+1:]
	}
}

// VerifyECDSA checks a secp256k1 signature the way Bitcoin and Ethereum
// do: r || s with 0 < r, s < n and low S, valid under the compressed key
// pub for the 32-byte digest, and recid recovers pub.
func VerifyECDSA(pub []byte, digest, sig []byte, recid int) error {
	if len(sig) != 64 || len(digest) != 32 || recid < 0 || recid > 3 {
		return errors.New("scheme: malformed ECDSA signature")
	}
	pk, err := secp256k1.ParsePubKey(pub)
	if err != nil {
		return fmt.Errorf("scheme: %w", err)
	}
	var r, s secp256k1.ModNScalar
	if r.SetByteSlice(sig[:32]) || r.IsZero() || s.SetByteSlice(sig[32:]) || s.IsZero() {
		return errors.New("scheme: ECDSA r or s out of range")
	}
	if s.IsOverHalfOrder() {
		return errors.New("scheme: ECDSA signature with a high S")
	}
	if !ecdsa.NewSignature(&r, &s).Verify(digest, pk) {
		return errors.New("scheme: ECDSA signature does not verify")
	}
	compact := make([]byte, 65)
	compact[0] = byte(27 + 4 + recid)
	copy(compact[1:], sig)
	rec, _, err := ecdsa.RecoverCompact(compact, digest)
	if err != nil || !rec.IsEqual(pk) {
		return errors.New("scheme: wrong ECDSA recovery id")
	}
	return nil
}
