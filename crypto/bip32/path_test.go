package bip32_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/custos-mpc/custos/crypto/bip32"
)

func TestParsePath(t *testing.T) {
	deep := strings.Repeat("/1", 255)
	tests := []struct {
		name string
		in   string
		want []uint32
		err  string // substring of the error; "" for success
	}{
		{"the empty string is the root", "", []uint32{}, ""},
		{"m alone is the root", "m", []uint32{}, ""},
		{"a path with the m prefix parses", "m/0/1/7", []uint32{0, 1, 7}, ""},
		{"a path without the m prefix parses", "0/1/7", []uint32{0, 1, 7}, ""},
		{"the largest non-hardened index parses", "m/2147483647", []uint32{2147483647}, ""},
		{"255 levels parse", "m" + deep, slices.Repeat([]uint32{1}, 255), ""},
		{"256 levels are refused", "m" + deep + "/1", nil, "at most 255"},
		{"a quote hardened marker is refused", "m/44'/0", nil, "hardened index \"44'\""},
		{"an h hardened marker is refused", "m/0/1h", nil, "hardened index \"1h\""},
		{"an H hardened marker is refused", "m/1H", nil, "hardened"},
		{"a hardened value written in decimal is refused", "m/2147483648", nil, "hardened value"},
		{"a value above 32 bits is refused", "m/4294967296", nil, "out of range"},
		{"a trailing slash is refused", "m/0/", nil, "empty index"},
		{"m/ alone is refused", "m/", nil, "empty index"},
		{"a leading slash is refused", "/0", nil, "empty index"},
		{"a double slash is refused", "m/0//1", nil, "empty index"},
		{"a capital M is refused", "M/0", nil, "not a decimal"},
		{"a sign is refused", "m/+1", nil, "not a decimal"},
		{"a negative index is refused", "m/-1", nil, "not a decimal"},
		{"a leading zero is refused", "m/01", nil, "leading zero"},
		{"spaces are refused", "m/ 1", nil, "not a decimal"},
		{"non-ASCII digits are refused", "m/١", nil, "not a decimal"},
		{"a nested m is refused", "m/m/1", nil, "not a decimal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bip32.ParsePath(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParsePath(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParsePath(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatPath(t *testing.T) {
	tests := []struct {
		in   []uint32
		want string
	}{
		{nil, "m"},
		{[]uint32{}, "m"},
		{[]uint32{0, 1, 7}, "m/0/1/7"},
		{[]uint32{2147483647}, "m/2147483647"},
		{[]uint32{bip32.HardenedOffset + 44, 0}, "m/44'/0"},
	}
	for _, tt := range tests {
		if got := bip32.FormatPath(tt.in); got != tt.want {
			t.Errorf("FormatPath(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Any accepted path formats to a canonical string that parses back to the
// same indices, the canonical form of an m-prefixed input is the input
// itself, and no input panics.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"", "m", "m/0/1/7", "0/1/7", "m/2147483647", "m/2147483648", "m/44'/0'", "m/1h", "m//1", "m/01", "m/" + strings.Repeat("0/", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := bip32.ParsePath(s)
		if err != nil {
			return
		}
		if len(p) > bip32.MaxDepth {
			t.Fatalf("%q: %d levels accepted", s, len(p))
		}
		for _, idx := range p {
			if idx >= bip32.HardenedOffset {
				t.Fatalf("%q: hardened index %d accepted", s, idx)
			}
		}
		f := bip32.FormatPath(p)
		q, err := bip32.ParsePath(f)
		if err != nil || !slices.Equal(p, q) {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, p, f, q, err)
		}
		want := s
		if s == "" {
			want = "m"
		} else if !strings.HasPrefix(s, "m") {
			want = "m/" + s
		}
		if f != want {
			t.Fatalf("%q formats back as %q", s, f)
		}
	})
}
