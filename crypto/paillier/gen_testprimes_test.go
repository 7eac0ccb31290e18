package paillier

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var genPrimes = flag.Int("gen-testprimes", 0, "regenerate testprimes/safeprimes1024.txt with this many primes")

func TestGenerateTestPrimes(t *testing.T) {
	if *genPrimes == 0 {
		t.Skip("use -gen-testprimes=N to regenerate")
	}
	var sb strings.Builder
	for i := 0; i < *genPrimes; i++ {
		p, err := GenerateSafePrime(context.Background(), nil, 1024, 2)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%x\n", p)
	}
	if err := os.WriteFile("testprimes/safeprimes1024.txt", []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
