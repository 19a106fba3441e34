package revocation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// Depth is the height of the tree: indices are below 2^Depth.
const Depth = 24

// Capacity is the number of leaves.
const Capacity = 1 << Depth

var (
	// ErrRevoked: the witness leads to the root only with the leaf set to 1.
	ErrRevoked = errors.New("revocation: credential revoked")
	// ErrRootMismatch: the witness does not lead to the root at all (it was
	// computed for another root or another index).
	ErrRootMismatch = errors.New("revocation: witness does not match the root")
	// ErrIndexRange: an index at or above Capacity.
	ErrIndexRange = errors.New("revocation: index out of range")
	// ErrMalformed: a witness encoding that does not decode.
	ErrMalformed = errors.New("revocation: malformed witness")
)

var one = func() fr.Element { var e fr.Element; e.SetOne(); return e }()

var empty = sync.OnceValue(func() [Depth + 1]fr.Element {
	var z [Depth + 1]fr.Element
	for h := 1; h <= Depth; h++ {
		z[h] = zkhash.Compress(z[h-1], z[h-1])
	}
	return z
})

// Empty returns the root of an empty subtree of height h (0 ≤ h ≤ Depth);
// Empty(Depth) is the root of a tree in which nothing is revoked.
func Empty(h int) fr.Element { return empty()[h] }

// Tree is a revocation tree. It is not safe for concurrent mutation.
type Tree struct {
	// levels[h] holds the non-empty nodes of height h by index.
	levels [Depth + 1]map[uint32]fr.Element
}

// NewTree returns a tree in which nothing is revoked.
func NewTree() *Tree {
	t := &Tree{}
	for h := range t.levels {
		t.levels[h] = map[uint32]fr.Element{}
	}
	return t
}

func (t *Tree) node(h int, i uint32) fr.Element {
	if v, ok := t.levels[h][i]; ok {
		return v
	}
	return empty()[h]
}

func checkIndex(idx uint32) error {
	if idx >= Capacity {
		return fmt.Errorf("%w: %d, want < %d", ErrIndexRange, idx, Capacity)
	}
	return nil
}

// Revoke sets leaf idx to 1 and updates the path to the root. Revoking a
// revoked index changes nothing.
func (t *Tree) Revoke(idx uint32) error {
	if err := checkIndex(idx); err != nil {
		return err
	}
	if t.Revoked(idx) {
		return nil
	}
	cur := one
	i := idx
	t.levels[0][i] = cur
	for h := 0; h < Depth; h++ {
		sib := t.node(h, i^1)
		if i&1 == 0 {
			cur = zkhash.Compress(cur, sib)
		} else {
			cur = zkhash.Compress(sib, cur)
		}
		i >>= 1
		t.levels[h+1][i] = cur
	}
	return nil
}

// Revoked reports whether leaf idx is 1.
func (t *Tree) Revoked(idx uint32) bool {
	_, ok := t.levels[0][idx]
	return ok
}

// Len returns the number of revoked indices.
func (t *Tree) Len() int { return len(t.levels[0]) }

// Root returns the root of the tree.
func (t *Tree) Root() fr.Element { return t.node(Depth, 0) }

// Witness returns the authentication path of leaf idx.
func (t *Tree) Witness(idx uint32) (*Witness, error) {
	if err := checkIndex(idx); err != nil {
		return nil, err
	}
	w := &Witness{Index: idx}
	i := idx
	for h := 0; h < Depth; h++ {
		w.Siblings[h] = t.node(h, i^1)
		i >>= 1
	}
	return w, nil
}

// Witness is the authentication path of one leaf: Siblings[h] is the
// sibling at height h (0 = the neighbouring leaf).
type Witness struct {
	Index    uint32
	Siblings [Depth]fr.Element
}

// RootWith returns the root the witness leads to when its leaf is leaf.
func (w *Witness) RootWith(leaf fr.Element) fr.Element {
	cur := leaf
	i := w.Index
	for h := 0; h < Depth; h++ {
		if i&1 == 0 {
			cur = zkhash.Compress(cur, w.Siblings[h])
		} else {
			cur = zkhash.Compress(w.Siblings[h], cur)
		}
		i >>= 1
	}
	return cur
}

// Verify checks that leaf idx is 0 (not revoked) under root. It returns
// ErrRevoked when the witness leads to root with the leaf set to 1, and
// ErrRootMismatch when it does not lead to root at all or was made for
// another index.
func (w *Witness) Verify(root fr.Element, idx uint32) error {
	if w.Index != idx {
		return fmt.Errorf("%w: witness is for index %d, not %d", ErrRootMismatch, w.Index, idx)
	}
	if err := checkIndex(idx); err != nil {
		return err
	}
	if w.RootWith(fr.Element{}) == root {
		return nil
	}
	if w.RootWith(one) == root {
		return ErrRevoked
	}
	return ErrRootMismatch
}

// WitnessSize is the length of a witness's binary encoding.
const WitnessSize = 4 + Depth*fr.Bytes

// MarshalBinary encodes the witness: the index as 4 bytes big-endian, then
// the siblings from height 0 up, 32 bytes big-endian each.
func (w *Witness) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4, WitnessSize)
	binary.BigEndian.PutUint32(b, w.Index)
	for i := range w.Siblings {
		s := w.Siblings[i].Bytes()
		b = append(b, s[:]...)
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's encoding, refusing any other
// length, an index out of range or a sibling that is not a canonical
// field element. On error w is unchanged.
func (w *Witness) UnmarshalBinary(b []byte) error {
	if len(b) != WitnessSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrMalformed, len(b), WitnessSize)
	}
	var out Witness
	out.Index = binary.BigEndian.Uint32(b)
	if out.Index >= Capacity {
		return fmt.Errorf("%w: index %d out of range", ErrMalformed, out.Index)
	}
	for i := range out.Siblings {
		if err := out.Siblings[i].SetBytesCanonical(b[4+i*fr.Bytes : 4+(i+1)*fr.Bytes]); err != nil {
			return fmt.Errorf("%w: sibling %d is not a canonical field element", ErrMalformed, i)
		}
	}
	*w = out
	return nil
}
