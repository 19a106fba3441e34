package zkhash

import (
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// perm16 is gnark-crypto's width-16 BN254 Poseidon2 permutation (the same
// constants, the same rounds, the same result) computed on whole 16-lane
// vectors: the S-boxes of a full round and the diagonal of the internal
// matrix are fr.Vector products, which gnark-crypto runs with AVX-512 IFMA
// where the CPU has it and lane by lane otherwise. The statement digests
// of presentation proofs spend their time in this permutation.
// TestPerm16 checks it against poseidon2.Permutation.
type perm16 struct {
	full    [][16]fr.Element // round keys of the full rounds, in order
	partial []fr.Element     // round key of each partial round
	diag    fr.Vector        // internal matrix diagonal minus one
}

var perm16Params = sync.OnceValue(func() *perm16 {
	p := poseidon2.NewParameters(16, FullRounds, partialRounds(16))
	q := &perm16{diag: fr.Vector(p.DiagM1)}
	rf := p.NbFullRounds / 2
	for i, k := range p.RoundKeys {
		if i >= rf && i < rf+p.NbPartialRounds {
			q.partial = append(q.partial, k[0])
			continue
		}
		q.full = append(q.full, [16]fr.Element(k))
	}
	return q
})

// permute applies the permutation to s in place.
func (q *perm16) permute(s *[16]fr.Element) {
	v := fr.Vector(s[:])
	matMulExternal16(s)
	rf := len(q.full) / 2
	for r := range rf {
		q.fullRound(s, v, &q.full[r])
	}
	var x fr.Element
	var sums [16]fr.Element
	sv := fr.Vector(sums[:])
	for r := range q.partial {
		s[0].Add(&s[0], &q.partial[r])
		x.Square(&s[0]).Square(&x)
		s[0].Mul(&s[0], &x)
		sums[0] = v.Sum()
		for i := 1; i < 16; i++ {
			sums[i] = sums[0]
		}
		v.Mul(v, q.diag)
		v.Add(v, sv)
	}
	for r := rf; r < len(q.full); r++ {
		q.fullRound(s, v, &q.full[r])
	}
}

// fullRound adds the round keys, applies x⁵ to every lane and the external
// matrix; v is s as a vector.
func (q *perm16) fullRound(s *[16]fr.Element, v fr.Vector, keys *[16]fr.Element) {
	var x [16]fr.Element
	xv := fr.Vector(x[:])
	v.Add(v, fr.Vector(keys[:]))
	xv.Mul(v, v)
	xv.Mul(xv, xv)
	v.Mul(v, xv)
	matMulExternal16(s)
}

// matMulExternal16 is the external matrix of width 16: M4 on each group of
// four lanes, then each lane plus the sum of its column across groups.
func matMulExternal16(s *[16]fr.Element) {
	for i := 0; i < 16; i += 4 {
		var t0, t1, t2, t3, t4, t5 fr.Element
		t0.Add(&s[i], &s[i+1])
		t1.Add(&s[i+2], &s[i+3])
		t2.Double(&s[i+1]).Add(&t2, &t1)
		t3.Double(&s[i+3]).Add(&t3, &t0)
		t4.Double(&t1).Double(&t4).Add(&t4, &t3)
		t5.Double(&t0).Double(&t5).Add(&t5, &t2)
		s[i].Add(&t3, &t5)
		s[i+1] = t5
		s[i+2].Add(&t2, &t4)
		s[i+3] = t4
	}
	var sum [4]fr.Element
	for i := 0; i < 16; i += 4 {
		for j := range 4 {
			sum[j].Add(&sum[j], &s[i+j])
		}
	}
	for i := 0; i < 16; i += 4 {
		for j := range 4 {
			s[i+j].Add(&s[i+j], &sum[j])
		}
	}
}
