package wire

import (
	"bytes"
	"testing"
)

func TestFrameRoundTripAndRejects(t *testing.T) {
	f := &Frame{Type: FrameEnvelope, Body: []byte("x")}
	g, err := ParseFrame(f.Marshal())
	if err != nil || g.Type != f.Type || !bytes.Equal(g.Body, f.Body) {
		t.Fatalf("round trip: %v %+v", err, g)
	}
	for name, b := range map[string][]byte{
		"empty":           nil,
		"version only":    {1},
		"unknown version": {2, FrameHello},
		"unknown type":    {1, 9},
		"type zero":       {1, 0},
		"oversized":       append([]byte{1, FrameEnvelope}, make([]byte, MaxFrame)...),
	} {
		if _, err := ParseFrame(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDecodeJSONIsStrict(t *testing.T) {
	var c Control
	for name, b := range map[string]string{
		"unknown field": `{"kind":"keygen","bogus":1}`,
		"trailing data": `{"kind":"keygen"}{}`,
		"wrong type":    `{"kind":7}`,
	} {
		if err := DecodeJSON([]byte(b), &c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseFrame(f *testing.F) {
	hello, _ := EncodeJSON(FrameHello, &Hello{NodeID: "node-1", Identity: []byte{1, 2}})
	ctl, _ := EncodeControl(&Control{Kind: ControlKeygen, Session: make([]byte, 32), Parties: []Party{{ID: 1, Node: "n"}}})
	f.Add(hello)
	f.Add(ctl)
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ParseFrame(b)
		if err != nil {
			return
		}
		if !bytes.Equal(fr.Marshal(), b) {
			t.Fatal("re-encoding differs")
		}
		var s Status
		var h Hello
		_, _ = ParseControl(fr.Body)
		_ = DecodeJSON(fr.Body, &s)
		_ = DecodeJSON(fr.Body, &h)
	})
}
