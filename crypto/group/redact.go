package group

import "fmt"

// redacted is written for every formatting verb of a scalar, so a secret
// never reaches a log through fmt (%v, %d, %x, %#v and the rest alike).
const redacted = "<redacted>"

func formatRedacted(f fmt.State) { f.Write([]byte(redacted)) } //nolint:errcheck // fmt.State

func (s *edScalar) Format(f fmt.State, _ rune)   { formatRedacted(f) }
func (s *secpScalar) Format(f fmt.State, _ rune) { formatRedacted(f) }
func (s *r255Scalar) Format(f fmt.State, _ rune) { formatRedacted(f) }
func (s *modScalar) Format(f fmt.State, _ rune)  { formatRedacted(f) }

func (s *edScalar) GoString() string   { return redacted }
func (s *secpScalar) GoString() string { return redacted }
func (s *r255Scalar) GoString() string { return redacted }
func (s *modScalar) GoString() string  { return redacted }
