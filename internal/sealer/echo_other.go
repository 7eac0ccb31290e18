//go:build !linux

package sealer

import "os"

// disableEcho is a no-op where termios handling is not implemented: the
// passphrase is read as a plain line and will echo.
func disableEcho(*os.File) (func(), error) { return func() {}, nil }
