package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Role is what a certificate's holder is to the cluster.
type Role string

// The roles a certificate can carry.
const (
	RoleCoordinator Role = "coordinator" // server certificate of the coordinator
	RoleNode        Role = "node"        // client certificate of a share node
	RoleAdmin       Role = "admin"       // client certificate of an operator
)

// File names inside a CA directory.
const (
	CACertFile = "ca.crt"
	CAKeyFile  = "ca.key"
)

// Validity periods.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour // development CA
	LeafValidity = 2 * 365 * 24 * time.Hour  // coordinator, node and admin certificates
	clockSkew    = time.Hour                 // NotBefore is backdated by this much
)

// URIScheme is the scheme of the URI SAN that names a certificate's holder:
// custos://<role>/<name>.
const URIScheme = "custos"

// maxNameLen bounds a node, admin or coordinator name.
const maxNameLen = 64

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCoordinator, RoleNode, RoleAdmin:
		return true
	}
	return false
}

// CheckName reports whether name can name a certificate holder: 1 to 64
// characters from [A-Za-z0-9._-], starting with a letter or digit. Node ids
// follow the same rule.
func CheckName(name string) error {
	if name == "" {
		return errors.New("pki: empty name")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("pki: name %.16q...: longer than %d characters", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum || i > 0 && (c == '.' || c == '_' || c == '-') {
			continue
		}
		return fmt.Errorf("pki: name %q: want letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// IdentityURI returns the URI SAN that names role/name.
func IdentityURI(role Role, name string) *url.URL {
	return &url.URL{Scheme: URIScheme, Host: string(role), Path: "/" + name}
}

// parseIdentityURI is the inverse of IdentityURI. It accepts exactly the
// form IdentityURI produces.
func parseIdentityURI(u *url.URL) (Role, string, error) {
	role := Role(u.Host)
	name := strings.TrimPrefix(u.Path, "/")
	if u.Scheme != URIScheme || !role.Valid() || u.User != nil || u.RawQuery != "" ||
		u.Fragment != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "", "", fmt.Errorf("pki: malformed identity URI %q", u.String())
	}
	if err := CheckName(name); err != nil {
		return "", "", err
	}
	if IdentityURI(role, name).String() != u.String() {
		return "", "", fmt.Errorf("pki: non-canonical identity URI %q", u.String())
	}
	return role, name, nil
}

// InitCA creates a certificate authority named name (see CheckName) in
// dir: ca.crt (mode 0644) and ca.key (mode 0600). dir is created with mode 0700 if missing.
// InitCA refuses to overwrite either file.
func InitCA(dir string, name string) error {
	if err := CheckName(name); err != nil {
		return fmt.Errorf("pki: init CA: %w", err)
	}
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("pki: init CA: %s already exists; refusing to overwrite", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("pki: init CA: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pki: init CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("pki: init CA: generating key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return fmt.Errorf("pki: init CA: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"custos"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return fmt.Errorf("pki: init CA: creating certificate: %w", err)
	}
	if err := writeKeyPair(certPath, keyPath, der, key); err != nil {
		return fmt.Errorf("pki: init CA: %w", err)
	}
	return nil
}

// Issue issues a certificate for role/name signed by the CA in caDir and
// writes it to outDir as <role>-<name>.crt and <role>-<name>.key (created
// with mode 0700 if missing). For RoleCoordinator, hosts lists the DNS
// names and IP addresses nodes dial; 127.0.0.1, ::1 and localhost are
// always added. Client roles take no hosts. Issue refuses to overwrite
// existing files.
func Issue(caDir, outDir string, role Role, name string, hosts []string) (certFile, keyFile string, err error) {
	if !role.Valid() {
		return "", "", fmt.Errorf("pki: issue: unknown role %q", role)
	}
	if err := CheckName(name); err != nil {
		return "", "", fmt.Errorf("pki: issue %s certificate: %w", role, err)
	}
	fail := func(err error) (string, string, error) {
		return "", "", fmt.Errorf("pki: issue %s certificate %q: %w", role, name, err)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, OrganizationalUnit: []string{string(role)}, Organization: []string{"custos"}},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		URIs:                  []*url.URL{IdentityURI(role, name)},
	}
	switch role {
	case RoleCoordinator:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		dns, ips, err := parseHosts(append([]string{"localhost", "127.0.0.1", "::1"}, hosts...))
		if err != nil {
			return fail(err)
		}
		tmpl.DNSNames, tmpl.IPAddresses = dns, ips
	default:
		if len(hosts) != 0 {
			return fail(fmt.Errorf("a %s certificate is a client certificate and takes no hosts", role))
		}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}

	base := string(role) + "-" + name
	certFile, keyFile = filepath.Join(outDir, base+".crt"), filepath.Join(outDir, base+".key")
	for _, p := range []string{certFile, keyFile} {
		if _, err := os.Lstat(p); err == nil {
			return fail(fmt.Errorf("%s already exists; refusing to overwrite", p))
		} else if !errors.Is(err, os.ErrNotExist) {
			return fail(err)
		}
	}
	caCert, caKey, err := loadCA(caDir)
	if err != nil {
		return fail(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fail(fmt.Errorf("generating key: %w", err))
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return fail(err)
	}
	now := time.Now()
	tmpl.NotBefore = now.Add(-clockSkew)
	tmpl.NotAfter = now.Add(LeafValidity)
	if tmpl.NotAfter.After(caCert.NotAfter) {
		tmpl.NotAfter = caCert.NotAfter
	}
	if !tmpl.NotAfter.After(now) {
		return fail(fmt.Errorf("CA certificate expired on %s", caCert.NotAfter.UTC().Format(time.RFC3339)))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return fail(fmt.Errorf("creating certificate: %w", err))
	}
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return fail(err)
	}
	if err := writeKeyPair(certFile, keyFile, der, key); err != nil {
		return fail(err)
	}
	return certFile, keyFile, nil
}

// parseHosts splits hosts into DNS names and IP addresses, dropping
// duplicates and rejecting anything that is neither.
func parseHosts(hosts []string) ([]string, []net.IP, error) {
	var dns []string
	var ips []net.IP
	seen := map[string]bool{}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			if !seen[ip.String()] {
				seen[ip.String()] = true
				ips = append(ips, ip)
			}
			continue
		}
		name := strings.ToLower(strings.TrimSuffix(h, "."))
		if !validDNSName(name) {
			return nil, nil, fmt.Errorf("host %q is neither an IP address nor a DNS name", h)
		}
		if !seen[name] {
			seen[name] = true
			dns = append(dns, name)
		}
	}
	return dns, ips, nil
}

// validDNSName accepts lower-case host names made of labels of letters,
// digits and hyphens, with an optional leading "*." wildcard label.
func validDNSName(name string) bool {
	name = strings.TrimPrefix(name, "*.")
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func randomSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil
}

// loadCA reads the CA certificate and key from dir and checks they match.
func loadCA(dir string) (*x509.Certificate, crypto.Signer, error) {
	certs, err := readCertificates(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, nil, err
	}
	if len(certs) != 1 {
		return nil, nil, fmt.Errorf("%s: want exactly one certificate, found %d", filepath.Join(dir, CACertFile), len(certs))
	}
	cert := certs[0]
	if !cert.IsCA {
		return nil, nil, fmt.Errorf("%s: not a CA certificate", filepath.Join(dir, CACertFile))
	}
	key, err := readPrivateKey(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("%s does not match %s", filepath.Join(dir, CAKeyFile), filepath.Join(dir, CACertFile))
	}
	return cert, key, nil
}

// readCertificates parses every CERTIFICATE block of a PEM file and rejects
// any other content.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s: unexpected PEM block %q", path, block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, cert)
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("%s: trailing data after the last PEM block", path)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificate found", path)
	}
	return certs, nil
}

// readPrivateKey reads one PKCS#8 "PRIVATE KEY" PEM block. Errors never
// include the file's content.
func readPrivateKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" || len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("%s: want exactly one PKCS#8 PRIVATE KEY PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: malformed private key", path)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: unsupported private key type %T", path, key)
	}
	return signer, nil
}

// writeKeyPair writes the certificate (0644) and the key (0600), each with
// O_EXCL so an existing file is never replaced. If the second write fails
// the first file is removed.
func writeKeyPair(certPath, keyPath string, der []byte, key crypto.Signer) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding private key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	clear(keyDER)
	defer clear(keyPEM)
	if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	if err := writeNew(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		_ = os.Remove(keyPath)
		return err
	}
	return nil
}

// writeNew creates path with exactly mode perm (set explicitly, whatever
// the umask), failing if it exists.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; refusing to overwrite", path)
		}
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		_ = os.Remove(path)
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		_ = os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		_ = os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}
