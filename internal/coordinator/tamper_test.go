package coordinator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/custos-mpc/custos/internal/envelope"
	"github.com/custos-mpc/custos/internal/wire"
)

// envelopeOf decodes the envelope inside a frame, if it is one.
func envelopeOf(frame []byte) *envelope.Envelope {
	f, err := wire.ParseFrame(frame)
	if err != nil || f.Type != wire.FrameEnvelope {
		return nil
	}
	env, err := envelope.Parse(f.Body)
	if err != nil {
		return nil
	}
	return env
}

func senderOffset(env *envelope.Envelope) int {
	return 2 + 1 + 32 + 1 + len(env.Protocol) + 2 // frame header, version, session, protocol, round
}

// tamperOnce applies f to the first frame for which it returns true.
type tamperOnce struct {
	mu   sync.Mutex
	done bool
	f    func(to string, frame []byte) ([][]byte, bool)
}

func (o *tamperOnce) apply(to string, frame []byte) [][]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		if out, ok := o.f(to, bytes.Clone(frame)); ok {
			o.done = true
			return out
		}
	}
	return [][]byte{frame}
}

// TestNodesDetectATamperingCoordinator plays a coordinator that alters what
// it relays. The nodes must notice and report it, and no key or signature
// may come out.
func TestNodesDetectATamperingCoordinator(t *testing.T) {
	ctx := context.Background()
	var oldSession []byte // a point-to-point envelope from an earlier session
	cases := []struct {
		name     string
		victim   string
		tamper   func(to string, frame []byte) ([][]byte, bool)
		reported string // what the victim reports; "" when it can only time out
	}{
		{"a changed payload", "node-3", func(to string, fr []byte) ([][]byte, bool) {
			env := envelopeOf(fr)
			if to != "node-3" || env == nil || env.Broadcast() {
				return nil, false
			}
			fr[len(fr)-70] ^= 1 // inside the sealed payload
			return [][]byte{fr}, true
		}, "refused:bad-envelope"},
		{"a swapped sender", "node-1", func(to string, fr []byte) ([][]byte, bool) {
			env := envelopeOf(fr)
			if to != "node-1" || env == nil || !env.Broadcast() || env.Sender == 2 {
				return nil, false
			}
			binary.BigEndian.PutUint16(fr[senderOffset(env):], 2)
			return [][]byte{fr}, true
		}, "refused:bad-envelope"},
		{"a message dropped for one node", "node-4", func(to string, fr []byte) ([][]byte, bool) {
			if to != "node-4" || envelopeOf(fr) == nil {
				return nil, false
			}
			return nil, true
		}, ""},
		{"a replayed envelope from an old session, relabelled", "node-2", func(to string, fr []byte) ([][]byte, bool) {
			env := envelopeOf(fr)
			if to != "node-2" || env == nil || env.Broadcast() || oldSession == nil {
				return nil, false
			}
			old := bytes.Clone(oldSession)
			copy(old[3:35], fr[3:35]) // give it the current session id
			return [][]byte{old}, true
		}, "refused:bad-envelope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events := &nodeEvents{m: map[string][]string{}}
			once := &tamperOnce{f: tc.tamper}
			var capture sync.Once
			tc2 := newTestClusterWith(t, 5, clusterOptions{events: events, tamper: func(to string, fr []byte) [][]byte {
				if env := envelopeOf(fr); env != nil && !env.Broadcast() && to == "node-2" {
					capture.Do(func() {
						if oldSession == nil {
							oldSession = bytes.Clone(fr)
						}
					})
				}
				return once.apply(to, fr)
			}})
			if strings.Contains(tc.name, "replayed") {
				// A first, honest key generation provides the old envelope.
				once.mu.Lock()
				once.done = true
				once.mu.Unlock()
				if _, err := tc2.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "old", Scheme: "frost-ed25519", Threshold: 3}); err != nil {
					t.Fatal(err)
				}
				once.mu.Lock()
				once.done = false
				once.mu.Unlock()
			}
			_, err := tc2.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 3})
			if err == nil {
				t.Fatal("a key was generated through a tampering coordinator")
			}
			keys, _ := tc2.admin.ListKeys(ctx)
			for _, k := range keys.Keys {
				if k.KeyID == "k" {
					t.Fatal("the key was recorded")
				}
			}
			if tc.reported != "" && !slices.Contains(events.of(tc.victim), tc.reported) {
				t.Fatalf("%s reported %v, want %s", tc.victim, events.of(tc.victim), tc.reported)
			}
			for name := range tc2.nodes {
				if name != tc.victim && slices.Contains(events.of(name), "refused:bad-envelope") {
					t.Fatalf("%s, not the victim, reported tampering: %v", name, events.of(name))
				}
			}
		})
	}
}

// TestSignersRefuseATamperedPackage: a coordinator that changes the message
// in the signing package gets no share from anyone.
func TestSignersRefuseATamperedPackage(t *testing.T) {
	ctx := context.Background()
	events := &nodeEvents{m: map[string][]string{}}
	var armed sync.Mutex
	active := false
	tc := newTestClusterWith(t, 5, clusterOptions{events: events, tamper: func(to string, fr []byte) [][]byte {
		armed.Lock()
		defer armed.Unlock()
		if !active {
			return [][]byte{fr}
		}
		c, ok := controlOf(fr)
		if !ok || c.Kind != wire.ControlSignPackage {
			return [][]byte{fr}
		}
		// Flip a byte of the message inside the package (after the
		// version, suite and 4-byte length).
		c.Package[6] ^= 1
		out, _ := wire.EncodeControl(c)
		return [][]byte{out}
	}})
	info, err := tc.admin.CreateKey(ctx, &wire.CreateKeyRequest{KeyID: "k", Scheme: "frost-ed25519", Threshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	armed.Lock()
	active = true
	armed.Unlock()
	msg := make([]byte, 32)
	rand.Read(msg)
	resp, err := tc.admin.Sign(ctx, &wire.SignRequest{KeyID: info.KeyID, Message: msg, Bundle: tc.bundle(t, info.KeyID, msg)})
	if err == nil || resp != nil && len(resp.Signature) > 0 {
		t.Fatal("a signature came out of a tampered package")
	}
	refused := 0
	for name := range tc.nodes {
		if slices.Contains(events.of(name), "refused:bad-package") {
			refused++
		}
		if slices.Contains(events.of(name), "signed:ed25519") {
			t.Fatalf("%s released a share for a tampered package", name)
		}
	}
	if refused < 3 {
		t.Fatalf("only %d nodes reported the tampered package", refused)
	}
}
