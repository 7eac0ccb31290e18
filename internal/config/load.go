package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds a configuration or roster file.
const maxFileSize = 1 << 20

// Log levels accepted by log_level.
var logLevels = []string{"debug", "info", "warn", "error"}

// DefaultLogLevel is used when log_level is empty.
const DefaultLogLevel = "info"

// readFile reads a bounded file.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

// decodeYAML decodes exactly one YAML document into v, rejecting unknown
// and duplicated fields.
func decodeYAML(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty file")
		}
		return yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return yamlError(err)
		}
		return fmt.Errorf("line %d: a second YAML document; want one", extra.Line)
	}
	return nil
}

// yamlError flattens the YAML library's multi-line messages into one line.
func yamlError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(strings.Join(te.Errors, "; "))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

// problems collects validation failures, each prefixed by its field path.
type problems []string

func (p *problems) addf(field, format string, args ...any) {
	*p = append(*p, field+": "+fmt.Sprintf(format, args...))
}

func (p problems) err(kind, path string) error {
	if len(p) == 0 {
		return nil
	}
	return fmt.Errorf("config: %s %s: %s", kind, path, strings.Join(p, "; "))
}

// resolve makes a non-empty relative path absolute against dir.
func resolve(dir, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// checkFile reports a missing, unreadable or non-regular file; if secret,
// also a file that group or others can access.
func (p *problems) checkFile(field, path string, secret bool) {
	if path == "" {
		p.addf(field, "required")
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		p.addf(field, "%s", describeFSError(path, err))
		return
	}
	if !fi.Mode().IsRegular() {
		p.addf(field, "%s: not a regular file", path)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		p.addf(field, "%s", describeFSError(path, err))
		return
	}
	f.Close()
	if secret && fi.Mode().Perm()&0o077 != 0 {
		p.addf(field, "%s: mode %04o is too open; want 0600 (no access for group or others)", path, fi.Mode().Perm())
	}
}

// checkDir reports a path that exists but is not a directory. A missing
// directory is fine: the daemon creates it.
func (p *problems) checkDir(field, path string) {
	if path == "" {
		p.addf(field, "required")
		return
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		p.addf(field, "%s", describeFSError(path, err))
	case !fi.IsDir():
		p.addf(field, "%s: not a directory", path)
	}
}

func describeFSError(path string, err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return path + ": no such file"
	case errors.Is(err, os.ErrPermission):
		return path + ": permission denied"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return path + ": " + pe.Err.Error()
	}
	return err.Error()
}

// checkAddress validates host:port. A listen address may omit the host and
// use port 0; a dial address needs both a host and a non-zero port. An
// empty address is reported unless optional.
func (p *problems) checkAddress(field, addr string, listen, optional bool) {
	if addr == "" {
		if !optional {
			p.addf(field, "required")
		}
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.addf(field, "%q: want host:port", addr)
		return
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		p.addf(field, "%q: port %q is not a number from 0 to 65535", addr, port)
		return
	}
	if !listen && host == "" {
		p.addf(field, "%q: missing host", addr)
	}
	if !listen && n == 0 {
		p.addf(field, "%q: port 0 cannot be dialled", addr)
	}
	if strings.ContainsAny(host, " \t\r\n/\\@") {
		p.addf(field, "%q: malformed host %q", addr, host)
	}
}

func (p *problems) checkLogLevel(field, level string) {
	for _, l := range logLevels {
		if level == l {
			return
		}
	}
	p.addf(field, "%q: want one of %s", level, strings.Join(logLevels, ", "))
}

// checkLabel validates a free-text name such as an operator or a trust
// domain: 1 to 128 printable characters, no leading or trailing space.
func (p *problems) checkLabel(field, s string) {
	if msg := labelProblem(s); msg != "" {
		p.addf(field, "%s", msg)
	}
}

func labelProblem(s string) string {
	switch {
	case s == "":
		return "required"
	case len(s) > 128:
		return "longer than 128 bytes"
	case strings.TrimSpace(s) != s:
		return fmt.Sprintf("%q: leading or trailing space", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return fmt.Sprintf("%q: control or invalid character", s)
		}
	}
	return ""
}

// absDir returns the absolute directory holding path.
func absDir(path string) (string, string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", err
	}
	return abs, filepath.Dir(abs), nil
}

func joinProblems(p problems) string { return strings.Join(p, "; ") }

// trimPrefix drops a "pki: " or "config: " prefix from an error nested in
// a config error.
func trimPrefix(err error) error {
	s := err.Error()
	for _, pre := range []string{"config: ", "pki: "} {
		if strings.HasPrefix(s, pre) {
			return errors.New(strings.TrimPrefix(s, pre))
		}
	}
	return err
}

// fields lists the field paths that have a problem.
func (p problems) fields() []string {
	var f []string
	for _, s := range p {
		if i := strings.Index(s, ": "); i > 0 {
			f = append(f, s[:i])
		}
	}
	return f
}
