package zkhash

import (
	"hash"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// Tag separates the uses of Hash. A tag is part of the hash's capacity
// element, so two uses with different tags never collide.
type Tag uint32

// The tags of civicproof. Values are fixed: they are part of every
// commitment ever signed.
const (
	TagTypeID         Tag = 1  // credential type id: (HashString(name), version)
	TagString         Tag = 2  // strings and bytes: (len, 31-byte chunks...)
	TagClaims         Tag = 3  // claims commitment: (salt, slot_0..slot_15)
	TagDisclosureLeaf Tag = 4  // disclosure leaf: (slot index, value, salt)
	TagDisclosureRoot Tag = 5  // disclosure root: (leaf_0..leaf_15)
	TagCredential     Tag = 6  // signed credential message
	TagHolder         Tag = 7  // holder binding: (secret)
	TagNullifier      Tag = 8  // nullifier: (secret, scope)
	TagEdDSA          Tag = 9  // EdDSA challenge: (R.x, R.y, A.x, A.y, msg)
	TagStatement      Tag = 10 // statement digests
	TagIssuerLeaf     Tag = 11 // issuer-set leaf: (key.x, key.y, from, until, revocation root)
	TagCredentialV2   Tag = 12 // signed credential message v2: (type, salt, slot_0..slot_15, disclosure root, holder binding, validUntil, revocation index, issuance day)
	TagStatementV2    Tag = 13 // statement digests of presentation proofs v2
)

// Rate is the number of inputs absorbed per permutation at the largest width.
const Rate = 15

// Round numbers of the permutations (gnark-crypto's BN254 instances).
const (
	FullRounds      = 8
	compressPartial = 56
)

// partialRounds returns the partial-round count of width t.
func partialRounds(t int) int {
	if t <= 4 {
		return 56
	}
	return 57
}

// Width returns the permutation width Hash uses for n inputs.
func Width(n int) int {
	switch {
	case n <= 3:
		return 4
	case n <= 7:
		return 8
	case n <= 11:
		return 12
	default:
		return 16
	}
}

var perms = sync.OnceValue(func() map[int]*poseidon2.Permutation {
	m := map[int]*poseidon2.Permutation{2: poseidon2.NewPermutation(2, FullRounds, compressPartial)}
	for _, t := range []int{4, 8, 12, 16} {
		m[t] = poseidon2.NewPermutation(t, FullRounds, partialRounds(t))
	}
	return m
})

// capacity returns the initial capacity element tag·2^32 + n.
func capacity(tag Tag, n int) fr.Element {
	var c fr.Element
	c.SetUint64(uint64(tag)<<32 | uint64(uint32(n)))
	return c
}

// Hash returns the domain-separated Poseidon2 hash of xs under tag.
func Hash(tag Tag, xs ...fr.Element) fr.Element {
	n := len(xs)
	t := Width(n)
	var buf [16]fr.Element
	state := buf[:t]
	state[0] = capacity(tag, n)
	if n == 0 {
		permute(&buf, t)
		return state[1]
	}
	for i := 0; i < n; i += t - 1 {
		for j, x := range xs[i:min(i+t-1, n)] {
			state[1+j].Add(&state[1+j], &x)
		}
		permute(&buf, t)
	}
	return state[1]
}

// permute applies the width-t permutation to the first t lanes of s.
func permute(s *[16]fr.Element, t int) {
	if t == 16 {
		perm16Params().permute(s)
		return
	}
	_ = perms()[t].Permutation(s[:t]) // cannot fail: the slice is the width
}

// Compress is the 2-to-1 compression of Merkle trees (see the package doc).
func Compress(l, r fr.Element) fr.Element {
	x := [2]fr.Element{l, r}
	_ = perms()[2].Permutation(x[:])
	x[1].Add(&x[1], &r)
	return x[1]
}

// Compress4 is the 4-to-1 compression of 4-ary Merkle trees: the width-4
// Poseidon2 permutation applied to (a, b, c, d), its first lane plus a
// (feed-forward).
func Compress4(a, b, c, d fr.Element) fr.Element {
	x := [4]fr.Element{a, b, c, d}
	_ = perms()[4].Permutation(x[:])
	x[0].Add(&x[0], &a)
	return x[0]
}

// NewHasher returns the hash.Hash that EdDSA-BN254 signatures of civicproof
// use for their challenge: the written bytes are cut into 32-byte
// big-endian words, each reduced into the field (a shorter last word is
// read as is), and Sum appends the 32 bytes of Hash(TagEdDSA, words...).
// gnark-crypto's eddsa writes R.x, R.y, A.x, A.y and the 32-byte message,
// so the in-circuit counterpart is Gadget.EdDSAHasher.
func NewHasher() hash.Hash { return &hasher{} }

type hasher struct{ buf []byte }

func (h *hasher) Write(p []byte) (int, error) { h.buf = append(h.buf, p...); return len(p), nil }
func (h *hasher) Reset()                      { h.buf = h.buf[:0] }
func (h *hasher) Size() int                   { return fr.Bytes }
func (h *hasher) BlockSize() int              { return fr.Bytes }
func (h *hasher) Sum(b []byte) []byte {
	xs := make([]fr.Element, 0, (len(h.buf)+fr.Bytes-1)/fr.Bytes)
	for i := 0; i < len(h.buf); i += fr.Bytes {
		var e fr.Element
		e.SetBytes(h.buf[i:min(i+fr.Bytes, len(h.buf))])
		xs = append(xs, e)
	}
	out := Hash(TagEdDSA, xs...)
	o := out.Bytes()
	return append(b, o[:]...)
}

// Sponge computes Hash(tag, xs...) for a length n fixed in advance, with
// the inputs absorbed in parts. A Sponge is a value: copying it copies its
// state, so a caller can absorb a constant prefix once, keep the copy and
// finish it with different suffixes (Hash's result is the same as if all
// inputs had been passed at once).
type Sponge struct {
	state [16]fr.Element
	width int
	n     int // inputs announced
	seen  int // inputs absorbed
	pos   int // inputs absorbed into the current block
}

// NewSponge starts Hash(tag, ...) of exactly n inputs.
func NewSponge(tag Tag, n int) Sponge {
	s := Sponge{width: Width(n), n: n}
	s.state[0] = capacity(tag, n)
	return s
}

// Absorb adds inputs. Absorbing more than the n announced panics: the
// caller's layout is wrong, not its data.
func (s *Sponge) Absorb(xs ...fr.Element) {
	if s.seen+len(xs) > s.n {
		panic("zkhash: Sponge absorbs more inputs than announced")
	}
	for i := range xs {
		if s.add(&xs[i]) {
			permute(&s.state, s.width)
		}
	}
}

// add absorbs x into the current block and reports whether the block is
// full, so that the permutation is due before the next input.
func (s *Sponge) add(x *fr.Element) bool {
	s.state[1+s.pos].Add(&s.state[1+s.pos], x)
	s.pos++
	s.seen++
	if s.pos == s.width-1 {
		s.pos = 0
		return true
	}
	return false
}

// sumDue reports whether Sum permutes once more: when a block is partly
// filled, or nothing was ever absorbed.
func (s *Sponge) sumDue() bool { return s.pos > 0 || s.n == 0 }

// Sum returns Hash(tag, xs...) of everything absorbed. It panics unless
// exactly n inputs were absorbed. s is not modified.
func (s Sponge) Sum() fr.Element {
	if s.seen != s.n {
		panic("zkhash: Sponge summed before all announced inputs were absorbed")
	}
	if s.sumDue() {
		permute(&s.state, s.width)
	}
	return s.state[1]
}

// SumAll returns, for every i, what sps[i] gives with xss[i] absorbed:
// the result of sps[i].Absorb(xss[i]...) followed by Sum. The width-16
// permutations of all the sponges are computed together, a few times
// faster per sponge than one by one, which is what a verifier checking a
// batch of proofs wants for their statement digests. sps is not modified.
// It panics where Absorb or Sum would (a caller's layout error).
func SumAll(sps []Sponge, xss [][]fr.Element) []fr.Element {
	if len(xss) != len(sps) {
		panic("zkhash: SumAll needs one input list per sponge")
	}
	type job struct {
		s     Sponge
		xs    []fr.Element
		final bool // Sum's permutation is done
		done  bool
	}
	jobs := make([]job, len(sps))
	for i := range sps {
		if sps[i].seen+len(xss[i]) != sps[i].n {
			panic("zkhash: SumAll inputs do not complete the announced length")
		}
		jobs[i] = job{s: sps[i], xs: xss[i]}
	}
	out := make([]fr.Element, len(sps))
	var wide []*[16]fr.Element
	for left := len(jobs); left > 0; {
		wide = wide[:0]
		for i := range jobs {
			j := &jobs[i]
			if j.done {
				continue
			}
			// Absorb up to the next permutation, as Absorb and Sum would.
			due := false
			for len(j.xs) > 0 && !due {
				due = j.s.add(&j.xs[0])
				j.xs = j.xs[1:]
			}
			if !due && !j.final && j.s.sumDue() {
				j.final, due = true, true
			}
			if !due {
				out[i], j.done = j.s.state[1], true
				left--
				continue
			}
			if j.s.width == 16 {
				wide = append(wide, &j.s.state)
			} else {
				permute(&j.s.state, j.s.width)
			}
		}
		perm16Params().permuteMany(wide)
	}
	return out
}
