package sealer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// PassphraseFromFile reads a passphrase from the file at path. One trailing
// newline ("\n" or "\r\n") is removed; everything else is kept verbatim.
// The file should be readable by the node's user only.
func PassphraseFromFile(path string) (*Passphrase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sealer: passphrase file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPassphrase+3))
	if err != nil {
		return nil, fmt.Errorf("sealer: passphrase file: %w", err)
	}
	defer wipe(b)
	b2 := trimNewline(b)
	if err := checkPassphrase(b2); err != nil {
		return nil, fmt.Errorf("sealer: passphrase file %s: %w", path, err)
	}
	return NewPassphrase(b2)
}

// PassphraseFromEnv reads a passphrase from the environment variable name.
// The variable must be set and non-empty.
func PassphraseFromEnv(name string) (*Passphrase, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, fmt.Errorf("sealer: passphrase env: %s is not set", name)
	}
	// The string v cannot be wiped; the environment keeps its own copy.
	b := []byte(v)
	defer wipe(b)
	if err := checkPassphrase(b); err != nil {
		return nil, fmt.Errorf("sealer: passphrase env %s: %w", name, err)
	}
	return NewPassphrase(b)
}

// PromptPassphrase asks for a passphrase on the controlling terminal with
// echo disabled (where supported). With confirm it asks twice and fails if
// the answers differ.
func PromptPassphrase(prompt string, confirm bool) (*Passphrase, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("sealer: passphrase prompt: no terminal: %w", err)
	}
	defer tty.Close()
	first, err := promptOnce(tty, prompt)
	if err != nil {
		return nil, err
	}
	if !confirm {
		return first, nil
	}
	second, err := promptOnce(tty, "Confirm: ")
	if err != nil {
		first.Destroy()
		return nil, err
	}
	defer second.Destroy()
	if !first.Equal(second) {
		first.Destroy()
		return nil, errors.New("sealer: passphrase prompt: passphrases do not match")
	}
	return first, nil
}

func promptOnce(tty *os.File, prompt string) (*Passphrase, error) {
	if _, err := io.WriteString(tty, prompt); err != nil {
		return nil, fmt.Errorf("sealer: passphrase prompt: %w", err)
	}
	restore, err := disableEcho(tty)
	if err != nil {
		return nil, fmt.Errorf("sealer: passphrase prompt: %w", err)
	}
	line, err := readLine(tty)
	restore()
	_, _ = io.WriteString(tty, "\n")
	if err != nil {
		return nil, fmt.Errorf("sealer: passphrase prompt: %w", err)
	}
	defer wipe(line)
	if err := checkPassphrase(line); err != nil {
		return nil, fmt.Errorf("sealer: passphrase prompt: %w", err)
	}
	return NewPassphrase(line)
}

// readLine reads up to a newline without buffering past it.
func readLine(r io.Reader) ([]byte, error) {
	br := bufio.NewReaderSize(r, 16)
	var line []byte
	for {
		c, err := br.ReadByte()
		if err == io.EOF && len(line) > 0 {
			break
		}
		if err != nil {
			wipe(line)
			return nil, err
		}
		if c == '\n' {
			break
		}
		if len(line) > maxPassphrase {
			wipe(line)
			return nil, fmt.Errorf("longer than %d bytes", maxPassphrase)
		}
		line = append(line, c)
	}
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

func trimNewline(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}
