package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func testSession() []byte {
	s := make([]byte, 32)
	for i := range s {
		s[i] = byte(i + 1)
	}
	return s
}

// fullControl sets every field of Control.
func fullControl() *Control {
	return &Control{
		Kind: ControlCommitEpoch, Session: testSession(), KeyID: "key-1", Scheme: "ecdsa-secp256k1",
		Threshold: 3, Parties: []Party{{ID: 1, Node: "node-1"}, {ID: 2, Node: "node-2"}, {ID: 7, Node: ""}},
		Bundle: []byte("bundle"), Message: []byte("message"), Package: []byte{1, 2, 3},
		Count: 128, NonceID: "00112233445566778899aabbccddeeff", PaillierBits: 2048,
		Path: []uint32{44 | 1<<31, 0, 7}, PresignID: "presig", Epoch: 1 << 40,
		Refresh: bytes.Repeat([]byte{9}, 32),
		Votes: []EpochVote{
			{Node: "node-1", Vote: VoteStored, Signature: bytes.Repeat([]byte{5}, 64)},
			{Node: "node-2", Vote: VoteAbort},
		},
	}
}

// signOneRound is a realistic one-round signing request.
func signOneRound() *Control {
	return &Control{
		Kind: ControlSignOneRound, Session: testSession(), KeyID: "payments-hot-1",
		Parties: []Party{{ID: 1, Node: "node-1"}, {ID: 2, Node: "node-2"}, {ID: 3, Node: "node-3"}},
		Bundle:  bytes.Repeat([]byte{0xb1}, 200), Message: bytes.Repeat([]byte{0x4d}, 32),
		Package: bytes.Repeat([]byte{0x9a}, 250), NonceID: "0123456789abcdef0123456789abcdef",
	}
}

func TestControlRoundTrip(t *testing.T) {
	for name, c := range map[string]*Control{
		"every field set":       fullControl(),
		"only the session":      {Session: testSession()},
		"a one-round signature": signOneRound(),
		"a cancel":              {Kind: ControlCancel, Session: testSession(), KeyID: "k", PresignID: "ab"},
	} {
		t.Run(name, func(t *testing.T) {
			body, err := c.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseControl(body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Fatalf("got %+v\nwant %+v", got, c)
			}
			s, ok := ControlSession(body)
			if !ok || !bytes.Equal(s, c.Session) {
				t.Fatalf("ControlSession = %x, %v", s, ok)
			}
			fr, err := EncodeControl(c)
			if err != nil {
				t.Fatal(err)
			}
			f, err := ParseFrame(fr)
			if err != nil || f.Type != FrameControl || !bytes.Equal(f.Body, body) {
				t.Fatalf("EncodeControl: %v %+v", err, f)
			}
		})
	}
}

func TestControlDoesNotAliasInput(t *testing.T) {
	body, _ := fullControl().MarshalBinary()
	c, err := ParseControl(body)
	if err != nil {
		t.Fatal(err)
	}
	clear(body)
	if !reflect.DeepEqual(c, fullControl()) {
		t.Fatal("parsed control changed with its input")
	}
}

func TestEncodeControlRefuses(t *testing.T) {
	long := strings.Repeat("x", maxString+1)
	for name, edit := range map[string]func(c *Control){
		"a short session":           func(c *Control) { c.Session = c.Session[:31] },
		"no session":                func(c *Control) { c.Session = nil },
		"a negative threshold":      func(c *Control) { c.Threshold = -1 },
		"a negative count":          func(c *Control) { c.Count = -5 },
		"negative Paillier bits":    func(c *Control) { c.PaillierBits = -2048 },
		"a count beyond 2³¹−1":      func(c *Control) { c.Count = 1 << 31 },
		"a key id too long":         func(c *Control) { c.KeyID = long },
		"a kind that is not UTF-8":  func(c *Control) { c.Kind = "\xff" },
		"a party node too long":     func(c *Control) { c.Parties[0].Node = long },
		"too many parties":          func(c *Control) { c.Parties = make([]Party, maxParties+1) },
		"too long a path":           func(c *Control) { c.Path = make([]uint32, maxPath+1) },
		"too many votes":            func(c *Control) { c.Votes = make([]EpochVote, maxVotes+1) },
		"a vote signature too long": func(c *Control) { c.Votes[0].Signature = make([]byte, maxString+1) },
		"a refresh too long":        func(c *Control) { c.Refresh = make([]byte, maxString+1) },
		"a body over MaxFrame":      func(c *Control) { c.Package = make([]byte, MaxFrame) },
	} {
		t.Run(name, func(t *testing.T) {
			c := fullControl()
			edit(c)
			if _, err := c.MarshalBinary(); err == nil {
				t.Fatal("MarshalBinary accepted it")
			}
			if _, err := EncodeControl(c); err == nil {
				t.Fatal("EncodeControl accepted it")
			}
		})
	}
}

// rawControl builds a body by hand: a field count and raw fields.
func rawControl(count byte, fields ...[]byte) []byte {
	b := append(append([]byte{controlVersion}, testSession()...), count)
	for _, f := range fields {
		b = append(b, f...)
	}
	return b
}

func rawField(tag byte, v []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{tag}, uint32(len(v))), v...)
}

func u16(xs ...uint16) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func TestParseControlRejects(t *testing.T) {
	valid, _ := fullControl().MarshalBinary()
	kind := rawField(tagKind, []byte("keygen"))
	for name, b := range map[string][]byte{
		"an empty body":                  nil,
		"a body without its field count": valid[:sessionEnd],
		"version 0":                      append([]byte{0}, valid[1:]...),
		"version 2":                      append([]byte{2}, valid[1:]...),
		"a JSON control":                 []byte(`{"kind":"cancel","session":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`),
		"a byte after the last field":    append(bytes.Clone(valid), 0),
		"a field after the last counted": rawControl(1, kind, rawField(tagKeyID, []byte("k"))),
		"fewer fields than counted":      rawControl(2, kind),
		"a field header cut short":       rawControl(2, kind, []byte{tagKeyID, 0, 0}),
		"a length beyond the input":      rawControl(1, []byte{tagKind, 0, 0, 0, 9, 'x'}),
		"a length of 2³²−1":              rawControl(1, []byte{tagBundle, 0xff, 0xff, 0xff, 0xff, 'x'}),
		"tag 0":                          rawControl(1, rawField(0, []byte("x"))),
		"an unknown tag":                 rawControl(1, rawField(tagLast+1, []byte("x"))),
		"a repeated field":               rawControl(2, kind, kind),
		"fields out of order":            rawControl(2, rawField(tagKeyID, []byte("k")), kind),
		"an empty field":                 rawControl(1, rawField(tagKind, nil)),
		"a kind that is not UTF-8":       rawControl(1, rawField(tagKind, []byte{0xff})),
		"a key id too long":              rawControl(1, rawField(tagKeyID, bytes.Repeat([]byte{'k'}, maxString+1))),
		"a zero threshold":               rawControl(1, rawField(tagThreshold, []byte{0, 0, 0, 0})),
		"a threshold of 2³¹":             rawControl(1, rawField(tagThreshold, []byte{0x80, 0, 0, 0})),
		"a threshold of 3 bytes":         rawControl(1, rawField(tagThreshold, []byte{0, 0, 3})),
		"a count of 8 bytes":             rawControl(1, rawField(tagCount, []byte{0, 0, 0, 0, 0, 0, 0, 1})),
		"a zero epoch":                   rawControl(1, rawField(tagEpoch, make([]byte, 8))),
		"an epoch of 4 bytes":            rawControl(1, rawField(tagEpoch, []byte{0, 0, 0, 1})),
		"no parties":                     rawControl(1, rawField(tagParties, u16(0))),
		"1025 parties":                   rawControl(1, rawField(tagParties, cat(u16(maxParties+1), bytes.Repeat(u16(1, 0), maxParties+1)))),
		"more parties than bytes":        rawControl(1, rawField(tagParties, cat(u16(1000), u16(1, 0)))),
		"a party node cut short":         rawControl(1, rawField(tagParties, cat(u16(1), u16(1, 5), []byte("node")))),
		"bytes after the parties":        rawControl(1, rawField(tagParties, cat(u16(1), u16(1, 0), []byte{0}))),
		"a party node too long":          rawControl(1, rawField(tagParties, cat(u16(1), u16(1, maxString+1), make([]byte, maxString+1)))),
		"a path of 5 bytes":              rawControl(1, rawField(tagPath, make([]byte, 5))),
		"a path of 256 elements":         rawControl(1, rawField(tagPath, make([]byte, 4*(maxPath+1)))),
		"a refresh too long":             rawControl(1, rawField(tagRefresh, make([]byte, maxString+1))),
		"no votes":                       rawControl(1, rawField(tagVotes, u16(0))),
		"1025 votes":                     rawControl(1, rawField(tagVotes, cat(u16(maxVotes+1), bytes.Repeat(u16(0, 0, 0), maxVotes+1)))),
		"a vote cut short":               rawControl(1, rawField(tagVotes, cat(u16(1), u16(0, 0)))),
		"bytes after the votes":          rawControl(1, rawField(tagVotes, cat(u16(1), u16(0, 0, 0), []byte{0}))),
		"a vote signature too long":      rawControl(1, rawField(tagVotes, cat(u16(1), u16(0, 0, maxString+1), make([]byte, maxString+1)))),
		"a body over MaxFrame":           rawControl(1, rawField(tagPackage, make([]byte, MaxFrame))),
	} {
		t.Run(name, func(t *testing.T) {
			if c, err := ParseControl(b); err == nil {
				t.Fatalf("accepted: %+v", c)
			}
		})
	}
}

// Every proper prefix of a valid encoding is refused (the field count
// catches a cut between fields).
func TestParseControlRefusesEveryTruncation(t *testing.T) {
	for _, c := range []*Control{fullControl(), signOneRound(), {Session: testSession()}} {
		body, _ := c.MarshalBinary()
		for i := range len(body) {
			if _, err := ParseControl(body[:i]); err == nil {
				t.Fatalf("%s: accepted the first %d of %d bytes", c.Kind, i, len(body))
			}
		}
	}
}

func TestControlSessionRejects(t *testing.T) {
	body, _ := signOneRound().MarshalBinary()
	for name, b := range map[string][]byte{
		"an empty body":     nil,
		"a short session":   body[:sessionEnd-1],
		"another version":   append([]byte{2}, body[1:]...),
		"a JSON control":    []byte(`{"session":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`),
		"a JSON-like start": append([]byte{'{'}, make([]byte, 40)...),
	} {
		if s, ok := ControlSession(b); ok {
			t.Errorf("%s: session %x", name, s)
		}
	}
}

// The frozen version-1 encoding of fullControl must keep decoding.
func TestControlCompatV1(t *testing.T) {
	const file = "testdata/compat/control-v1-full.bin"
	want, _ := fullControl().MarshalBinary()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseControl(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, fullControl()) {
		t.Fatalf("frozen control decodes to %+v", c)
	}
	if !bytes.Equal(b, want) {
		t.Fatal("encoding differs from the frozen one")
	}
}

func FuzzParseControl(f *testing.F) {
	for _, c := range []*Control{fullControl(), signOneRound(), {Session: testSession()},
		{Kind: ControlPresign, Session: testSession(), KeyID: "k", Path: []uint32{1, 2}, Epoch: 3, Parties: []Party{{ID: 1, Node: "n"}}}} {
		b, err := c.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseControl(b)
		if err != nil {
			return
		}
		out, err := c.MarshalBinary()
		if err != nil {
			t.Fatalf("a parsed control does not encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, out)
		}
		if s, ok := ControlSession(b); !ok || !bytes.Equal(s, c.Session) {
			t.Fatal("ControlSession disagrees with ParseControl")
		}
	})
}

// BenchmarkDecodeControl: a one-round signing request as each signer
// decodes it, the JSON of before against the binary encoding.
func BenchmarkDecodeControl(b *testing.B) {
	c := signOneRound()
	js, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	bin, err := c.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var d Control
			if err := DecodeJSON(js, &d); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(js)), "body-bytes")
	})
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseControl(bin); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(bin)), "body-bytes")
	})
	// What a node did per control before: a loose decode for the session
	// (routing), then the strict one; and what it does now.
	b.Run("node-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r struct {
				Session []byte `json:"session"`
			}
			var d Control
			if json.Unmarshal(js, &r) != nil || DecodeJSON(js, &d) != nil {
				b.Fatal("decode")
			}
		}
	})
	b.Run("node-binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := ControlSession(bin); !ok {
				b.Fatal("no session")
			}
			if _, err := ParseControl(bin); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeControl(b *testing.B) {
	c := signOneRound()
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EncodeJSON(FrameControl, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EncodeControl(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
