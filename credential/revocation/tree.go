package revocation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// Depth is the number of bits of a revocation index: indices are below
// 2^Depth. With Depth 32 every uint32 is a valid index.
const Depth = 32

// Arity is the number of children of a node; Levels the tree's height.
const (
	Arity  = 4
	Levels = Depth / 2
)

// Capacity is the number of leaves (2^32: it does not fit a uint32, hence
// the uint64); MaxIndex the largest index.
const (
	Capacity uint64 = 1 << Depth
	MaxIndex        = 1<<Depth - 1
)

var (
	// ErrRevoked: the witness leads to the root only with the leaf set to 1.
	ErrRevoked = errors.New("revocation: credential revoked")
	// ErrRootMismatch: the witness does not lead to the root at all (it was
	// computed for another root or another index).
	ErrRootMismatch = errors.New("revocation: witness does not match the root")
	// ErrIndexRange: an index at or above Capacity (none exists while Depth
	// is 32 and indices are uint32; kept for a smaller Depth).
	ErrIndexRange = errors.New("revocation: index out of range")
	// ErrMalformed: a witness encoding that does not decode.
	ErrMalformed = errors.New("revocation: malformed witness")
)

var one = func() fr.Element { var e fr.Element; e.SetOne(); return e }()

var empty = sync.OnceValue(func() [Levels + 1]fr.Element {
	var z [Levels + 1]fr.Element
	for h := 1; h <= Levels; h++ {
		z[h] = zkhash.Compress4(z[h-1], z[h-1], z[h-1], z[h-1])
	}
	return z
})

// Empty returns the root of an empty subtree of height h (0 ≤ h ≤ Levels);
// Empty(Levels) is the root of a tree in which nothing is revoked.
func Empty(h int) fr.Element { return empty()[h] }

// Tree is a revocation tree. It is not safe for concurrent mutation.
type Tree struct {
	// levels[h] holds the non-empty nodes of height h by index.
	levels [Levels + 1]map[uint32]fr.Element
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
	if uint64(idx) >= Capacity {
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
	i := idx
	t.levels[0][i] = one
	for h := 0; h < Levels; h++ {
		base := i &^ 3
		i >>= 2
		t.levels[h+1][i] = zkhash.Compress4(t.node(h, base), t.node(h, base+1), t.node(h, base+2), t.node(h, base+3))
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
func (t *Tree) Root() fr.Element { return t.node(Levels, 0) }

// Witness returns the authentication path of leaf idx.
func (t *Tree) Witness(idx uint32) (*Witness, error) {
	if err := checkIndex(idx); err != nil {
		return nil, err
	}
	w := &Witness{Index: idx}
	i := idx
	for h := 0; h < Levels; h++ {
		k := 0
		for c := range uint32(Arity) {
			// i&^3 | c, not a loop to i&^3+4: that bound wraps at the top
			// of the uint32 range.
			if j := i&^3 | c; j != i {
				w.Siblings[h][k] = t.node(h, j)
				k++
			}
		}
		i >>= 2
	}
	return w, nil
}

// Witness is the authentication path of one leaf: Siblings[h] are the
// three siblings at height h (0 = leaves) in child order, the path's own
// node left out; the index's two bits of level h say where it goes.
type Witness struct {
	Index    uint32
	Siblings [Levels][Arity - 1]fr.Element
}

// RootWith returns the root the witness leads to when its leaf is leaf.
func (w *Witness) RootWith(leaf fr.Element) fr.Element {
	cur := leaf
	i := w.Index
	for h := 0; h < Levels; h++ {
		var c [Arity]fr.Element
		p := int(i & 3)
		k := 0
		for j := range c {
			if j == p {
				c[j] = cur
			} else {
				c[j] = w.Siblings[h][k]
				k++
			}
		}
		cur = zkhash.Compress4(c[0], c[1], c[2], c[3])
		i >>= 2
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
const WitnessSize = 4 + Levels*(Arity-1)*fr.Bytes

// MarshalBinary encodes the witness: the index as 4 bytes big-endian, then
// the siblings from height 0 up (three per level, in child order), 32
// bytes big-endian each.
func (w *Witness) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4, WitnessSize)
	binary.BigEndian.PutUint32(b, w.Index)
	for h := range w.Siblings {
		for k := range w.Siblings[h] {
			s := w.Siblings[h][k].Bytes()
			b = append(b, s[:]...)
		}
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
	if uint64(out.Index) >= Capacity {
		return fmt.Errorf("%w: index %d out of range", ErrMalformed, out.Index)
	}
	for i := range Levels * (Arity - 1) {
		if err := out.Siblings[i/3][i%3].SetBytesCanonical(b[4+i*fr.Bytes : 4+(i+1)*fr.Bytes]); err != nil {
			return fmt.Errorf("%w: sibling %d is not a canonical field element", ErrMalformed, i)
		}
	}
	*w = out
	return nil
}
