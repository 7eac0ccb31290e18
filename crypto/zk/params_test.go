package zk

import (
	"testing"

	"github.com/custos-mpc/custos/crypto/group"
)

func TestParamsValidate(t *testing.T) {
	p := NewParams(group.Secp256k1)
	if err := p.Validate(); err != nil {
		t.Fatalf("the paper's parameters are refused: %v", err)
	}
	for name, mutate := range map[string]func(*Params){
		"ε below ℓ+128 (responses would leak the witness)":     func(p *Params) { p.Epsilon = p.L },
		"ℓ' below 2ℓ+ε+128 (masks would not hide the product)": func(p *Params) { p.LPrime = p.L },
		"ℓ below the group order's size":                       func(p *Params) { p.L = 128 },
		"no repetitions":                                       func(p *Params) { p.Reps = 0 },
		"no group":                                             func(p *Params) { p.Group = nil },
	} {
		t.Run(name, func(t *testing.T) {
			q := p
			mutate(&q)
			if err := q.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
