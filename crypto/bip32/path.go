package bip32

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParsePath parses a non-hardened derivation path: "m/0/1/7" or "0/1/7";
// "" and "m" are the root (an empty path). Indices are decimal without sign
// or leading zeros and below 2^31. Hardened markers ("'", "h", "H") and
// hardened values are refused: a threshold key has no private key to derive
// them with. At most MaxDepth levels.
func ParsePath(s string) ([]uint32, error) {
	rest := s
	if rest == "m" || rest == "" {
		return []uint32{}, nil
	}
	if r, ok := strings.CutPrefix(rest, "m/"); ok {
		rest = r
	}
	// Bound the work before splitting: MaxDepth levels have MaxDepth-1
	// separators.
	if n := strings.Count(rest, "/") + 1; n > MaxDepth {
		return nil, fmt.Errorf("bip32: path has %d levels, at most %d", n, MaxDepth)
	}
	parts := strings.Split(rest, "/")
	path := make([]uint32, 0, len(parts))
	for i, p := range parts {
		idx, err := parseIndex(p)
		if err != nil {
			return nil, fmt.Errorf("bip32: path level %d: %w", i+1, err)
		}
		path = append(path, idx)
	}
	return path, nil
}

func parseIndex(p string) (uint32, error) {
	if p == "" {
		return 0, errors.New("empty index")
	}
	if last := p[len(p)-1]; last == '\'' || last == 'h' || last == 'H' {
		return 0, fmt.Errorf("hardened index %q: a threshold key can derive only non-hardened children", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Errorf("index %q is not a decimal number", p)
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Errorf("index %q has a leading zero", p)
	}
	v, err := strconv.ParseUint(p, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("index %q is out of range", p)
	}
	if uint32(v) >= HardenedOffset {
		return 0, fmt.Errorf("index %q is a hardened value (≥ 2^31): a threshold key can derive only non-hardened children", p)
	}
	return uint32(v), nil
}

// FormatPath formats p as "m/0/1/7", "m" for the root. Hardened indices,
// which ParsePath and Derive refuse, print as "i'" so error messages show
// them unambiguously.
func FormatPath(p []uint32) string {
	var b strings.Builder
	b.WriteString("m")
	for _, idx := range p {
		b.WriteByte('/')
		if idx >= HardenedOffset {
			b.WriteString(strconv.FormatUint(uint64(idx-HardenedOffset), 10))
			b.WriteByte('\'')
			continue
		}
		b.WriteString(strconv.FormatUint(uint64(idx), 10))
	}
	return b.String()
}
