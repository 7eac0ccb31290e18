package platform

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	"github.com/custos-mpc/custos/internal/pki"
)

// peerRole returns the role and name of the verified TLS client certificate
// of the connection behind ctx.
func peerRole(ctx context.Context) (pki.Role, string, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return "", "", errors.New("platform: no peer")
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return "", "", errors.New("platform: connection is not TLS")
	}
	return pki.PeerIdentity(ti.State)
}

// nodeFromTLS is the coordinator's PeerNode: the node id of a node
// certificate.
func nodeFromTLS(ctx context.Context) (string, error) {
	role, name, err := peerRole(ctx)
	if err != nil {
		return "", err
	}
	if role != pki.RoleNode {
		return "", fmt.Errorf("platform: certificate role %q is not a node", role)
	}
	return name, nil
}

// adminOnly rejects admin API calls not made with an admin certificate.
func adminOnly(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	role, _, err := peerRole(ctx)
	if err != nil || role != pki.RoleAdmin {
		return nil, errors.New("platform: admin certificate required")
	}
	return handler(ctx, req)
}
