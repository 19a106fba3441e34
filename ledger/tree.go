package ledger

import (
	"crypto"
	_ "crypto/sha256" // the RFC 6962 hasher uses SHA-256
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hasher is the RFC 6962 (RFC 9162 section 2.1) SHA-256 tree hasher:
// leaf = H(0x00 || record bytes), node = H(0x01 || left || right).
var hasher = rfc6962.New(crypto.SHA256)

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// leafHash returns the RFC 6962 leaf hash of canonical record bytes.
func leafHash(b []byte) Hash { return Hash(hasher.HashLeaf(b)) }

// LeafHash returns the RFC 6962 leaf hash of a log entry's bytes (the
// canonical bytes of a signed record).
func LeafHash(entry []byte) Hash { return leafHash(entry) }

// EmptyRoot is the root hash of the empty tree, SHA-256 of nothing.
func EmptyRoot() Hash { return Hash(hasher.EmptyRoot()) }

// nodeReader fetches stored hashes of perfect subtrees.
type nodeReader func(ids []compact.NodeID) ([][]byte, error)

// inclusionProof builds the RFC 6962 audit path of leaf index in the tree
// of the given size from stored nodes.
func inclusionProof(index, size uint64, read nodeReader) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("%w: inclusion proof: %w", ErrNotFound, err)
	}
	return fetchProof(nodes, read)
}

// consistencyProof builds the RFC 6962 consistency proof between two tree
// sizes from stored nodes.
func consistencyProof(from, to uint64, read nodeReader) ([][]byte, error) {
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, fmt.Errorf("%w: consistency proof: %w", ErrNotFound, err)
	}
	return fetchProof(nodes, read)
}

func fetchProof(nodes proof.Nodes, read nodeReader) ([][]byte, error) {
	hashes, err := read(nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// rootOf returns the root hash of a compact range starting at 0.
func rootOf(r *compact.Range) (Hash, error) {
	if r.End() == 0 {
		return EmptyRoot(), nil
	}
	h, err := r.GetRootHash(nil)
	if err != nil {
		return Hash{}, err
	}
	return Hash(h), nil
}
