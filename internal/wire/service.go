package wire

import (
	"context"

	"google.golang.org/grpc"
)

// Method names.
const (
	NodesService  = "custos.coordinator.v1.Nodes"
	ConnectMethod = "/" + NodesService + "/Connect"
	AdminService  = "custos.coordinator.v1.Admin"
	CreateKeyPath = "/" + AdminService + "/CreateKey"
	ListKeysPath  = "/" + AdminService + "/ListKeys"
	SignPath      = "/" + AdminService + "/Sign"
	ListNodesPath = "/" + AdminService + "/ListNodes"
	RefreshPath   = "/" + AdminService + "/RefreshKey"
)

// NodesServer serves node streams.
type NodesServer interface {
	Connect(grpc.ServerStream) error
}

// RegisterNodes registers the node stream service on s.
func RegisterNodes(s *grpc.Server, impl NodesServer) {
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: NodesService,
		HandlerType: (*NodesServer)(nil),
		Streams: []grpc.StreamDesc{{
			StreamName:    "Connect",
			ServerStreams: true,
			ClientStreams: true,
			Handler: func(srv any, stream grpc.ServerStream) error {
				return srv.(NodesServer).Connect(stream)
			},
		}},
	}, impl)
}

// ConnectStream opens a node's stream to the coordinator.
func ConnectStream(ctx context.Context, cc *grpc.ClientConn) (grpc.ClientStream, error) {
	return cc.NewStream(ctx, &grpc.StreamDesc{StreamName: "Connect", ServerStreams: true, ClientStreams: true},
		ConnectMethod, grpc.CallContentSubtype(FrameCodec))
}

// CreateKeyRequest asks for a new threshold key.
type CreateKeyRequest struct {
	KeyID     string   `json:"key_id,omitempty"` // chosen by the coordinator when empty
	Scheme    string   `json:"scheme"`           // frost-ed25519, frost-secp256k1, frost-bip340, ...
	Threshold int      `json:"threshold"`
	Nodes     []string `json:"nodes,omitempty"` // which nodes; all online when empty
	// AllowConcentration overrides the placement rule (one operator or
	// trust domain holding t or more shares). It is recorded.
	AllowConcentration bool `json:"allow_concentration,omitempty"`
	// PaillierBits is the Paillier modulus size of an ECDSA key's
	// auxiliary info (2048 or more; 0: the coordinator's default).
	PaillierBits int `json:"paillier_bits,omitempty"`
}

// KeyInfo describes a key.
type KeyInfo struct {
	KeyID     string  `json:"key_id"`
	Scheme    string  `json:"scheme"`
	Threshold int     `json:"threshold"`
	Parties   []Party `json:"parties"`
	PublicKey []byte  `json:"public_key"` // the group key in the scheme's standard encoding
	Created   string  `json:"created"`
	Override  bool    `json:"placement_override,omitempty"`
	// Address is the Ethereum address of an ECDSA key.
	Address string `json:"address,omitempty"`
	// Presignatures is how many ECDSA presignatures the coordinator's
	// pools hold for the key (every signer set and path).
	Presignatures int `json:"presignatures,omitempty"`
	// Epoch is the key's committed share epoch (0 at key generation, +1
	// per refresh).
	Epoch uint64 `json:"epoch"`
	// PendingNodes are holders that have not yet confirmed the last
	// refresh's commit or abort (they are told when they reconnect).
	PendingNodes []string `json:"pending_nodes,omitempty"`
}

// RefreshKeyRequest asks for a proactive refresh of an ECDSA key: new
// shares of the same key and new Paillier keys, every holder taking part.
type RefreshKeyRequest struct {
	KeyID string `json:"key_id"`
	// PaillierBits is the size of the new Paillier moduli (0: the size
	// the key uses now).
	PaillierBits int `json:"paillier_bits,omitempty"`
}

// RefreshKeyResponse reports a committed refresh.
type RefreshKeyResponse struct {
	KeyID     string `json:"key_id"`
	OldEpoch  uint64 `json:"old_epoch"`
	NewEpoch  uint64 `json:"new_epoch"`
	PublicKey []byte `json:"public_key"` // unchanged by the refresh
	// Committed are the holders that confirmed the switch; Pending those
	// that were unreachable when the coordinator committed (they switch
	// when they reconnect, and sign nothing for this key until then).
	Committed []string `json:"committed"`
	Pending   []string `json:"pending,omitempty"`
}

// ListKeysRequest and ListKeysResponse list keys.
type ListKeysRequest struct{}
type ListKeysResponse struct {
	Keys []KeyInfo `json:"keys"`
}

// SignRequest asks for a signature of Message under KeyID, authorized by
// Bundle (which must list Message). For an ECDSA key Message is a 32-byte
// digest, and the bundle's path (if any) names the child key.
type SignRequest struct {
	KeyID   string `json:"key_id"`
	Message []byte `json:"message"`
	Bundle  []byte `json:"bundle"`
}

// SignResponse carries the verified signature and who signed.
type SignResponse struct {
	Signature []byte   `json:"signature"`
	PublicKey []byte   `json:"public_key"` // the key the signature verifies under
	Signers   []string `json:"signers"`
	Attempts  int      `json:"attempts"`
	Blamed    []string `json:"blamed,omitempty"`
	// ECDSA only: the recovery id, the derivation path ("m/..."), and
	// whether online signing used a stored presignature.
	RecoveryID *int   `json:"recovery_id,omitempty"`
	Path       string `json:"path,omitempty"`
	Presigned  bool   `json:"presigned,omitempty"`
}

// NodeInfo is a registered node and its liveness.
type NodeInfo struct {
	ID          string `json:"id"`
	Operator    string `json:"operator"`
	TrustDomain string `json:"trust_domain"`
	Online      bool   `json:"online"`
}

type ListNodesRequest struct{}
type ListNodesResponse struct {
	Nodes []NodeInfo `json:"nodes"`
}

// AdminServer is the coordinator's admin API.
type AdminServer interface {
	CreateKey(context.Context, *CreateKeyRequest) (*KeyInfo, error)
	ListKeys(context.Context, *ListKeysRequest) (*ListKeysResponse, error)
	Sign(context.Context, *SignRequest) (*SignResponse, error)
	ListNodes(context.Context, *ListNodesRequest) (*ListNodesResponse, error)
	RefreshKey(context.Context, *RefreshKeyRequest) (*RefreshKeyResponse, error)
}

func unary[Req any, Resp any](name string, call func(AdminServer, context.Context, *Req) (*Resp, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			req := new(Req)
			if err := dec(req); err != nil {
				return nil, err
			}
			return call(srv.(AdminServer), ctx, req)
		},
	}
}

// RegisterAdmin registers the admin service on s.
func RegisterAdmin(s *grpc.Server, impl AdminServer) {
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: AdminService,
		HandlerType: (*AdminServer)(nil),
		Methods: []grpc.MethodDesc{
			unary("CreateKey", AdminServer.CreateKey),
			unary("ListKeys", AdminServer.ListKeys),
			unary("Sign", AdminServer.Sign),
			unary("ListNodes", AdminServer.ListNodes),
			unary("RefreshKey", AdminServer.RefreshKey),
		},
	}, impl)
}

// AdminClient calls the admin API.
type AdminClient struct{ CC *grpc.ClientConn }

func (c AdminClient) call(ctx context.Context, method string, req, resp any) error {
	return c.CC.Invoke(ctx, method, req, resp, grpc.CallContentSubtype(JSONCodec))
}

func (c AdminClient) CreateKey(ctx context.Context, r *CreateKeyRequest) (*KeyInfo, error) {
	out := new(KeyInfo)
	return out, c.call(ctx, CreateKeyPath, r, out)
}

func (c AdminClient) ListKeys(ctx context.Context) (*ListKeysResponse, error) {
	out := new(ListKeysResponse)
	return out, c.call(ctx, ListKeysPath, &ListKeysRequest{}, out)
}

func (c AdminClient) Sign(ctx context.Context, r *SignRequest) (*SignResponse, error) {
	out := new(SignResponse)
	return out, c.call(ctx, SignPath, r, out)
}

func (c AdminClient) ListNodes(ctx context.Context) (*ListNodesResponse, error) {
	out := new(ListNodesResponse)
	return out, c.call(ctx, ListNodesPath, &ListNodesRequest{}, out)
}

func (c AdminClient) RefreshKey(ctx context.Context, r *RefreshKeyRequest) (*RefreshKeyResponse, error) {
	out := new(RefreshKeyResponse)
	return out, c.call(ctx, RefreshPath, r, out)
}
