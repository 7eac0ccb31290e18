package sealer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

func testPassphraseSealer(t testing.TB, pass string) *PassphraseSealer {
	t.Helper()
	p, err := NewPassphrase([]byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Destroy()
	s, err := NewPassphraseSealer(p, TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testAgeSealer(t testing.TB) *AgeSealer {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewAgeSealer(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pair returns a sealer and another of the same kind under a different key.
type pair struct {
	name         string
	right, wrong Sealer
}

func pairs(t *testing.T) []pair {
	return []pair{
		{"passphrase", testPassphraseSealer(t, "correct horse"), testPassphraseSealer(t, "battery staple")},
		{"age", testAgeSealer(t), testAgeSealer(t)},
	}
}

func TestSealOpen(t *testing.T) {
	for _, p := range pairs(t) {
		t.Run(p.name, func(t *testing.T) {
			ad := []byte("shares/key-1/epoch-3")
			for _, pt := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte{7}, 10000)} {
				blob, err := p.right.Seal(pt, ad)
				if err != nil {
					t.Fatal(err)
				}
				if kind, err := BlobKind(blob); err != nil || kind != p.right.Kind() {
					t.Fatalf("BlobKind = %q, %v; want %q", kind, err, p.right.Kind())
				}
				got, err := p.right.Open(blob, ad)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, pt) {
					t.Fatalf("Open = %x, want %x", got, pt)
				}
			}
			t.Run("a wrong key is ErrWrongKey", func(t *testing.T) {
				blob, _ := p.right.Seal([]byte("secret"), ad)
				if _, err := p.wrong.Open(blob, ad); !errors.Is(err, ErrWrongKey) {
					t.Fatalf("Open with wrong key: %v, want ErrWrongKey", err)
				}
			})
			t.Run("other associated data is ErrAuth", func(t *testing.T) {
				blob, _ := p.right.Seal([]byte("secret"), ad)
				for _, other := range [][]byte{nil, []byte("shares/key-1/epoch-4"), append(ad, 0)} {
					if _, err := p.right.Open(blob, other); !errors.Is(err, ErrAuth) {
						t.Fatalf("Open with AD %q: %v, want ErrAuth", other, err)
					}
				}
			})
			t.Run("any flipped byte is rejected", func(t *testing.T) {
				blob, _ := p.right.Seal([]byte("secret"), ad)
				for i := range blob {
					bad := bytes.Clone(blob)
					bad[i] ^= 0x01
					if got, err := p.right.Open(bad, ad); err == nil {
						t.Fatalf("byte %d flipped: opened %q", i, got)
					}
				}
			})
			t.Run("any truncation is rejected", func(t *testing.T) {
				blob, _ := p.right.Seal([]byte("secret"), ad)
				for n := range len(blob) {
					if _, err := p.right.Open(blob[:n], ad); err == nil {
						t.Fatalf("truncated to %d bytes: opened", n)
					}
				}
			})
		})
	}
}

func TestKindMismatchIsWrongKey(t *testing.T) {
	pass, ag := testPassphraseSealer(t, "pw"), testAgeSealer(t)
	b1, _ := pass.Seal([]byte("s"), nil)
	b2, _ := ag.Seal([]byte("s"), nil)
	if _, err := ag.Open(b1, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("age opening passphrase blob: %v", err)
	}
	if _, err := pass.Open(b2, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("passphrase opening age blob: %v", err)
	}
}

func TestParametersTravelWithTheBlob(t *testing.T) {
	p, _ := NewPassphrase([]byte("pw"))
	old, err := NewPassphraseSealer(p, TestArgon2)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := old.Seal([]byte("s"), nil)
	raised, err := NewPassphraseSealer(p, Argon2Params{Memory: 256, Time: 2, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := raised.Open(blob, nil); err != nil || string(got) != "s" {
		t.Fatalf("sealer with raised parameters opening old blob: %q, %v", got, err)
	}
}

func TestArgon2ParamsBounds(t *testing.T) {
	p, _ := NewPassphrase([]byte("pw"))
	for _, bad := range []Argon2Params{
		{Memory: 64, Time: 0, Threads: 1},
		{Memory: 64, Time: 1, Threads: 0},
		{Memory: 7, Time: 1, Threads: 1},
		{Memory: maxArgon2Memory + 1, Time: 1, Threads: 1},
		{Memory: 64, Time: maxArgon2Time + 1, Threads: 1},
	} {
		if _, err := NewPassphraseSealer(p, bad); err == nil {
			t.Errorf("NewPassphraseSealer(%+v) accepted", bad)
		}
	}
	if err := DefaultArgon2.validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSecretsRedact(t *testing.T) {
	p, _ := NewPassphrase([]byte("hunter2-topsecret"))
	s, _ := NewPassphraseSealer(p, TestArgon2)
	id, _ := age.GenerateX25519Identity()
	as, _ := NewAgeSealer(id)
	for _, v := range []any{p, s, as, struct{ P *Passphrase }{p}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "hunter2") || strings.Contains(out, "AGE-SECRET-KEY") ||
				strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
				t.Errorf("%s of %T leaks: %s", verb, v, out)
			}
		}
	}
}

func TestDestroyWipes(t *testing.T) {
	p, _ := NewPassphrase([]byte("pw"))
	buf := p.b
	p.Destroy()
	if !bytes.Equal(buf, []byte{0, 0}) {
		t.Fatalf("passphrase not wiped: %q", buf)
	}
	s := testPassphraseSealer(t, "pw")
	blob, _ := s.Seal([]byte("x"), nil)
	s.Destroy()
	if _, err := s.Open(blob, nil); err == nil {
		t.Fatal("destroyed sealer still opens")
	}
}

func TestPassphraseSources(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
		ok                  bool
	}{
		{"a trailing newline is removed", "pw\n", "pw", true},
		{"a trailing CRLF is removed", "pw\r\n", "pw", true},
		{"inner whitespace is kept", " p w \n\n", " p w \n", true},
		{"an empty file is refused", "", "", false},
		{"a newline alone is refused", "\n", "", false},
		{"an oversized file is refused", strings.Repeat("a", maxPassphrase+1), "", false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprint(i))
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := PassphraseFromFile(path)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), "%!") {
				t.Fatalf("badly formatted error: %v", err)
			}
			if tc.ok && string(p.b) != tc.want {
				t.Fatalf("got %q, want %q", p.b, tc.want)
			}
		})
	}
	t.Run("a missing file is an error", func(t *testing.T) {
		if _, err := PassphraseFromFile(filepath.Join(dir, "missing")); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("the environment is read", func(t *testing.T) {
		t.Setenv("CUSTOS_TEST_PASS", "from-env")
		p, err := PassphraseFromEnv("CUSTOS_TEST_PASS")
		if err != nil || string(p.b) != "from-env" {
			t.Fatalf("%v", err)
		}
		t.Setenv("CUSTOS_TEST_PASS", "")
		if _, err := PassphraseFromEnv("CUSTOS_TEST_PASS"); err == nil {
			t.Fatal("empty variable accepted")
		}
		if _, err := PassphraseFromEnv("CUSTOS_TEST_PASS_UNSET_XYZ"); err == nil {
			t.Fatal("unset variable accepted")
		}
	})
}

func TestLoadAgeIdentityFile(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good", "# created: now\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n")
	s, err := LoadAgeIdentityFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recipient() != id.Recipient().String() {
		t.Fatal("wrong recipient")
	}
	for name, content := range map[string]string{
		"empty":   "# nothing\n",
		"two":     id.String() + "\n" + id.String() + "\n",
		"garbage": "AGE-SECRET-KEY-1NOTAKEY\n",
	} {
		_, err := LoadAgeIdentityFile(write(name, content))
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "AGE-SECRET") {
			t.Errorf("%s: error leaks key material: %v", name, err)
		}
	}
	seal, _ := NewAgeRecipientSealer(id.Recipient())
	blob, _ := seal.Seal([]byte("x"), nil)
	if _, err := seal.Open(blob, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("seal-only Open: %v", err)
	}
	if got, err := s.Open(blob, nil); err != nil || string(got) != "x" {
		t.Fatalf("identity Open: %q %v", got, err)
	}
}

func BenchmarkPassphraseSealOpen(b *testing.B) {
	s := testPassphraseSealer(b, "pw")
	pt := make([]byte, 256)
	for b.Loop() {
		blob, _ := s.Seal(pt, []byte("ad"))
		if _, err := s.Open(blob, []byte("ad")); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPassphraseSealerAdoptsTheStoreSalt(t *testing.T) {
	first := testPassphraseSealer(t, "pw")
	canary, _ := first.Seal([]byte("c"), nil)
	bl, _ := parseBlob(canary)
	_, salt, _, _ := parsePassphraseParams(bl.params)

	restarted := testPassphraseSealer(t, "pw")
	if _, err := restarted.Open(canary, nil); err != nil {
		t.Fatal(err)
	}
	next, _ := restarted.Seal([]byte("x"), nil)
	bl2, _ := parseBlob(next)
	_, salt2, _, _ := parsePassphraseParams(bl2.params)
	if !bytes.Equal(salt, salt2) {
		t.Fatal("a restarted sealer did not keep the store's salt")
	}

	t.Run("a sealer that already sealed keeps its own salt", func(t *testing.T) {
		s := testPassphraseSealer(t, "pw")
		own, _ := s.Seal([]byte("x"), nil)
		if _, err := s.Open(canary, nil); err != nil {
			t.Fatal(err)
		}
		again, _ := s.Seal([]byte("y"), nil)
		a, _ := parseBlob(own)
		b, _ := parseBlob(again)
		if !bytes.Equal(a.params, b.params) {
			t.Fatal("salt changed after sealing")
		}
	})
}

func TestPassphraseSealerConcurrentUse(t *testing.T) {
	s := testPassphraseSealer(t, "pw")
	others := make([][]byte, maxCachedKeys+4) // more salts than the cache holds
	for i := range others {
		o := testPassphraseSealer(t, "pw")
		others[i], _ = o.Seal([]byte("other"), nil)
	}
	done := make(chan error)
	for w := range 4 {
		go func() {
			var err error
			for i := range 50 {
				if w%2 == 0 {
					_, err = s.Open(others[(i+w)%len(others)], nil)
				} else {
					var b []byte
					if b, err = s.Seal([]byte("mine"), nil); err == nil {
						_, err = s.Open(b, nil)
					}
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
