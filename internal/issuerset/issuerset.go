package issuerset

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// Shape of the tree.
const (
	Levels   = 4                 // 4-ary levels
	Arity    = 4                 // children per node
	Capacity = 1 << (2 * Levels) // leaves: keys per credential type
)

// Open is the Until of a key that is still current.
const Open = math.MaxUint64

var (
	// ErrFull: more leaves than Capacity.
	ErrFull = errors.New("issuerset: more keys than the tree holds")
	// ErrIndex: a leaf index outside the tree.
	ErrIndex = errors.New("issuerset: leaf index out of range")
	// ErrWindow: a leaf whose window is empty (From > Until).
	ErrWindow = errors.New("issuerset: empty validity window")
)

// Day returns the day of t (UTC) in credential.DayValue's encoding: whole
// days since 1970-01-01 (floor), as a two's-complement int64 with its top
// bit flipped, so that unsigned order is date order.
func Day(t time.Time) uint64 {
	d := t.Unix() / 86400
	if t.Unix() < 0 && t.Unix()%86400 != 0 {
		d--
	}
	return uint64(d) ^ 1<<63
}

// Leaf is one key of the set.
type Leaf struct {
	KeyX, KeyY     fr.Element // the issuer's EdDSA-BN254 public key
	From, Until    uint64     // issuance days the key covers, inclusive
	RevocationRoot fr.Element // the issuer's latest revocation root
}

// KeyLeaf returns the leaf of pub for the window [from, until].
func KeyLeaf(pub *eddsa.PublicKey, from, until uint64, revocationRoot fr.Element) Leaf {
	return Leaf{KeyX: pub.A.X, KeyY: pub.A.Y, From: from, Until: until, RevocationRoot: revocationRoot}
}

// Hash returns the leaf's value in the tree.
func (l *Leaf) Hash() fr.Element {
	var from, until fr.Element
	from.SetUint64(l.From)
	until.SetUint64(l.Until)
	return zkhash.Hash(zkhash.TagIssuerLeaf, l.KeyX, l.KeyY, from, until, l.RevocationRoot)
}

var empty = sync.OnceValue(func() [Levels + 1]fr.Element {
	var z [Levels + 1]fr.Element
	for h := 1; h <= Levels; h++ {
		z[h] = zkhash.Compress4(z[h-1], z[h-1], z[h-1], z[h-1])
	}
	return z
})

// EmptyRoot is the root of a set with no key.
func EmptyRoot() fr.Element { return empty()[Levels] }

// Tree is an issuer-set tree. It is immutable once built.
type Tree struct {
	n     int
	nodes [Levels + 1][]fr.Element // nodes[h]: the non-empty prefix of height h
}

// Build returns the tree whose leaves, in order, are leaves; the rest are
// zero. It fails with ErrFull above Capacity leaves and ErrWindow for a
// leaf with From > Until.
func Build(leaves []Leaf) (*Tree, error) {
	if len(leaves) > Capacity {
		return nil, fmt.Errorf("%w: %d keys, at most %d", ErrFull, len(leaves), Capacity)
	}
	hashes := make([]fr.Element, len(leaves))
	for i := range leaves {
		if leaves[i].From > leaves[i].Until {
			return nil, fmt.Errorf("%w: leaf %d", ErrWindow, i)
		}
		hashes[i] = leaves[i].Hash()
	}
	return BuildHashes(hashes)
}

// BuildHashes is Build from the leaves' hashes (Leaf.Hash), for a caller
// that keeps them (the ledger rebuilds a set whenever one leaf changes,
// and hashing the leaves is most of Build's work). It fails with ErrFull
// above Capacity leaves; it takes the hashes as they are (the caller
// checked the windows).
func BuildHashes(hashes []fr.Element) (*Tree, error) {
	if len(hashes) > Capacity {
		return nil, fmt.Errorf("%w: %d keys, at most %d", ErrFull, len(hashes), Capacity)
	}
	t := &Tree{n: len(hashes)}
	t.nodes[0] = slices.Clone(hashes)
	if t.nodes[0] == nil {
		t.nodes[0] = []fr.Element{}
	}
	for h := 1; h <= Levels; h++ {
		below := t.nodes[h-1]
		m := max((len(below)+Arity-1)/Arity, 1)
		if h < Levels && len(below) == 0 {
			m = 0
		}
		t.nodes[h] = make([]fr.Element, m)
		for i := range m {
			var c [Arity]fr.Element
			for j := range c {
				c[j] = t.node(h-1, Arity*i+j)
			}
			t.nodes[h][i] = zkhash.Compress4(c[0], c[1], c[2], c[3])
		}
	}
	return t, nil
}

func (t *Tree) node(h, i int) fr.Element {
	if i < len(t.nodes[h]) {
		return t.nodes[h][i]
	}
	return empty()[h]
}

// Len returns the number of leaves the tree was built from.
func (t *Tree) Len() int { return t.n }

// Root returns the root.
func (t *Tree) Root() fr.Element { return t.node(Levels, 0) }

// Path is the authentication path of one leaf: Siblings[h] are the three
// siblings at height h (0 = leaves) in child order, the path's own node
// left out; the index's two bits of level h say where it goes.
type Path struct {
	Index    uint32
	Siblings [Levels][Arity - 1]fr.Element
}

// Path returns the authentication path of leaf i (0 ≤ i < Len()).
func (t *Tree) Path(i int) (Path, error) {
	if i < 0 || i >= t.n {
		return Path{}, fmt.Errorf("%w: %d of %d", ErrIndex, i, t.n)
	}
	p := Path{Index: uint32(i)}
	for h := range Levels {
		k := 0
		for j := i &^ 3; j < i&^3+Arity; j++ {
			if j != i {
				p.Siblings[h][k] = t.node(h, j)
				k++
			}
		}
		i >>= 2
	}
	return p, nil
}

// RootWith returns the root the path leads to when its leaf is leaf.
func (p *Path) RootWith(leaf fr.Element) fr.Element {
	cur := leaf
	i := p.Index
	for h := range Levels {
		var c [Arity]fr.Element
		pos := int(i & 3)
		k := 0
		for j := range c {
			if j == pos {
				c[j] = cur
			} else {
				c[j] = p.Siblings[h][k]
				k++
			}
		}
		cur = zkhash.Compress4(c[0], c[1], c[2], c[3])
		i >>= 2
	}
	return cur
}

// Covers reports whether the leaf's window contains issuance day day.
func (l *Leaf) Covers(day uint64) bool { return l.From <= day && day <= l.Until }
