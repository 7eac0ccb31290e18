package envelope

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func newID(t testing.TB) *Identity {
	t.Helper()
	id, err := NewIdentity(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testHeader(recipient uint16) Header {
	h := Header{Protocol: "frost-ed25519/sign", Round: 2, Sender: 1, Recipient: recipient, Kind: 7}
	copy(h.Session[:], bytes.Repeat([]byte{0xA5}, SessionSize))
	return h
}

func pub(id *Identity) *PublicIdentity { p := id.Public(); return &p }

func TestSealOpenRoundTrip(t *testing.T) {
	alice, bob := newID(t), newID(t)
	for _, tc := range []struct {
		name    string
		hdr     Header
		to      *PublicIdentity
		payload []byte
	}{
		{"a broadcast travels signed and in the clear", testHeader(0), nil, []byte("commitments")},
		{"an empty broadcast", testHeader(0), nil, nil},
		{"a point-to-point payload is sealed", testHeader(2), pub(bob), []byte("share for bob")},
		{"an empty point-to-point payload", testHeader(2), pub(bob), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Seal(alice, tc.to, tc.hdr, tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.hdr.Broadcast() && bytes.Contains(env.Payload, tc.payload) && len(tc.payload) > 0 {
				t.Fatal("point-to-point payload visible on the wire")
			}
			wire := env.Marshal()
			parsed, err := Parse(wire)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(parsed.Marshal(), wire) {
				t.Fatal("parse→marshal changed bytes")
			}
			got, err := Open(parsed, alice.Public(), bob)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.payload) {
				t.Fatalf("payload = %q, want %q", got, tc.payload)
			}
		})
	}
}

func TestTamperedFieldsAreRejected(t *testing.T) {
	alice, bob := newID(t), newID(t)
	for _, recipient := range []uint16{0, 2} {
		var to *PublicIdentity
		if recipient != 0 {
			to = pub(bob)
		}
		orig, err := Seal(alice, to, testHeader(recipient), []byte("payload bytes"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			mutate func(e *Envelope)
		}{
			{"session", func(e *Envelope) { e.Session[31] ^= 1 }},
			{"protocol", func(e *Envelope) { e.Protocol = "frost-ed25519/dkg" }},
			{"round", func(e *Envelope) { e.Round++ }},
			{"sender", func(e *Envelope) { e.Sender = 3 }},
			{"recipient", func(e *Envelope) { e.Recipient = 4 }},
			{"kind", func(e *Envelope) { e.Kind ^= 1 }},
			{"version", func(e *Envelope) { e.Version = 2 }},
			{"payload first byte", func(e *Envelope) { e.Payload[0] ^= 1 }},
			{"payload last byte", func(e *Envelope) { e.Payload[len(e.Payload)-1] ^= 1 }},
			{"payload length", func(e *Envelope) { e.Payload = e.Payload[:len(e.Payload)-1] }},
			{"signature", func(e *Envelope) { e.Signature[10] ^= 1 }},
		} {
			t.Run(fmt.Sprintf("recipient %d: changing the %s is rejected", recipient, tc.name), func(t *testing.T) {
				e, _ := Parse(orig.Marshal())
				tc.mutate(e)
				if _, err := Open(e, alice.Public(), bob); err == nil {
					t.Fatal("tampered envelope opened")
				}
			})
		}
		t.Run(fmt.Sprintf("recipient %d: every flipped wire byte is rejected", recipient), func(t *testing.T) {
			wire := orig.Marshal()
			for i := range wire {
				bad := bytes.Clone(wire)
				bad[i] ^= 0x80
				e, err := Parse(bad)
				if err != nil {
					continue
				}
				if _, err := Open(e, alice.Public(), bob); err == nil {
					t.Fatalf("byte %d flipped: opened", i)
				}
			}
		})
	}
}

func TestPointToPointConfidentiality(t *testing.T) {
	alice, bob, carol := newID(t), newID(t), newID(t)
	env, err := Seal(alice, pub(bob), testHeader(2), []byte("for bob only"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("another node cannot open it", func(t *testing.T) {
		if _, err := Open(env, alice.Public(), carol); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("carol opened bob's envelope: %v", err)
		}
	})
	t.Run("a broadcast-only caller cannot open it", func(t *testing.T) {
		if _, err := Open(env, alice.Public(), nil); err == nil {
			t.Fatal("opened without an identity")
		}
	})
	t.Run("the wrong sender key fails the signature", func(t *testing.T) {
		if _, err := Open(env, carol.Public(), bob); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("got %v", err)
		}
	})
	// A malicious node re-signs the ciphertext under its own name, or for
	// another session or recipient: the signature is valid, but the HPKE
	// associated data no longer matches.
	for _, tc := range []struct {
		name   string
		mutate func(h *Header)
	}{
		{"re-signed as another sender", func(h *Header) { h.Sender = 3 }},
		{"re-signed into another session", func(h *Header) { h.Session[0] ^= 1 }},
		{"re-signed for another round", func(h *Header) { h.Round = 3 }},
		{"re-signed under another protocol", func(h *Header) { h.Protocol = "cggmp/sign" }},
		{"re-signed with another kind", func(h *Header) { h.Kind = 8 }},
	} {
		t.Run(tc.name+" does not decrypt", func(t *testing.T) {
			forged := &Envelope{Version: Version, Header: env.Header, Payload: bytes.Clone(env.Payload)}
			tc.mutate(&forged.Header)
			copy(forged.Signature[:], ed25519.Sign(carol.sign, forged.signedMessage()))
			if _, err := Open(forged, carol.Public(), bob); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("got %v, want ErrDecrypt", err)
			}
		})
	}
	t.Run("re-targeted to another recipient does not decrypt", func(t *testing.T) {
		forged := &Envelope{Version: Version, Header: env.Header, Payload: bytes.Clone(env.Payload)}
		forged.Recipient = 4
		copy(forged.Signature[:], ed25519.Sign(alice.sign, forged.signedMessage())) // even with alice's own key
		if _, err := Open(forged, alice.Public(), carol); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("got %v, want ErrDecrypt", err)
		}
	})
}

func TestSealRefusesBadInput(t *testing.T) {
	alice, bob := newID(t), newID(t)
	bad := func(mut func(*Header)) Header { h := testHeader(0); mut(&h); return h }
	for _, tc := range []struct {
		name    string
		hdr     Header
		to      *PublicIdentity
		payload []byte
	}{
		{"a zero sender", bad(func(h *Header) { h.Sender = 0 }), nil, nil},
		{"a recipient equal to the sender", bad(func(h *Header) { h.Recipient = 1 }), pub(bob), nil},
		{"an empty protocol", bad(func(h *Header) { h.Protocol = "" }), nil, nil},
		{"a long protocol", bad(func(h *Header) { h.Protocol = strings.Repeat("a", MaxProtocolLen+1) }), nil, nil},
		{"a protocol with capitals", bad(func(h *Header) { h.Protocol = "FROST" }), nil, nil},
		{"a protocol with a NUL", bad(func(h *Header) { h.Protocol = "frost\x00" }), nil, nil},
		{"a broadcast with a recipient key", testHeader(0), pub(bob), nil},
		{"a point-to-point without a recipient key", testHeader(2), nil, nil},
		{"a point-to-point with a zero key", testHeader(2), &PublicIdentity{}, nil},
		{"an oversized broadcast", testHeader(0), nil, make([]byte, MaxPayload+1)},
		{"an oversized point-to-point", testHeader(2), pub(bob), make([]byte, MaxPlaintext+1)},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			if _, err := Seal(alice, tc.to, tc.hdr, tc.payload); err == nil {
				t.Fatal("sealed")
			}
		})
	}
	t.Run("accepts the largest payloads", func(t *testing.T) {
		if _, err := Seal(alice, nil, testHeader(0), make([]byte, MaxPayload)); err != nil {
			t.Fatal(err)
		}
		e, err := Seal(alice, pub(bob), testHeader(2), make([]byte, MaxPlaintext))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(e.Marshal()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseRejectsMalformed(t *testing.T) {
	alice, bob := newID(t), newID(t)
	env, _ := Seal(alice, pub(bob), testHeader(2), []byte("x"))
	wire := env.Marshal()
	protoOff := 1 + SessionSize
	fieldsOff := protoOff + 1 + len(env.Protocol)
	set := func(off int, v ...byte) []byte { b := bytes.Clone(wire); copy(b[off:], v); return b }
	u16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty input", nil},
		{"version 0", set(0, 0)},
		{"version 2", set(0, 2)},
		{"a zero protocol length", set(protoOff, 0)},
		{"a protocol length over the bound", set(protoOff, MaxProtocolLen+1)},
		{"a protocol with a bad byte", set(protoOff+1, 'A')},
		{"a zero sender", set(fieldsOff+2, u16(0)...)},
		{"a recipient equal to the sender", set(fieldsOff+4, u16(1)...)},
		{"a payload length one too long", set(fieldsOff+7, u32(uint32(len(env.Payload)+1))...)},
		{"a payload length one too short", set(fieldsOff+7, u32(uint32(len(env.Payload)-1))...)},
		{"a payload length over the bound", set(fieldsOff+7, u32(MaxPayload+1)...)},
		{"a trailing byte", append(bytes.Clone(wire), 0)},
		{"an oversized frame", make([]byte, MaxSize+1)},
	} {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			if _, err := Parse(tc.b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	t.Run("rejects every truncation", func(t *testing.T) {
		for n := range len(wire) {
			if _, err := Parse(wire[:n]); err == nil {
				t.Fatalf("accepted %d of %d bytes", n, len(wire))
			}
		}
	})
	t.Run("rejects a point-to-point payload shorter than the HPKE overhead", func(t *testing.T) {
		e := &Envelope{Version: Version, Header: testHeader(2), Payload: make([]byte, hpkeOverhead-1)}
		if _, err := Parse(e.Marshal()); !errors.Is(err, ErrMalformed) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestIdentityEncoding(t *testing.T) {
	id := newID(t)
	again, err := ParseIdentity(id.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !again.Public().Equal(id.Public()) {
		t.Fatal("identity did not round-trip")
	}
	p, err := ParsePublicIdentity(id.Public().Marshal())
	if err != nil || !p.Equal(id.Public()) {
		t.Fatalf("public identity did not round-trip: %v", err)
	}
	t.Run("a deterministic reader gives a deterministic identity", func(t *testing.T) {
		a, _ := NewIdentity(bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
		b, _ := NewIdentity(bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
		if !a.Public().Equal(b.Public()) {
			t.Fatal("differ")
		}
		if _, err := NewIdentity(bytes.NewReader(make([]byte, 10))); err == nil {
			t.Fatal("short reader accepted")
		}
	})
	good := id.Public().Marshal()
	ed := func(v []byte) []byte { b := bytes.Clone(good); copy(b[1:33], v); return b }
	x := func(v []byte) []byte { b := bytes.Clone(good); copy(b[33:], v); return b }
	edIdentity := append([]byte{1}, make([]byte, 31)...)
	x25519One := append([]byte{1}, make([]byte, 31)...)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"a short encoding", good[:PublicIdentitySize-1]},
		{"a long encoding", append(bytes.Clone(good), 0)},
		{"an unknown version", append([]byte{2}, good[1:]...)},
		{"the Ed25519 identity point", ed(edIdentity)},
		{"a non-canonical Ed25519 encoding", ed(bytes.Repeat([]byte{0xff}, 32))},
		{"the all-zero X25519 key", x(make([]byte, 32))},
		{"the low-order X25519 point 1", x(x25519One)},
	} {
		t.Run("public identity rejects "+tc.name, func(t *testing.T) {
			if _, err := ParsePublicIdentity(tc.b); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	for _, b := range [][]byte{nil, id.Marshal()[:IdentitySize-1], append([]byte{2}, id.Marshal()[1:]...)} {
		if _, err := ParseIdentity(b); err == nil {
			t.Errorf("ParseIdentity(%d bytes) accepted", len(b))
		}
	}
}

func TestIdentityRedactsAndDestroys(t *testing.T) {
	id := newID(t)
	secret := id.Marshal()
	seedHex := fmt.Sprintf("%x", secret[1:33])
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		for _, v := range []any{id, *id, struct{ I *Identity }{id}} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, seedHex[:16]) || strings.Contains(out, string(secret[1:9])) {
				t.Errorf("%s of %T leaks the key: %s", verb, v, out)
			}
		}
	}
	sign, x := id.sign, id.x25519
	id.Destroy()
	if !bytes.Equal(sign, make([]byte, len(sign))) || !bytes.Equal(x, make([]byte, len(x))) {
		t.Fatal("Destroy did not wipe")
	}
	if _, err := Seal(id, nil, testHeader(0), nil); err == nil {
		t.Fatal("destroyed identity still seals")
	}
}

func benchmarkSealOpen(b *testing.B, recipient uint16) {
	alice, bob := newID(b), newID(b)
	var to *PublicIdentity
	if recipient != 0 {
		to = pub(bob)
	}
	from := alice.Public()
	payload := make([]byte, 1024)
	hdr := testHeader(recipient)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		env, err := Seal(alice, to, hdr, payload)
		if err != nil {
			b.Fatal(err)
		}
		wire := env.Marshal()
		parsed, err := Parse(wire)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Open(parsed, from, bob); err != nil {
			b.Fatal(err)
		}
	}
	env, _ := Seal(alice, to, hdr, payload)
	b.ReportMetric(float64(len(env.Marshal())), "wire-bytes")
}

// BenchmarkSealOpenP2P: sign + HPKE seal, marshal, parse, verify + HPKE open
// of a 1 KiB point-to-point payload.
func BenchmarkSealOpenP2P(b *testing.B) { benchmarkSealOpen(b, 2) }

// BenchmarkSealOpenBroadcast: sign, marshal, parse, verify of a 1 KiB
// broadcast.
func BenchmarkSealOpenBroadcast(b *testing.B) { benchmarkSealOpen(b, 0) }
