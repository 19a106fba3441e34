package zkhash

import (
	"math/big"

	"github.com/consensys/gnark/frontend"
	p2 "github.com/consensys/gnark/std/permutation/poseidon2"
)

// Gadget computes Hash and Compress inside a circuit. Make one per
// Define call (it caches the permutations' round constants).
type Gadget struct {
	api   frontend.API
	perms map[int]*p2.Permutation
}

// NewGadget returns a gadget bound to api.
func NewGadget(api frontend.API) *Gadget {
	return &Gadget{api: api, perms: map[int]*p2.Permutation{}}
}

func (g *Gadget) perm(t int) (*p2.Permutation, error) {
	if p, ok := g.perms[t]; ok {
		return p, nil
	}
	rp := compressPartial
	if t != 2 {
		rp = partialRounds(t)
	}
	p, err := p2.NewPoseidon2FromParameters(g.api, t, FullRounds, rp)
	if err != nil {
		return nil, err
	}
	g.perms[t] = p
	return p, nil
}

// Hash is the in-circuit Hash(tag, xs...).
func (g *Gadget) Hash(tag Tag, xs ...frontend.Variable) (frontend.Variable, error) {
	n := len(xs)
	t := Width(n)
	p, err := g.perm(t)
	if err != nil {
		return nil, err
	}
	state := make([]frontend.Variable, t)
	c := capacity(tag, n)
	state[0] = c.BigInt(new(big.Int))
	for i := 1; i < t; i++ {
		state[i] = 0
	}
	if n == 0 {
		if err := p.Permutation(state); err != nil {
			return nil, err
		}
		return state[1], nil
	}
	for i := 0; i < n; i += t - 1 {
		for j, x := range xs[i:min(i+t-1, n)] {
			if i == 0 {
				state[1+j] = x
			} else {
				state[1+j] = g.api.Add(state[1+j], x)
			}
		}
		if err := p.Permutation(state); err != nil {
			return nil, err
		}
	}
	return state[1], nil
}

// Compress is the in-circuit Compress(l, r).
func (g *Gadget) Compress(l, r frontend.Variable) (frontend.Variable, error) {
	p, err := g.perm(2)
	if err != nil {
		return nil, err
	}
	x := []frontend.Variable{l, r}
	if err := p.Permutation(x); err != nil {
		return nil, err
	}
	return g.api.Add(x[1], r), nil
}

// Compress4 is the in-circuit Compress4(a, b, c, d).
func (g *Gadget) Compress4(a, b, c, d frontend.Variable) (frontend.Variable, error) {
	p, err := g.perm(4)
	if err != nil {
		return nil, err
	}
	x := []frontend.Variable{a, b, c, d}
	if err := p.Permutation(x); err != nil {
		return nil, err
	}
	return g.api.Add(x[0], a), nil
}

// EdDSAHasher returns the hash.FieldHasher that gnark's eddsa.Verify needs,
// computing Hash(TagEdDSA, written...) like NewHasher does natively.
func (g *Gadget) EdDSAHasher() *FieldHasher { return &FieldHasher{g: g} }

// FieldHasher adapts Gadget to gnark's hash.FieldHasher for one tag.
type FieldHasher struct {
	g   *Gadget
	buf []frontend.Variable
	err error
}

// Write appends inputs.
func (h *FieldHasher) Write(data ...frontend.Variable) { h.buf = append(h.buf, data...) }

// Reset forgets the inputs.
func (h *FieldHasher) Reset() { h.buf = h.buf[:0] }

// Sum returns Hash(TagEdDSA, inputs...). A failure to build the
// permutation (which only happens on a field other than BN254's) is kept
// and reported by Err.
func (h *FieldHasher) Sum() frontend.Variable {
	v, err := h.g.Hash(TagEdDSA, h.buf...)
	if err != nil {
		h.err = err
		return 0
	}
	return v
}

// Err reports a failure of Sum.
func (h *FieldHasher) Err() error { return h.err }
