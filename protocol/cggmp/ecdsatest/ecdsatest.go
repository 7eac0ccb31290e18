// Package ecdsatest checks secp256k1 ECDSA signatures with two
// implementations other than custos's own: btcec's verifier and
// go-ethereum's public-key recovery. Tests of the threshold ECDSA engines
// pass every signature they produce through Verify (STYLE.md rule 9).
//
// It is a test helper: only _test.go files import it, so go-ethereum never
// reaches a custos binary.
package ecdsatest

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	btcecdsa "github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/ethereum/go-ethereum/crypto"
)

// Verify checks a secp256k1 ECDSA signature over digest: sig is r||s (32
// bytes each, big-endian) and recoveryID is Ethereum's v (0 or 1). It
// requires 0 < r, s < n and low S (s ≤ n/2, BIP62 / EIP-2), verification
// by btcec's ecdsa.Signature.Verify, and that go-ethereum's
// crypto.Ecrecover on digest and r||s||v recovers pub's Ethereum address.
// pub is the 33-byte compressed key.
func Verify(pub []byte, digest [32]byte, sig [64]byte, recoveryID byte) error {
	pk, err := parsePub(pub)
	if err != nil {
		return err
	}
	var r, s btcec.ModNScalar
	if overflow := r.SetByteSlice(sig[:32]); overflow || r.IsZero() {
		return errors.New("ecdsatest: r is zero or not below the group order")
	}
	if overflow := s.SetByteSlice(sig[32:]); overflow || s.IsZero() {
		return errors.New("ecdsatest: s is zero or not below the group order")
	}
	if s.IsOverHalfOrder() {
		return errors.New("ecdsatest: s is above n/2 (high-S signatures are malleable and rejected by Bitcoin and Ethereum)")
	}
	// Ethereum signatures carry only the parity of R's y (typed
	// transactions' y_parity; EIP-155 v encodes the same bit). Ids 2 and 3
	// (R.x ≥ n) occur with probability about 2^-128. go-ethereum's pure-Go
	// Ecrecover adds 27 to v and would read v = 4 as recovery id 0 with a
	// compressed-key flag, so the range is checked here.
	if recoveryID > 1 {
		return fmt.Errorf("ecdsatest: recovery id %d, want 0 or 1", recoveryID)
	}
	if !btcecdsa.NewSignature(&r, &s).Verify(digest[:], pk) {
		return errors.New("ecdsatest: btcec rejects the signature")
	}

	want, err := Address(pub)
	if err != nil {
		return err
	}
	rsv := make([]byte, 65)
	copy(rsv, sig[:])
	rsv[64] = recoveryID
	recovered, err := crypto.Ecrecover(digest[:], rsv)
	if err != nil {
		return fmt.Errorf("ecdsatest: go-ethereum Ecrecover: %w", err)
	}
	if len(recovered) != 65 || recovered[0] != 0x04 {
		return fmt.Errorf("ecdsatest: go-ethereum Ecrecover returned %d bytes, want an uncompressed key", len(recovered))
	}
	var got [20]byte
	copy(got[:], crypto.Keccak256(recovered[1:])[12:])
	if got != want {
		return fmt.Errorf("ecdsatest: go-ethereum Ecrecover gives address %x, want %x (wrong recovery id or signature)", got, want)
	}
	return nil
}

// Address returns the Ethereum address of a 33-byte compressed secp256k1
// key: the last 20 bytes of Keccak-256 of the uncompressed key without its
// 0x04 prefix, computed by go-ethereum.
func Address(pub []byte) ([20]byte, error) {
	if _, err := parsePub(pub); err != nil {
		return [20]byte{}, err
	}
	k, err := crypto.DecompressPubkey(pub)
	if err != nil {
		return [20]byte{}, fmt.Errorf("ecdsatest: go-ethereum rejects the public key: %w", err)
	}
	return crypto.PubkeyToAddress(*k), nil
}

// parsePub accepts only a 33-byte SEC1 compressed point on the curve.
func parsePub(pub []byte) (*btcec.PublicKey, error) {
	if len(pub) != 33 || (pub[0] != 0x02 && pub[0] != 0x03) {
		return nil, fmt.Errorf("ecdsatest: public key is %d bytes, want a 33-byte compressed key", len(pub))
	}
	pk, err := btcec.ParsePubKey(pub)
	if err != nil {
		return nil, fmt.Errorf("ecdsatest: btcec rejects the public key: %w", err)
	}
	if !bytes.Equal(pk.SerializeCompressed(), pub) {
		return nil, errors.New("ecdsatest: public key encoding is not canonical")
	}
	return pk, nil
}
