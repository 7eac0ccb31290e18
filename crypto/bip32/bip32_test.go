package bip32_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/custos-mpc/custos/crypto/bip32"
	"github.com/custos-mpc/custos/crypto/group"
)

// fromExtended returns the public key and chain code of a parsed extended key.
func fromExtended(t *testing.T, k *hdkeychain.ExtendedKey) (group.Element, [32]byte) {
	t.Helper()
	pk, err := k.ECPubKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := group.Secp256k1.ParseElement(pk.SerializeCompressed())
	if err != nil {
		t.Fatal(err)
	}
	var cc [32]byte
	copy(cc[:], k.ChainCode())
	return pub, cc
}

func parseXpub(t *testing.T, s string) (group.Element, [32]byte) {
	t.Helper()
	k, err := hdkeychain.NewKeyFromString(s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return fromExtended(t, k)
}

// The public derivations of the BIP32 test vectors, each from the nearest
// extended public key above it (hardened steps are the private holder's).
func TestBIP32Vectors(t *testing.T) {
	tests := []struct {
		name   string
		parent string // an xpub from the vector
		path   string
		want   string // the xpub at parent/path
		// master is true when parent is the vector's master key, so the
		// whole serialization (depth, fingerprint, child number) can be
		// compared, not only the key and chain code.
		master bool
	}{
		{"vector 1 master serializes as itself", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
			"m", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", true},
		{"vector 1 m/0H/1 from m/0H", "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
			"m/1", "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ", false},
		{"vector 1 m/0H/1/2H/2 from m/0H/1/2H", "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
			"m/2", "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV", false},
		{"vector 1 m/0H/1/2H/2/1000000000 from m/0H/1/2H", "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
			"m/2/1000000000", "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy", false},
		{"vector 2 master serializes as itself", "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
			"", "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB", true},
		{"vector 2 m/0 from the master", "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
			"m/0", "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH", true},
		{"vector 2 m/0/2147483647H/1 from m/0/2147483647H", "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a",
			"1", "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon", false},
		{"vector 2 m/0/2147483647H/1/2147483646H/2 from m/0/2147483647H/1/2147483646H", "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
			"m/2", "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, cc := parseXpub(t, tt.parent)
			path, err := bip32.ParsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			_, child, chain, err := bip32.Derive(pub, cc, path)
			if err != nil {
				t.Fatal(err)
			}
			wantPub, wantChain := parseXpub(t, tt.want)
			if !child.Equal(wantPub) {
				t.Errorf("child key %x, want %x", child.Bytes(), wantPub.Bytes())
			}
			if chain != wantChain {
				t.Errorf("chain code %x, want %x", chain, wantChain)
			}
			if tt.master {
				got, err := bip32.Xpub(pub, cc, path)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("Xpub = %s, want %s", got, tt.want)
				}
			}
		})
	}
}

// Random masters and random non-hardened paths agree with btcd's
// hdkeychain, both its public derivation from the neutered master and its
// private derivation: (x + τ)·G is the child key.
func TestAgreesWithHDKeychain(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	n := 40
	if testing.Short() {
		n = 8
	}
	for i := range n {
		seed := make([]byte, 32)
		rand.Read(seed)
		xprv, err := hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
		if err != nil {
			t.Fatal(err)
		}
		xpub, err := xprv.Neuter()
		if err != nil {
			t.Fatal(err)
		}
		pub, cc := fromExtended(t, xpub)
		path := make([]uint32, rng.IntN(6))
		for j := range path {
			if rng.IntN(2) == 0 {
				path[j] = rng.Uint32N(bip32.HardenedOffset)
			} else {
				path[j] = rng.Uint32N(8) // small indices, as wallets use
			}
		}
		t.Run(fmt.Sprintf("master %d at %s", i, bip32.FormatPath(path)), func(t *testing.T) {
			wantPub, wantPriv := xpub, xprv
			for _, idx := range path {
				if wantPub, err = wantPub.Derive(idx); err != nil {
					t.Fatal(err)
				}
				if wantPriv, err = wantPriv.Derive(idx); err != nil {
					t.Fatal(err)
				}
			}
			tweak, child, chain, err := bip32.Derive(pub, cc, path)
			if err != nil {
				t.Fatal(err)
			}
			wp, wc := fromExtended(t, wantPub)
			if !child.Equal(wp) || chain != wc {
				t.Fatalf("child (%x, %x), want (%x, %x)", child.Bytes(), chain, wp.Bytes(), wc)
			}
			got, err := bip32.Xpub(pub, cc, path)
			if err != nil {
				t.Fatal(err)
			}
			if got != wantPub.String() {
				t.Errorf("Xpub = %s, want %s", got, wantPub.String())
			}

			// The tweak: x + τ is the child private key.
			mk, _ := xprv.ECPrivKey()
			xb := mk.Key.Bytes()
			x, err := group.Secp256k1.ParseScalar(xb[:])
			if err != nil {
				t.Fatal(err)
			}
			ck, _ := wantPriv.ECPrivKey()
			cx := ck.Key.Bytes()
			xt := group.Secp256k1.NewScalar().Add(x, tweak)
			if !bytes.Equal(xt.Bytes(), cx[:]) {
				t.Errorf("x + τ is not the child private key")
			}
			if !group.Secp256k1.NewElement().ScalarBaseMult(xt).Equal(child) {
				t.Errorf("(x + τ)·G is not the child key")
			}
		})
	}
}

func TestDeriveRoot(t *testing.T) {
	pub, cc := parseXpub(t, "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8")
	tweak, child, chain, err := bip32.Derive(pub, cc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !tweak.IsZero() || !child.Equal(pub) || chain != cc {
		t.Error("the empty path is not the identity derivation")
	}
}

func TestDeriveRefuses(t *testing.T) {
	pub, cc := parseXpub(t, "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB")
	edPub := group.Edwards25519.Generator()
	tests := []struct {
		name string
		pub  group.Element
		path []uint32
		want string
	}{
		{"a hardened first index is refused", pub, []uint32{bip32.HardenedOffset}, "hardened index 0' at depth 1"},
		{"a hardened index deep in the path is refused", pub, []uint32{0, 1, bip32.HardenedOffset + 44}, "hardened index 44' at depth 3"},
		{"the largest index is hardened", pub, []uint32{^uint32(0)}, "hardened index 2147483647'"},
		{"a path deeper than 255 is refused", pub, make([]uint32, 256), "at most 255"},
		{"the identity key is refused", group.Secp256k1.NewElement(), nil, "identity"},
		{"a key of another group is refused", edPub, nil, "not a secp256k1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := bip32.Derive(tt.pub, cc, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Derive error %v, want one containing %q", err, tt.want)
			}
			if _, err := bip32.Xpub(tt.pub, cc, tt.path); err == nil {
				t.Fatal("Xpub accepted what Derive refused")
			}
		})
	}
	t.Run("a path of 255 levels is accepted", func(t *testing.T) {
		if _, _, _, err := bip32.Derive(pub, cc, make([]uint32, 255)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestXpubFields(t *testing.T) {
	pub, cc := parseXpub(t, "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB")
	path := []uint32{0, 7, 1 << 30}
	s, err := bip32.Xpub(pub, cc, path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := hdkeychain.NewKeyFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	if k.IsPrivate() || k.Depth() != 3 || k.ChildIndex() != 1<<30 || !bytes.Equal(k.Version(), []byte{0x04, 0x88, 0xb2, 0x1e}) {
		t.Errorf("xpub fields: private %v depth %d child %d version %x", k.IsPrivate(), k.Depth(), k.ChildIndex(), k.Version())
	}
	_, parent, _, err := bip32.Derive(pub, cc, path[:2])
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := parseXpub(t, s)
	_, child, _, _ := bip32.Derive(pub, cc, path)
	if !pk.Equal(child) {
		t.Error("xpub key is not the derived child")
	}
	// hdkeychain computes the fingerprint the same way from the parent.
	pp, _ := hdkeychain.NewKeyFromString(mustXpub(t, pub, cc, path[:2]))
	c, err := pp.Derive(1 << 30)
	if err != nil {
		t.Fatal(err)
	}
	if k.ParentFingerprint() != c.ParentFingerprint() {
		t.Errorf("parent fingerprint %08x, want %08x (parent %x)", k.ParentFingerprint(), c.ParentFingerprint(), parent.Bytes())
	}
}

func mustXpub(t *testing.T, pub group.Element, cc [32]byte, path []uint32) string {
	t.Helper()
	s, err := bip32.Xpub(pub, cc, path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestErrInvalidChildMatchesChildError(t *testing.T) {
	var err error = &bip32.ChildError{Depth: 2, Index: 9}
	if !errors.Is(err, bip32.ErrInvalidChild) {
		t.Error("ChildError does not match ErrInvalidChild")
	}
	if !strings.Contains(err.Error(), "index 9") {
		t.Errorf("error %q does not name the index", err)
	}
}

func ExampleDerive() {
	// The group public key and chain code agreed at key generation; here,
	// the BIP32 test vector 2 master.
	k, _ := hdkeychain.NewKeyFromString("xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB")
	pk, _ := k.ECPubKey()
	pub, _ := group.Secp256k1.ParseElement(pk.SerializeCompressed())
	var cc [32]byte
	copy(cc[:], k.ChainCode())

	path, _ := bip32.ParsePath("m/0")
	tweak, child, _, _ := bip32.Derive(pub, cc, path)
	// The signers add tweak to their shares (the Lagrange coefficients of
	// any quorum sum to one), and the signature verifies under child.
	_ = tweak
	fmt.Println(hex.EncodeToString(child.Bytes()))
	xpub, _ := bip32.Xpub(pub, cc, path)
	fmt.Println(xpub)
	// Output:
	// 02fc9e5af0ac8d9b3cecfe2a888e2117ba3d089d8585886c9c826b6b22a98d12ea
	// xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH
}
