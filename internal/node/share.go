package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/custos-mpc/custos/internal/keystore"
	"github.com/custos-mpc/custos/internal/roster"
	"github.com/custos-mpc/custos/internal/scheme"
	"github.com/custos-mpc/custos/protocol/cggmp/share"
	"github.com/custos-mpc/custos/protocol/frost"
	"github.com/custos-mpc/custos/protocol/round"
)

// storedShare is what the keystore seals for a key: the engine's key share
// (a FROST key share, or a CGGMP21 share.Key for an ECDSA key) and the
// party-id-to-node map fixed at key generation.
type storedShare struct {
	scheme string
	share  *frost.KeyShare // FROST keys
	ecdsa  *share.Key      // ECDSA keys
	nodes  map[uint16]string
}

// threshold is the number of signers the key needs.
func (s *storedShare) threshold() int {
	if s.ecdsa != nil {
		return s.ecdsa.Threshold
	}
	return s.share.Public.Threshold
}

// publicKey is the group key's encoding (compressed for ECDSA).
func (s *storedShare) publicKey() []byte {
	if s.ecdsa != nil {
		return s.ecdsa.PublicKey.Bytes()
	}
	return s.share.Public.Key.Bytes()
}

// destroy wipes an ECDSA share's secrets (FROST key shares are left to
// the garbage collector, as before).
func (s *storedShare) destroy() {
	if s.ecdsa != nil {
		s.ecdsa.Destroy()
	}
}

const storedShareVersion = 1

func (s *storedShare) marshal() []byte {
	ids := make([]uint16, 0, len(s.nodes))
	for id := range s.nodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []byte{storedShareVersion}
	out = binary.BigEndian.AppendUint16(out, uint16(len(ids)))
	for _, id := range ids {
		out = binary.BigEndian.AppendUint16(out, id)
		out = append(out, byte(len(s.nodes[id])))
		out = append(out, s.nodes[id]...)
	}
	if s.ecdsa != nil {
		return append(out, s.ecdsa.Marshal()...)
	}
	return append(out, frost.MarshalKeyShare(s.share)...)
}

func parseStoredShare(schemeName string, b []byte) (*storedShare, error) {
	if len(b) < 3 || b[0] != storedShareVersion {
		return nil, errors.New("node: stored share: unsupported format")
	}
	n := int(binary.BigEndian.Uint16(b[1:3]))
	b = b[3:]
	nodes := make(map[uint16]string, n)
	for range n {
		if len(b) < 3 || len(b) < 3+int(b[2]) {
			return nil, errors.New("node: stored share: truncated")
		}
		id := binary.BigEndian.Uint16(b)
		nodes[id] = string(b[3 : 3+int(b[2])])
		b = b[3+int(b[2]):]
	}
	if scheme.IsECDSA(schemeName) {
		k, err := share.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("node: stored share: %w", err)
		}
		for _, id := range k.Parties {
			if nodes[uint16(id)] == "" {
				return nil, errors.New("node: stored share: holder without a node")
			}
		}
		return &storedShare{scheme: schemeName, ecdsa: k, nodes: nodes}, nil
	}
	ks, err := frost.ParseKeyShare(b)
	if err != nil {
		return nil, fmt.Errorf("node: stored share: %w", err)
	}
	if scheme.FrostName(ks.Public.Suite) != schemeName {
		return nil, errors.New("node: stored share: scheme mismatch")
	}
	for _, id := range ks.Public.Parties() {
		if nodes[uint16(id)] == "" {
			return nil, errors.New("node: stored share: holder without a node")
		}
	}
	return &storedShare{scheme: schemeName, share: ks, nodes: nodes}, nil
}

// activeShare loads (and caches) a key's active share.
func (n *Node) activeShare(ctx context.Context, keyID string) (*storedShare, error) {
	n.mu.Lock()
	s := n.shares[keyID]
	n.mu.Unlock()
	if s != nil {
		return s, nil
	}
	info, sec, err := n.cfg.Store.ActiveShare(ctx, keyID)
	if err != nil {
		return nil, err
	}
	defer sec.Destroy()
	s, err = parseStoredShare(info.Scheme, sec.Bytes())
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.shares[keyID] = s
	n.mu.Unlock()
	return s, nil
}

// storeShare writes a new key's share and makes it active.
func (n *Node) storeShare(ctx context.Context, keyID string, s *storedShare) error {
	blob := s.marshal()
	defer clear(blob)
	info := keystore.ShareInfo{KeyID: keyID, Scheme: s.scheme, Epoch: 0, PublicKey: s.publicKey()}
	if err := n.cfg.Store.PutShare(ctx, info, blob); err != nil {
		return err
	}
	return n.cfg.Store.ActivateShare(ctx, keyID, 0)
}

func partyIDs(m map[uint16]roster.Peer) round.Parties {
	ids := make([]round.PartyID, 0, len(m))
	for id := range m {
		ids = append(ids, round.PartyID(id))
	}
	p, _ := round.NewParties(ids)
	return p
}
