package sealer

import (
	"encoding/binary"
	"fmt"
)

// Blob format constants; see the package documentation.
const (
	blobVersion = 1
	headerFixed = 4 + 1 + 1 + 2 // magic, version, kind, plen
	nonceSize   = 24
	tagSize     = 16
	maxParams   = 4096
)

var magic = [4]byte{'C', 'S', 'E', 'A'}

// kind bytes in the blob header.
const (
	kindBytePassphrase byte = 1
	kindByteAge        byte = 2
	kindBytePKCS11     byte = 3 // reserved for the HSM sealer
)

func kindName(k byte) string {
	switch k {
	case kindBytePassphrase:
		return KindPassphrase
	case kindByteAge:
		return KindAge
	case kindBytePKCS11:
		return KindPKCS11
	}
	return fmt.Sprintf("kind(%d)", k)
}

// blob is a parsed sealed blob. Its slices alias the input.
type blob struct {
	version    byte
	kind       byte
	params     []byte
	nonce      []byte
	ciphertext []byte
	header     []byte // magic through params: authenticated as AD
}

// parseBlob strictly parses b. It checks framing only; kind-specific params
// are parsed by the sealer of that kind.
func parseBlob(b []byte) (*blob, error) {
	if len(b) < headerFixed {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a header", ErrMalformed, len(b))
	}
	if [4]byte(b[:4]) != magic {
		return nil, fmt.Errorf("%w: bad magic", ErrMalformed)
	}
	if b[4] != blobVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrMalformed, b[4])
	}
	kind := b[5]
	if kind != kindBytePassphrase && kind != kindByteAge && kind != kindBytePKCS11 {
		return nil, fmt.Errorf("%w: unknown kind %d", ErrMalformed, kind)
	}
	plen := int(binary.BigEndian.Uint16(b[6:8]))
	if plen > maxParams {
		return nil, fmt.Errorf("%w: params length %d exceeds %d", ErrMalformed, plen, maxParams)
	}
	rest := b[headerFixed:]
	if len(rest) < plen+nonceSize+tagSize {
		return nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	return &blob{
		version:    b[4],
		kind:       kind,
		params:     rest[:plen:plen],
		nonce:      rest[plen : plen+nonceSize : plen+nonceSize],
		ciphertext: rest[plen+nonceSize:],
		header:     b[: headerFixed+plen : headerFixed+plen],
	}, nil
}

// appendHeader appends magic, version, kind, plen and params to dst.
func appendHeader(dst []byte, kind byte, params []byte) []byte {
	if len(params) > maxParams {
		panic("sealer: params too long") // programmer error: params are built here
	}
	dst = append(dst, magic[:]...)
	dst = append(dst, blobVersion, kind)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(params)))
	return append(dst, params...)
}

// marshal re-encodes a parsed blob; parse→marshal is the identity.
func (bl *blob) marshal() []byte {
	out := appendHeader(make([]byte, 0, len(bl.header)+nonceSize+len(bl.ciphertext)), bl.kind, bl.params)
	out = append(out, bl.nonce...)
	return append(out, bl.ciphertext...)
}

// aad returns the AEAD associated data: the blob header, then the caller's.
func aad(header, associatedData []byte) []byte {
	out := make([]byte, 0, len(header)+8+len(associatedData))
	out = append(out, header...)
	out = binary.BigEndian.AppendUint64(out, uint64(len(associatedData)))
	return append(out, associatedData...)
}

// BlobKind reports which kind of sealer produced a blob, without opening it.
func BlobKind(sealed []byte) (string, error) {
	bl, err := parseBlob(sealed)
	if err != nil {
		return "", fmt.Errorf("sealer: blob kind: %w", err)
	}
	return kindName(bl.kind), nil
}
