package wire

// Control frames are binary: every signing request carries one to each
// signer, and decoding them as JSON (twice: once to route the frame by
// session, once to handle it) was about 4.5 % of a node's CPU.
//
// The body of a FrameControl frame, version 1:
//
//	version  1 byte   controlVersion (1)
//	session  32 bytes Control.Session
//	count    1 byte   how many fields follow
//	fields   count of them, in strictly increasing tag order:
//	           tag     1 byte
//	           length  4 bytes, big endian
//	           value   length bytes
//
// The session sits at a fixed offset so that a node routes a frame to its
// session's worker without decoding the rest (ControlSession). A field is
// present exactly when its value is not the zero value (empty string or
// slice, 0), so every Control has one encoding: ParseControl rejects an
// empty value, a zero number, a tag out of order or repeated, an unknown
// tag, a length beyond the input, fewer fields than count (so a body cut
// short anywhere is refused) and bytes after the last. Values, by tag:
//
//	 1 kind           string
//	 2 key_id         string
//	 3 scheme         string
//	 4 threshold      uint32, at most 2³¹−1
//	 5 parties        count uint16 (1..1024), then per party:
//	                  id uint16, node length uint16, node string
//	 6 bundle         bytes
//	 7 message        bytes
//	 8 package        bytes
//	 9 count          uint32, at most 2³¹−1
//	10 nonce_id       string
//	11 paillier_bits  uint32, at most 2³¹−1
//	12 path           uint32 × n (n = length/4, 1..255)
//	13 presign_id     string
//	14 epoch          uint64
//	15 refresh        bytes, at most 4096
//	16 votes          count uint16 (1..1024), then per vote: node,
//	                  vote and signature, each a uint16 length and at
//	                  most 4096 bytes
//
// Strings are valid UTF-8 of at most 4096 bytes (as after JSON,
// which never produced anything else). Numbers are big endian. The whole
// body is at most MaxFrame−2 bytes. Negative Threshold, Count and
// PaillierBits cannot be encoded: the coordinator never sends them, and a
// node reads only what a coordinator could send.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

const (
	controlVersion = 1
	sessionEnd     = 1 + 32         // version, session
	controlHeader  = sessionEnd + 1 // and the field count
	fieldHeader    = 1 + 4          // tag, length

	maxString  = 4096
	maxParties = 1024
	maxPath    = 255
	maxVotes   = 1024
)

// Control field tags.
const (
	tagKind byte = 1 + iota
	tagKeyID
	tagScheme
	tagThreshold
	tagParties
	tagBundle
	tagMessage
	tagPackage
	tagCount
	tagNonceID
	tagPaillierBits
	tagPath
	tagPresignID
	tagEpoch
	tagRefresh
	tagVotes
	tagLast = tagVotes
)

var fieldNames = [...]string{
	tagKind: "kind", tagKeyID: "key_id", tagScheme: "scheme", tagThreshold: "threshold",
	tagParties: "parties", tagBundle: "bundle", tagMessage: "message", tagPackage: "package",
	tagCount: "count", tagNonceID: "nonce_id", tagPaillierBits: "paillier_bits", tagPath: "path",
	tagPresignID: "presign_id", tagEpoch: "epoch", tagRefresh: "refresh", tagVotes: "votes",
}

// EncodeControl makes a FrameControl frame of c.
func EncodeControl(c *Control) ([]byte, error) {
	n, err := c.encodedLen()
	if err != nil {
		return nil, err
	}
	return c.appendBody(append(make([]byte, 0, 2+n), frameVersion, FrameControl)), nil
}

// MarshalBinary encodes c as the body of a FrameControl frame.
func (c *Control) MarshalBinary() ([]byte, error) {
	n, err := c.encodedLen()
	if err != nil {
		return nil, err
	}
	return c.appendBody(make([]byte, 0, n)), nil
}

// ControlSession returns the session id of a FrameControl body without
// decoding the rest, for routing; false if body is not a version-1
// control. The result aliases body. Only ParseControl validates a control.
func ControlSession(body []byte) ([]byte, bool) {
	if len(body) < sessionEnd || body[0] != controlVersion {
		return nil, false
	}
	return body[1:sessionEnd:sessionEnd], true
}

// ParseControl decodes the body of a FrameControl frame. The result does
// not alias body.
func ParseControl(body []byte) (*Control, error) {
	if len(body) > MaxFrame-2 {
		return nil, errors.New("wire: control: too large")
	}
	if len(body) < controlHeader {
		return nil, errors.New("wire: control: truncated header")
	}
	if body[0] != controlVersion {
		return nil, fmt.Errorf("wire: control: unsupported version %d", body[0])
	}
	c := &Control{Session: bytes.Clone(body[1:sessionEnd])}
	fields, rest := int(body[sessionEnd]), body[controlHeader:]
	var last byte
	for range fields {
		if len(rest) < fieldHeader {
			return nil, errors.New("wire: control: truncated field header")
		}
		tag, n := rest[0], binary.BigEndian.Uint32(rest[1:fieldHeader])
		rest = rest[fieldHeader:]
		switch {
		case tag == 0 || tag > tagLast:
			return nil, fmt.Errorf("wire: control: unknown tag %d", tag)
		case tag == last:
			return nil, fmt.Errorf("wire: control: %s: repeated", fieldNames[tag])
		case tag < last:
			return nil, fmt.Errorf("wire: control: %s: out of order", fieldNames[tag])
		case uint64(n) > uint64(len(rest)):
			return nil, fmt.Errorf("wire: control: %s: length %d exceeds the %d bytes left", fieldNames[tag], n, len(rest))
		case n == 0:
			return nil, fmt.Errorf("wire: control: %s: present but empty", fieldNames[tag])
		}
		if err := c.setField(tag, rest[:n]); err != nil {
			return nil, fmt.Errorf("wire: control: %s: %w", fieldNames[tag], err)
		}
		rest, last = rest[n:], tag
	}
	if len(rest) != 0 {
		return nil, errors.New("wire: control: trailing bytes")
	}
	return c, nil
}

func (c *Control) setField(tag byte, v []byte) error {
	var err error
	switch tag {
	case tagKind:
		c.Kind, err = parseString(v)
	case tagKeyID:
		c.KeyID, err = parseString(v)
	case tagScheme:
		c.Scheme, err = parseString(v)
	case tagThreshold:
		c.Threshold, err = parseInt(v)
	case tagParties:
		c.Parties, err = parseParties(v)
	case tagBundle:
		c.Bundle = bytes.Clone(v)
	case tagMessage:
		c.Message = bytes.Clone(v)
	case tagPackage:
		c.Package = bytes.Clone(v)
	case tagCount:
		c.Count, err = parseInt(v)
	case tagNonceID:
		c.NonceID, err = parseString(v)
	case tagPaillierBits:
		c.PaillierBits, err = parseInt(v)
	case tagPath:
		c.Path, err = parsePath(v)
	case tagPresignID:
		c.PresignID, err = parseString(v)
	case tagEpoch:
		if len(v) != 8 {
			return fmt.Errorf("length %d, want 8", len(v))
		}
		if c.Epoch = binary.BigEndian.Uint64(v); c.Epoch == 0 {
			return errors.New("zero encoded")
		}
	case tagRefresh:
		if len(v) > maxString {
			return fmt.Errorf("%d bytes, at most %d", len(v), maxString)
		}
		c.Refresh = bytes.Clone(v)
	case tagVotes:
		c.Votes, err = parseVotes(v)
	}
	return err
}

func parseString(v []byte) (string, error) {
	if len(v) > maxString {
		return "", fmt.Errorf("%d bytes, at most %d", len(v), maxString)
	}
	if !utf8.Valid(v) {
		return "", errors.New("not UTF-8")
	}
	return string(v), nil
}

func parseInt(v []byte) (int, error) {
	if len(v) != 4 {
		return 0, fmt.Errorf("length %d, want 4", len(v))
	}
	x := binary.BigEndian.Uint32(v)
	if x == 0 || x > math.MaxInt32 {
		return 0, fmt.Errorf("value %d out of range", x)
	}
	return int(x), nil
}

func parsePath(v []byte) ([]uint32, error) {
	if len(v)%4 != 0 || len(v)/4 > maxPath {
		return nil, fmt.Errorf("length %d is not 4 × [1, %d]", len(v), maxPath)
	}
	p := make([]uint32, len(v)/4)
	for i := range p {
		p[i] = binary.BigEndian.Uint32(v[4*i:])
	}
	return p, nil
}

// lengthPrefixed splits a uint16 length-prefixed item of at most maxString
// bytes off v.
func lengthPrefixed(v []byte) (item, rest []byte, err error) {
	if len(v) < 2 {
		return nil, nil, errors.New("truncated")
	}
	n := int(binary.BigEndian.Uint16(v))
	if n > maxString || n > len(v)-2 {
		return nil, nil, fmt.Errorf("item of %d bytes, %d left, at most %d", n, len(v)-2, maxString)
	}
	return v[2 : 2+n], v[2+n:], nil
}

// count reads a uint16 count in [1, limit] of items of at least least
// bytes each, checked against what is left so that no allocation outgrows
// the input.
func count(v []byte, limit, least int) (int, []byte, error) {
	if len(v) < 2 {
		return 0, nil, errors.New("truncated count")
	}
	n := int(binary.BigEndian.Uint16(v))
	if n == 0 || n > limit {
		return 0, nil, fmt.Errorf("count %d not in [1, %d]", n, limit)
	}
	if n*least > len(v)-2 {
		return 0, nil, fmt.Errorf("count %d does not fit in %d bytes", n, len(v)-2)
	}
	return n, v[2:], nil
}

func parseParties(v []byte) ([]Party, error) {
	n, v, err := count(v, maxParties, 4)
	if err != nil {
		return nil, err
	}
	ps := make([]Party, n)
	for i := range ps {
		if len(v) < 2 {
			return nil, fmt.Errorf("party %d: truncated", i)
		}
		ps[i].ID = binary.BigEndian.Uint16(v)
		var node []byte
		if node, v, err = lengthPrefixed(v[2:]); err != nil {
			return nil, fmt.Errorf("party %d: node: %w", i, err)
		}
		if ps[i].Node, err = parseString(node); err != nil {
			return nil, fmt.Errorf("party %d: node: %w", i, err)
		}
	}
	if len(v) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return ps, nil
}

func parseVotes(v []byte) ([]EpochVote, error) {
	n, v, err := count(v, maxVotes, 6)
	if err != nil {
		return nil, err
	}
	vs := make([]EpochVote, n)
	for i := range vs {
		var node, vote, sig []byte
		if node, v, err = lengthPrefixed(v); err == nil {
			if vote, v, err = lengthPrefixed(v); err == nil {
				sig, v, err = lengthPrefixed(v)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("vote %d: %w", i, err)
		}
		if vs[i].Node, err = parseString(node); err != nil {
			return nil, fmt.Errorf("vote %d: node: %w", i, err)
		}
		if vs[i].Vote, err = parseString(vote); err != nil {
			return nil, fmt.Errorf("vote %d: vote: %w", i, err)
		}
		if len(sig) > 0 {
			vs[i].Signature = bytes.Clone(sig)
		}
	}
	if len(v) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return vs, nil
}

// encodedLen validates c for encoding and returns the length of its body.
func (c *Control) encodedLen() (int, error) {
	if len(c.Session) != 32 {
		return 0, fmt.Errorf("wire: control: session of %d bytes, want 32", len(c.Session))
	}
	n := controlHeader
	field := func(size int) {
		if size > 0 {
			n += fieldHeader + size
		}
	}
	for _, s := range []struct {
		tag byte
		s   string
	}{{tagKind, c.Kind}, {tagKeyID, c.KeyID}, {tagScheme, c.Scheme}, {tagNonceID, c.NonceID}, {tagPresignID, c.PresignID}} {
		if err := checkString(s.s); err != nil {
			return 0, fmt.Errorf("wire: control: %s: %w", fieldNames[s.tag], err)
		}
		field(len(s.s))
	}
	for _, x := range []struct {
		tag byte
		v   int
	}{{tagThreshold, c.Threshold}, {tagCount, c.Count}, {tagPaillierBits, c.PaillierBits}} {
		if x.v < 0 || x.v > math.MaxInt32 {
			return 0, fmt.Errorf("wire: control: %s: %d out of range", fieldNames[x.tag], x.v)
		}
		if x.v != 0 {
			field(4)
		}
	}
	if len(c.Parties) > maxParties {
		return 0, fmt.Errorf("wire: control: %d parties, at most %d", len(c.Parties), maxParties)
	}
	for _, p := range c.Parties {
		if err := checkString(p.Node); err != nil {
			return 0, fmt.Errorf("wire: control: party %d: node: %w", p.ID, err)
		}
	}
	field(c.partiesLen())
	field(len(c.Bundle))
	field(len(c.Message))
	field(len(c.Package))
	if len(c.Path) > maxPath {
		return 0, fmt.Errorf("wire: control: path of %d elements, at most %d", len(c.Path), maxPath)
	}
	field(4 * len(c.Path))
	if c.Epoch != 0 {
		field(8)
	}
	if len(c.Refresh) > maxString {
		return 0, fmt.Errorf("wire: control: refresh of %d bytes, at most %d", len(c.Refresh), maxString)
	}
	field(len(c.Refresh))
	if len(c.Votes) > maxVotes {
		return 0, fmt.Errorf("wire: control: %d votes, at most %d", len(c.Votes), maxVotes)
	}
	for i, v := range c.Votes {
		if err := checkString(v.Node); err != nil {
			return 0, fmt.Errorf("wire: control: vote %d: node: %w", i, err)
		}
		if err := checkString(v.Vote); err != nil {
			return 0, fmt.Errorf("wire: control: vote %d: vote: %w", i, err)
		}
		if len(v.Signature) > maxString {
			return 0, fmt.Errorf("wire: control: vote %d: signature of %d bytes, at most %d", i, len(v.Signature), maxString)
		}
	}
	field(c.votesLen())
	if n > MaxFrame-2 {
		return 0, fmt.Errorf("wire: control: %d bytes, at most %d", n, MaxFrame-2)
	}
	return n, nil
}

// partiesLen and votesLen are the lengths of the parties and votes values
// (0: absent).
func (c *Control) partiesLen() int {
	if len(c.Parties) == 0 {
		return 0
	}
	n := 2
	for _, p := range c.Parties {
		n += 4 + len(p.Node)
	}
	return n
}

func (c *Control) votesLen() int {
	if len(c.Votes) == 0 {
		return 0
	}
	n := 2
	for _, v := range c.Votes {
		n += 6 + len(v.Node) + len(v.Vote) + len(v.Signature)
	}
	return n
}

func checkString(s string) error {
	if len(s) > maxString {
		return fmt.Errorf("%d bytes, at most %d", len(s), maxString)
	}
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8")
	}
	return nil
}

// fieldCount is how many fields encode c.
func (c *Control) fieldCount() byte {
	var n byte
	for _, present := range [...]bool{
		c.Kind != "", c.KeyID != "", c.Scheme != "", c.Threshold != 0, len(c.Parties) > 0,
		len(c.Bundle) > 0, len(c.Message) > 0, len(c.Package) > 0, c.Count != 0, c.NonceID != "",
		c.PaillierBits != 0, len(c.Path) > 0, c.PresignID != "", c.Epoch != 0, len(c.Refresh) > 0,
		len(c.Votes) > 0,
	} {
		if present {
			n++
		}
	}
	return n
}

// appendBody appends the encoding of c, which encodedLen has validated.
func (c *Control) appendBody(b []byte) []byte {
	b = append(append(append(b, controlVersion), c.Session...), c.fieldCount())
	b = appendString(b, tagKind, c.Kind)
	b = appendString(b, tagKeyID, c.KeyID)
	b = appendString(b, tagScheme, c.Scheme)
	b = appendInt(b, tagThreshold, c.Threshold)
	if len(c.Parties) > 0 {
		b = appendFieldHeader(b, tagParties, c.partiesLen())
		b = binary.BigEndian.AppendUint16(b, uint16(len(c.Parties)))
		for _, p := range c.Parties {
			b = binary.BigEndian.AppendUint16(b, p.ID)
			b = appendPrefixed(b, p.Node)
		}
	}
	b = appendBytes(b, tagBundle, c.Bundle)
	b = appendBytes(b, tagMessage, c.Message)
	b = appendBytes(b, tagPackage, c.Package)
	b = appendInt(b, tagCount, c.Count)
	b = appendString(b, tagNonceID, c.NonceID)
	b = appendInt(b, tagPaillierBits, c.PaillierBits)
	if len(c.Path) > 0 {
		b = appendFieldHeader(b, tagPath, 4*len(c.Path))
		for _, x := range c.Path {
			b = binary.BigEndian.AppendUint32(b, x)
		}
	}
	b = appendString(b, tagPresignID, c.PresignID)
	if c.Epoch != 0 {
		b = binary.BigEndian.AppendUint64(appendFieldHeader(b, tagEpoch, 8), c.Epoch)
	}
	b = appendBytes(b, tagRefresh, c.Refresh)
	if len(c.Votes) > 0 {
		b = appendFieldHeader(b, tagVotes, c.votesLen())
		b = binary.BigEndian.AppendUint16(b, uint16(len(c.Votes)))
		for _, v := range c.Votes {
			b = appendPrefixed(b, v.Node)
			b = appendPrefixed(b, v.Vote)
			b = appendPrefixed(b, v.Signature)
		}
	}
	return b
}

func appendFieldHeader(b []byte, tag byte, size int) []byte {
	return binary.BigEndian.AppendUint32(append(b, tag), uint32(size))
}

func appendString(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	return append(appendFieldHeader(b, tag, len(s)), s...)
}

func appendBytes(b []byte, tag byte, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return append(appendFieldHeader(b, tag, len(v)), v...)
}

func appendInt(b []byte, tag byte, x int) []byte {
	if x == 0 {
		return b
	}
	return binary.BigEndian.AppendUint32(appendFieldHeader(b, tag, 4), uint32(x))
}

func appendPrefixed[T string | []byte](b []byte, s T) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}
