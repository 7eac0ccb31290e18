package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
)

// ServerConfig returns a TLS 1.3 server configuration for the coordinator:
// it presents certFile/keyFile (which must be a coordinator certificate
// issued by the CA in caFile) and requires every client to present a node
// or admin certificate issued by that CA. Use RestrictRoles to narrow a
// listener to one role and PeerIdentity to learn who connected.
func ServerConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	pool, cert, err := loadTLSFiles(caFile, certFile, keyFile, RoleCoordinator)
	if err != nil {
		return nil, fmt.Errorf("pki: server config: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return checkPeerRole(cs, RoleNode, RoleAdmin)
		},
	}, nil
}

// ClientConfig returns a TLS 1.3 client configuration for a node or an
// admin: it presents certFile/keyFile (a node or admin certificate issued by
// the CA in caFile) and accepts only a coordinator certificate from that CA
// valid for serverName.
func ClientConfig(caFile, certFile, keyFile, serverName string) (*tls.Config, error) {
	if serverName == "" {
		return nil, errors.New("pki: client config: empty server name")
	}
	pool, cert, err := loadTLSFiles(caFile, certFile, keyFile, RoleNode, RoleAdmin)
	if err != nil {
		return nil, fmt.Errorf("pki: client config: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ServerName:   serverName,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return checkPeerRole(cs, RoleCoordinator)
		},
	}, nil
}

// RestrictRoles returns a copy of a ServerConfig or ClientConfig result
// that also refuses any peer whose role is not in roles, for example an
// admin listener that must not accept node certificates.
func RestrictRoles(cfg *tls.Config, roles ...Role) *tls.Config {
	c := cfg.Clone()
	prev := c.VerifyConnection
	allowed := slices.Clone(roles)
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if prev != nil {
			if err := prev(cs); err != nil {
				return err
			}
		}
		return checkPeerRole(cs, allowed...)
	}
	return c
}

// PeerIdentity returns the role and name of the peer of a completed (or
// completing) handshake, read from the URI SAN of its verified certificate.
// It fails if the peer presented no verified certificate, or if the
// certificate does not carry exactly one well-formed custos identity
// consistent with its extended key usage.
func PeerIdentity(state tls.ConnectionState) (Role, string, error) {
	if len(state.VerifiedChains) == 0 || len(state.VerifiedChains[0]) == 0 {
		return "", "", errors.New("pki: peer identity: no verified peer certificate")
	}
	role, name, err := certIdentity(state.VerifiedChains[0][0])
	if err != nil {
		return "", "", fmt.Errorf("pki: peer identity: %w", err)
	}
	return role, name, nil
}

// certIdentity reads the custos identity of a leaf certificate.
func certIdentity(leaf *x509.Certificate) (Role, string, error) {
	var found []string
	var role Role
	var name string
	for _, u := range leaf.URIs {
		if u.Scheme != URIScheme {
			continue
		}
		found = append(found, u.String())
		r, n, err := parseIdentityURI(u)
		if err != nil {
			return "", "", err
		}
		role, name = r, n
	}
	switch len(found) {
	case 0:
		return "", "", errors.New("certificate carries no custos identity URI")
	case 1:
	default:
		return "", "", fmt.Errorf("certificate carries %d custos identity URIs %q; want one", len(found), found)
	}
	want := x509.ExtKeyUsageClientAuth
	if role == RoleCoordinator {
		want = x509.ExtKeyUsageServerAuth
	}
	if !slices.Contains(leaf.ExtKeyUsage, want) {
		return "", "", fmt.Errorf("%s certificate %q lacks the %s extended key usage", role, name, ekuName(want))
	}
	return role, name, nil
}

func ekuName(u x509.ExtKeyUsage) string {
	if u == x509.ExtKeyUsageServerAuth {
		return "server authentication"
	}
	return "client authentication"
}

// checkPeerRole fails unless the verified peer's role is one of roles.
func checkPeerRole(cs tls.ConnectionState, roles ...Role) error {
	role, name, err := PeerIdentity(cs)
	if err != nil {
		return err
	}
	if !slices.Contains(roles, role) {
		return fmt.Errorf("pki: peer %s %q: role not allowed here (want %v)", role, name, roles)
	}
	return nil
}

// loadTLSFiles loads the CA pool and the key pair, and checks that the key
// pair's certificate is issued by that CA and carries one of roles, so a
// misconfiguration fails at start-up rather than at the first handshake.
func loadTLSFiles(caFile, certFile, keyFile string, roles ...Role) (*x509.CertPool, tls.Certificate, error) {
	cas, err := readCertificates(caFile)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("CA file: %w", err)
	}
	pool := x509.NewCertPool()
	for _, c := range cas {
		if !c.IsCA {
			return nil, tls.Certificate{}, fmt.Errorf("CA file: %s: certificate %q is not a CA", caFile, c.Subject.CommonName)
		}
		pool.AddCert(c)
	}
	chain, err := readCertificates(certFile)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("certificate file: %w", err)
	}
	key, err := readPrivateKey(keyFile)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("key file: %w", err)
	}
	leaf := chain[0]
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return nil, tls.Certificate{}, fmt.Errorf("key file %s does not match certificate %s", keyFile, certFile)
	}
	role, name, err := certIdentity(leaf)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("certificate file %s: %w", certFile, err)
	}
	if !slices.Contains(roles, role) {
		return nil, tls.Certificate{}, fmt.Errorf("certificate file %s: %s certificate %q cannot be used here (want %v)", certFile, role, name, roles)
	}
	eku := x509.ExtKeyUsageClientAuth
	if role == RoleCoordinator {
		eku = x509.ExtKeyUsageServerAuth
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{eku}}); err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("certificate file %s is not valid under CA file %s: %w", certFile, caFile, err)
	}
	cert := tls.Certificate{PrivateKey: key, Leaf: leaf}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return pool, cert, nil
}

// CertificateIdentity returns the role and name carried by the first
// certificate of a PEM file, without verifying it against any CA (use it to
// check a configuration; trust comes only from a handshake's verified
// chain and PeerIdentity).
func CertificateIdentity(certFile string) (Role, string, error) {
	certs, err := readCertificates(certFile)
	if err != nil {
		return "", "", fmt.Errorf("pki: certificate identity: %w", err)
	}
	role, name, err := certIdentity(certs[0])
	if err != nil {
		return "", "", fmt.Errorf("pki: certificate identity: %s: %w", certFile, err)
	}
	return role, name, nil
}
