// Package wire is the node–coordinator protocol: the frames that flow on
// each node's long-lived gRPC stream, the control messages the coordinator
// sends, the status a node reports, and the admin API's messages.
//
// Nodes dial out to the coordinator and open one bidirectional stream
// (service custos.coordinator.v1.Nodes, method Connect). Everything a node
// says about a protocol session travels in an envelope signed by its
// identity key (internal/envelope); control frames from the coordinator are
// unsigned requests that the node checks on its own (the coordinator is
// untrusted).
//
// gRPC carries raw frames with the "custos-frame" codec and the admin API's
// JSON messages with the "custos-json" codec, so no generated code is
// needed; every frame is versioned and strictly parsed.
package wire

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/grpc/encoding"
)

// Frame types.
const (
	FrameHello    byte = 1 // node → coordinator, first frame: Hello
	FrameEnvelope byte = 2 // both ways: a marshalled envelope
	FrameControl  byte = 3 // coordinator → node: Control
	FrameStatus   byte = 4 // node → coordinator: Status
)

const (
	frameVersion = 1
	// MaxFrame bounds every frame (an envelope payload is at most 4 MiB).
	MaxFrame = 8 << 20
)

// Frame is one message on a node's stream.
type Frame struct {
	Type byte
	Body []byte
}

// Marshal encodes the frame.
func (f *Frame) Marshal() []byte {
	out := make([]byte, 0, 2+len(f.Body))
	return append(append(out, frameVersion, f.Type), f.Body...)
}

// ParseFrame decodes a frame, rejecting unknown versions and types.
func ParseFrame(b []byte) (*Frame, error) {
	if len(b) < 2 || len(b) > MaxFrame {
		return nil, errors.New("wire: frame size out of range")
	}
	if b[0] != frameVersion {
		return nil, fmt.Errorf("wire: unsupported frame version %d", b[0])
	}
	if b[1] < FrameHello || b[1] > FrameStatus {
		return nil, fmt.Errorf("wire: unknown frame type %d", b[1])
	}
	return &Frame{Type: b[1], Body: b[2:]}, nil
}

// Hello is a node's first frame. The coordinator checks it against the
// node's TLS certificate and the roster.
type Hello struct {
	NodeID   string `json:"node_id"`
	Identity []byte `json:"identity"` // envelope.PublicIdentity bytes
}

// Party maps a session's party id to a node.
type Party struct {
	ID   uint16 `json:"id"`
	Node string `json:"node"`
}

// Control kinds.
const (
	ControlKeygen      = "keygen"       // run a DKG
	ControlSignCommit  = "sign-commit"  // FROST round one: verify the bundle, commit
	ControlSignPackage = "sign-package" // FROST round two: sign the package
	ControlCancel      = "cancel"       // forget a session
	// ControlPreprocess asks a node for Count preprocessed FROST nonce
	// commitments for a key (stored sealed; answered in one envelope).
	ControlPreprocess = "preprocess"
	// ControlSignOneRound is one-round FROST signing: the bundle, the
	// message, the signer set and the signing package built from
	// preprocessed commitments, with the id of this node's nonce.
	ControlSignOneRound = "sign-oneround"
	// ControlAuxInfo runs CGGMP21 auxiliary info for an ECDSA key whose
	// key generation (ControlKeygen) this node just completed; the share
	// is stored when both phases are done.
	ControlAuxInfo = "aux-info"
	// ControlPresign runs CGGMP21 presigning among Parties for KeyID,
	// bound to Path; each holder stores the presignature sealed.
	ControlPresign = "presign"
	// ControlSignECDSA is threshold-ECDSA signing behind the verification
	// gate: online signing from the presignature PresignID, or full
	// signing (presign and sign in one session) when PresignID is empty.
	ControlSignECDSA = "sign-ecdsa"
	// ControlRefresh runs CGGMP21 key refresh of KeyID's epoch Epoch
	// among Parties (every holder); each node stores the refreshed share
	// sealed as a pending epoch Epoch+1 beside the active one and reports
	// StatusRefreshStored. Nothing changes what the node signs with until
	// ControlCommitEpoch.
	ControlRefresh = "refresh"
	// ControlCommitEpoch makes the pending epoch Epoch of KeyID active and
	// destroys the older epochs and their presignatures. Votes must hold
	// a "stored" vote on the attempt Refresh from every holder: a node
	// checks them itself and switches on nothing less.
	ControlCommitEpoch = "commit-epoch"
	// ControlAbortEpoch destroys the pending epoch Epoch of KeyID made by
	// the attempt Refresh. Votes must hold an "abort" vote on that attempt
	// from one holder (who never stored it, and now never will).
	ControlAbortEpoch = "abort-epoch"
	// ControlRefreshVote asks a holder for its vote on the refresh attempt
	// Refresh of KeyID's epoch Epoch (StatusEpochVote): "stored" if it
	// holds the epoch made by that attempt, otherwise "abort", after which
	// it never stores it.
	ControlRefreshVote = "refresh-vote"
)

// Votes on a refresh attempt (EpochVote.Vote).
const (
	VoteStored = "stored"
	VoteAbort  = "abort"
)

// EpochVote is a holder's signed vote on one refresh attempt: the
// statement EpochVoteMessage signed with the node's identity key
// (envelope.Identity.SignStatement, kind EpochVoteKind). A holder votes
// only one way on an attempt, so n "stored" votes (commit) and one "abort"
// vote (abort) never both exist: the coordinator, which relays them,
// cannot commit some holders and abort others.
type EpochVote struct {
	Node      string `json:"node"`
	Vote      string `json:"vote"`
	Signature []byte `json:"signature"`
}

// EpochVoteKind is the statement kind of an EpochVote's signature.
const EpochVoteKind = "refresh-vote"

// EpochVoteMessage is the statement a holder signs: key id, the new
// epoch, the refresh attempt (its session id) and the vote, each
// length-prefixed.
func EpochVoteMessage(keyID string, epoch uint64, attempt []byte, vote string) []byte {
	out := binary.BigEndian.AppendUint16(nil, uint16(len(keyID)))
	out = append(out, keyID...)
	out = binary.BigEndian.AppendUint64(out, epoch)
	out = append(out, byte(len(attempt)))
	out = append(out, attempt...)
	out = append(out, byte(len(vote)))
	return append(out, vote...)
}

// Control is a request from the coordinator, sent in a binary encoding
// (EncodeControl, ParseControl; the JSON tags are those of the encoding
// before it).
type Control struct {
	Kind      string  `json:"kind"`
	Session   []byte  `json:"session"` // 32 bytes
	KeyID     string  `json:"key_id"`
	Scheme    string  `json:"scheme,omitempty"`
	Threshold int     `json:"threshold,omitempty"`
	Parties   []Party `json:"parties,omitempty"`
	Bundle    []byte  `json:"bundle,omitempty"`   // sign-commit: the signing bundle
	Message   []byte  `json:"message,omitempty"`  // sign-commit: which authorized message
	Package   []byte  `json:"package,omitempty"`  // sign-package, sign-oneround: frost signing package
	Count     int     `json:"count,omitempty"`    // preprocess: how many nonces
	NonceID   string  `json:"nonce_id,omitempty"` // sign-oneround: the node's preprocessed nonce
	// PaillierBits is the Paillier modulus size of aux-info (0: default).
	PaillierBits int `json:"paillier_bits,omitempty"`
	// Path is the BIP32 path a presignature is bound to (presign).
	Path []uint32 `json:"path,omitempty"`
	// PresignID names the presignature sign-ecdsa spends (hex of its
	// 32-byte id); empty for full signing.
	PresignID string `json:"presign_id,omitempty"`
	// Epoch is the key epoch the request is for: presign and sign-ecdsa
	// run only if it is the node's active epoch, refresh refreshes it, and
	// commit-epoch and abort-epoch name the new epoch.
	Epoch uint64 `json:"epoch,omitempty"`
	// Refresh is the refresh attempt (its session id) that commit-epoch,
	// abort-epoch and refresh-vote concern; Votes is the evidence for a
	// commit or an abort.
	Refresh []byte      `json:"refresh,omitempty"`
	Votes   []EpochVote `json:"votes,omitempty"`
}

// Status kinds.
const (
	StatusKeygenDone = "keygen-done"
	StatusAbort      = "abort"   // a protocol abort naming culprits
	StatusRefused    = "refused" // the node refused the request (bad bundle, unknown key...)
	// StatusPresignDone: the node stored its presignature (id = session).
	StatusPresignDone = "presign-done"
	// StatusSigned: the node combined a threshold-ECDSA signature; the
	// coordinator verifies it before it uses it.
	StatusSigned = "signed"
	// StatusRefreshStored: the node stored its refreshed share sealed as
	// the pending epoch Epoch (PublicKey is the key's unchanged package).
	StatusRefreshStored = "refresh-stored"
	// StatusEpochVote: the node's vote on a refresh attempt.
	StatusEpochVote = "epoch-vote"
	// StatusEpochSettled: the node carried out commit-epoch or abort-epoch
	// for Epoch (also when it had done so before).
	StatusEpochSettled = "epoch-settled"
)

// Status is a node's report about a session.
type Status struct {
	Kind      string   `json:"kind"`
	Session   []byte   `json:"session"`
	KeyID     string   `json:"key_id,omitempty"`
	PublicKey []byte   `json:"public_key,omitempty"` // keygen-done: the public key package
	Culprits  []uint16 `json:"culprits,omitempty"`
	Evidence  []byte   `json:"evidence,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	// Signature (r || s, 64 bytes, low S) and its recovery id (signed).
	Signature  []byte `json:"signature,omitempty"`
	RecoveryID int    `json:"recovery_id,omitempty"`
	// Epoch: refresh-stored, epoch-settled, epoch-vote.
	Epoch uint64 `json:"epoch,omitempty"`
	// Vote: refresh-stored (a "stored" vote) and epoch-vote.
	Vote *EpochVote `json:"vote,omitempty"`
}

// EncodeJSON makes a frame from a JSON-encodable hello or status.
func EncodeJSON(t byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}
	return (&Frame{Type: t, Body: b}).Marshal(), nil
}

// DecodeJSON decodes a frame body strictly (unknown fields rejected).
func DecodeJSON(body []byte, v any) error {
	d := json.NewDecoder(bytesReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	if d.More() {
		return errors.New("wire: trailing data")
	}
	return nil
}

// Codec names.
const (
	FrameCodec = "custos-frame"
	JSONCodec  = "custos-json"
)

type frameCodec struct{}

func (frameCodec) Name() string { return FrameCodec }
func (frameCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("wire: frame codec cannot marshal %T", v)
	}
	return *b, nil
}
func (frameCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("wire: frame codec cannot unmarshal into %T", v)
	}
	if len(data) > MaxFrame {
		return errors.New("wire: frame too large")
	}
	*b = append((*b)[:0], data...)
	return nil
}

type jsonCodec struct{}

func (jsonCodec) Name() string                  { return JSONCodec }
func (jsonCodec) Marshal(v any) ([]byte, error) { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytesReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func init() {
	encoding.RegisterCodec(frameCodec{})
	encoding.RegisterCodec(jsonCodec{})
}
