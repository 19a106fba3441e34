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

// manyMin is the number of states from which permuteMany computes them
// together; below it, one at a time is as fast.
const manyMin = 8

// permuteMany applies the permutation to every state of ss, all of them
// together: lane j of every state makes one vector, so each step of the
// permutation (round keys, S-boxes, both matrices) is a handful of
// fr.Vector operations over len(ss) elements, and the S-box of a partial
// round, a single lane in permute, is vectorised too. Each state ends as
// permute would leave it.
func (q *perm16) permuteMany(ss []*[16]fr.Element) {
	m := len(ss)
	if m < manyMin {
		for _, s := range ss {
			q.permute(s)
		}
		return
	}
	// 16 lane vectors, then x and the external matrix's seven scratch
	// vectors (sum doubles as the first of them).
	bp := manyBufs.Get().(*[]fr.Element)
	if cap(*bp) < 24*m {
		*bp = make([]fr.Element, 24*m)
	}
	buf := (*bp)[:24*m]
	defer manyBufs.Put(bp)
	var v [16]fr.Vector
	for j := range v {
		v[j] = buf[j*m : (j+1)*m]
	}
	x := fr.Vector(buf[16*m : 17*m])
	var ts [7]fr.Vector
	for i := range ts {
		ts[i] = buf[(17+i)*m : (18+i)*m]
	}
	sum := ts[0]
	for k, s := range ss {
		for j := range v {
			v[j][k] = s[j]
		}
	}
	matMulExternalMany(&v, &ts)
	rf := len(q.full) / 2
	for r := range rf {
		q.fullRoundMany(&v, x, &ts, &q.full[r])
	}
	for r := range q.partial {
		addConstant(v[0], &q.partial[r])
		pow5(v[0], x)
		sum.Add(v[0], v[1])
		for j := 2; j < 16; j++ {
			sum.Add(sum, v[j])
		}
		for j := range v {
			v[j].ScalarMul(v[j], &q.diag[j])
			v[j].Add(v[j], sum)
		}
	}
	for r := rf; r < len(q.full); r++ {
		q.fullRoundMany(&v, x, &ts, &q.full[r])
	}
	for k, s := range ss {
		for j := range v {
			s[j] = v[j][k]
		}
	}
}

var manyBufs = sync.Pool{New: func() any { return new([]fr.Element) }}

// fullRoundMany is fullRound on lane vectors; x and ts are scratch.
func (q *perm16) fullRoundMany(v *[16]fr.Vector, x fr.Vector, ts *[7]fr.Vector, keys *[16]fr.Element) {
	for j := range v {
		addConstant(v[j], &keys[j])
		pow5(v[j], x)
	}
	matMulExternalMany(v, ts)
}

// addConstant adds c to every element of v.
func addConstant(v fr.Vector, c *fr.Element) {
	for i := range v {
		v[i].Add(&v[i], c)
	}
}

// pow5 raises every element of v to the fifth power; x is scratch.
func pow5(v, x fr.Vector) {
	x.Mul(v, v)
	x.Mul(x, x)
	v.Mul(v, x)
}

// matMulExternalMany is matMulExternal16 on lane vectors, with the same
// additions in the same order; ts are scratch.
func matMulExternalMany(v *[16]fr.Vector, ts *[7]fr.Vector) {
	t, t0, t1, t2, t3, t4, t5 := ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], ts[6]
	for i := 0; i < 16; i += 4 {
		t0.Add(v[i], v[i+1])
		t1.Add(v[i+2], v[i+3])
		t2.Add(v[i+1], v[i+1])
		t2.Add(t2, t1)
		t3.Add(v[i+3], v[i+3])
		t3.Add(t3, t0)
		t4.Add(t1, t1)
		t4.Add(t4, t4)
		t4.Add(t4, t3)
		t5.Add(t0, t0)
		t5.Add(t5, t5)
		t5.Add(t5, t2)
		v[i].Add(t3, t5)
		copy(v[i+1], t5)
		v[i+2].Add(t2, t4)
		copy(v[i+3], t4)
	}
	for j := range 4 {
		t.Add(v[j], v[4+j])
		t.Add(t, v[8+j])
		t.Add(t, v[12+j])
		for i := j; i < 16; i += 4 {
			v[i].Add(v[i], t)
		}
	}
}
