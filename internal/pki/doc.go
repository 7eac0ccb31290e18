// Package pki issues and loads the certificates custos daemons use for
// mutual TLS.
//
// A deployment has one certificate authority (InitCA) that issues three
// kinds of leaf certificate (Issue):
//
//   - coordinator: a server certificate for the coordinator's listeners;
//     its DNS and IP SANs name the hosts nodes dial (127.0.0.1, ::1 and
//     localhost are always included);
//   - node: a client certificate for a share node, named by its node id;
//   - admin: a client certificate for an operator of the admin API.
//
// Every leaf carries its role and name in exactly one URI SAN of the form
// custos://<role>/<name>. After a handshake, PeerIdentity reads them back
// from the verified peer certificate, so the coordinator knows which node
// or operator is connected without trusting anything the peer sends later.
//
// Connections are TLS 1.3 only. Keys are ECDSA P-256, stored as PKCS#8 PEM
// files with mode 0600; certificates are PEM files with mode 0644. Nothing
// is ever overwritten: InitCA and Issue refuse to replace existing files.
//
// # Security
//
// The CA key is the root of the cluster's transport trust: whoever holds it
// can mint a certificate for any node or admin name. Keep it offline in
// production and issue certificates from there. Transport identity is not
// signing authority: envelopes are still signed with each node's identity
// key and checked against the pinned roster, and signing still requires an
// authorised bundle, so a stolen TLS key alone cannot make a node sign.
package pki
