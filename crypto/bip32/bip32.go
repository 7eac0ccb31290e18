// Package bip32 derives non-hardened BIP32 child keys from a public key and
// chain code alone (BIP32, "Public parent key → public child key", CKDpub).
//
// A threshold key's private key x never exists in one place, so the only
// derivation custos can offer is the public one: Derive returns the child
// public key X + τ·G, its chain code, and the additive tweak τ that each
// signing party applies to its share (the child private key would be
// x + τ). Hardened indices (≥ 2^31) need x itself and are refused.
//
// (pub, chainCode) is treated as a BIP32 master key: depth 0, parent
// fingerprint and child number zero. Xpub serializes the extended public
// key at a path below it.
//
// # Security
//
// The tweak τ is computable by anyone who holds the extended public key; it
// is not a secret. Like every non-hardened BIP32 tree, a child private key
// together with the parent extended public key reveals the parent private
// key, so a derived key must never be exported.
package bip32

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/base58"
	"golang.org/x/crypto/ripemd160" //lint:ignore SA1019 BIP32 fingerprints are RIPEMD-160 of SHA-256

	"github.com/custos-mpc/custos/crypto/group"
)

// HardenedOffset is the first hardened index (2^31).
const HardenedOffset uint32 = 1 << 31

// MaxDepth is the deepest path BIP32 can serialize: depth is one byte.
const MaxDepth = 255

// XpubVersion is the mainnet extended-public-key version (BIP32
// "Serialization format": 0x0488B21E, "xpub").
const XpubVersion uint32 = 0x0488B21E

// ErrInvalidChild reports an index whose child key is invalid: I_L ≥ n or
// the child point is the identity. BIP32 says to proceed with the next
// index; the caller decides. errors.As with *ChildError tells which index.
var ErrInvalidChild = errors.New("bip32: invalid child key")

// ChildError names the index at which derivation hit an invalid child. It
// matches ErrInvalidChild under errors.Is.
type ChildError struct {
	Depth int    // BIP32 depth of the invalid child: 1 for the path's first index
	Index uint32 // the index that gave the invalid child
}

func (e *ChildError) Error() string {
	return fmt.Sprintf("bip32: invalid child key at index %d (depth %d): use another index", e.Index, e.Depth)
}

// Is makes errors.Is(err, ErrInvalidChild) true.
func (e *ChildError) Is(target error) bool { return target == ErrInvalidChild }

// Derive walks a non-hardened path from (pub, chainCode) and returns the
// accumulated additive tweak τ (the child private key would be x + τ), the
// child public key X + τ·G and the child chain code. An empty path returns
// τ = 0, a copy of pub and chainCode.
//
// Any hardened index (≥ 2^31) is refused before anything is computed. An
// index whose I_L ≥ n or whose child is the identity returns a *ChildError
// (errors.Is ErrInvalidChild).
func Derive(pub group.Element, chainCode [32]byte, path []uint32) (tweak group.Scalar, child group.Element, childChain [32]byte, err error) {
	d, err := derive(pub, chainCode, path)
	if err != nil {
		return nil, nil, [32]byte{}, err
	}
	return d.tweak, d.child, d.chain, nil
}

type derivation struct {
	tweak  group.Scalar
	child  group.Element
	chain  [32]byte
	parent group.Element // the key one level up; nil for the root
}

func checkPath(path []uint32) error {
	if len(path) > MaxDepth {
		return fmt.Errorf("bip32: path has %d levels, at most %d", len(path), MaxDepth)
	}
	for i, idx := range path {
		if idx >= HardenedOffset {
			return fmt.Errorf("bip32: hardened index %d' at depth %d: a threshold key can derive only non-hardened children", idx-HardenedOffset, i+1)
		}
	}
	return nil
}

func derive(pub group.Element, chainCode [32]byte, path []uint32) (*derivation, error) {
	if pub == nil || pub.Group().Name() != group.Secp256k1.Name() {
		return nil, errors.New("bip32: public key is not a secp256k1 element")
	}
	if pub.IsIdentity() {
		return nil, errors.New("bip32: public key is the identity")
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	g := group.Secp256k1
	d := &derivation{
		tweak: g.NewScalar(),
		child: g.NewElement().Set(pub),
		chain: chainCode,
	}
	var data [33 + 4]byte
	for depth, idx := range path {
		// BIP32 CKDpub: I = HMAC-SHA512(Key = c_par, Data = serP(K_par) || ser32(i)).
		copy(data[:33], d.child.Bytes())
		binary.BigEndian.PutUint32(data[33:], idx)
		mac := hmac.New(sha512.New, d.chain[:])
		mac.Write(data[:])
		I := mac.Sum(nil)
		il, next, err := childKey(d.child, I[:32], depth+1, idx)
		if err != nil {
			return nil, err
		}
		d.parent = d.child
		d.child = next
		d.tweak.Add(d.tweak, il)
		copy(d.chain[:], I[32:]) // c_i = I_R
	}
	return d, nil
}

// childKey is the rest of CKDpub given I_L: it returns parse256(I_L) and
// K_i = point(parse256(I_L)) + K_par, or a *ChildError if I_L ≥ n or K_i is
// the identity.
func childKey(parent group.Element, iL []byte, depth int, idx uint32) (group.Scalar, group.Element, error) {
	g := group.Secp256k1
	il, err := g.ParseScalar(iL)
	if err != nil {
		return nil, nil, &ChildError{Depth: depth, Index: idx}
	}
	k := g.NewElement().ScalarBaseMult(il)
	k.Add(k, parent)
	if k.IsIdentity() {
		return nil, nil, &ChildError{Depth: depth, Index: idx}
	}
	return il, k, nil
}

// Xpub serializes the extended public key at path below (pub, chainCode),
// taken as the depth-0 master (BIP32 "Serialization format"): mainnet
// version 0x0488B21E, depth, parent fingerprint, child number, chain code
// and compressed key, as base58check.
func Xpub(pub group.Element, chainCode [32]byte, path []uint32) (string, error) {
	d, err := derive(pub, chainCode, path)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 0, 78+4)
	buf = binary.BigEndian.AppendUint32(buf, XpubVersion)
	buf = append(buf, byte(len(path)))
	if d.parent != nil {
		buf = append(buf, fingerprint(d.parent)...)
		buf = binary.BigEndian.AppendUint32(buf, path[len(path)-1])
	} else {
		buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0) // master: no parent, child number 0
	}
	buf = append(buf, d.chain[:]...)
	buf = append(buf, d.child.Bytes()...)
	sum := sha256.Sum256(buf)
	sum = sha256.Sum256(sum[:])
	buf = append(buf, sum[:4]...)
	return base58.Encode(buf), nil
}

// fingerprint is the first 32 bits of HASH160(serP(K)) (BIP32 "Key
// identifiers").
func fingerprint(k group.Element) []byte {
	s := sha256.Sum256(k.Bytes())
	h := ripemd160.New()
	h.Write(s[:])
	return h.Sum(nil)[:4]
}
