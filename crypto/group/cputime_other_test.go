//go:build !linux

package group

import "testing"

// loopCPU runs f b.N times; per-thread CPU time is only measured on Linux.
func loopCPU(b *testing.B, f func()) {
	for b.Loop() {
		f()
	}
}
