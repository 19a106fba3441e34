package zkp

import (
	"bytes"
	"sync"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
)

// psiConstants are the coefficients of the untwist-Frobenius-twist
// endomorphism ψ(x, y) = (x̄·u, ȳ·v) of the BN254 twist, as gnark-crypto
// defines them for its G2 subgroup check.
var psiConstants = sync.OnceValue(func() [2]curve.E2 {
	var c [2]curve.E2
	c[0].A0.SetString("21575463638280843010398324269430826099269044274347216827212613867836435027261")
	c[0].A1.SetString("10307601595873709700152284273816112264069230130616436755625194854815875713954")
	c[1].A0.SetString("2821565182194536844548159561693502659359617185244120367078079554186484126554")
	c[1].A1.SetString("3505843767911556378687030309984248845540243509899259641013678093033130930403")
	return c
})

func psi(p *curve.G2Affine) curve.G2Affine {
	c := psiConstants()
	var q curve.G2Affine
	q.X.Conjugate(&p.X).Mul(&q.X, &c[0])
	q.Y.Conjugate(&p.Y).Mul(&q.Y, &c[1])
	return q
}

// seedChain is gnark-crypto's addition chain for the BN254 seed
// x₀ = 0x44e992b44a6909f1 (60 doublings, 17 additions and subtractions):
// after the table 2P, 3P, 5P, 7P and the start 8P, each step doubles the
// running point d times and then adds (sign +1) or subtracts (−1) the
// table entry m·P.
var seedChain = []struct {
	d    int
	sign int
	m    int
}{
	{3, 1, 5}, {5, -1, 3}, {4, 1, 3}, {5, 1, 5}, {4, -1, 5}, {4, -1, 3},
	{4, 1, 1}, {5, 1, 5}, {5, 1, 7}, {4, -1, 7}, {7, 1, 5}, {5, -1, 1}, {4, 1, 1},
}

// inG2Batch reports, point by point, whether the points of qs (on the
// twist curve) are in G2, with the test gnark-crypto's IsInSubGroup uses:
// [x₀+1]Q + ψ([x₀]Q) + ψ²([x₀]Q) = ψ³([2x₀]Q). The multiplications by x₀
// run for all the points together in affine coordinates, one shared
// inversion per step; when a step meets a zero denominator (a point at
// infinity, or a point of small order whose multiples collide), the
// points are checked one by one with IsInSubGroup instead, so the
// answer is always IsInSubGroup's.
func inG2Batch(qs []curve.G2Affine) []bool {
	out := make([]bool, len(qs))
	xq, ok := mulSeedBatch(qs)
	if !ok {
		for i := range qs {
			out[i] = qs[i].IsInSubGroup()
		}
		return out
	}
	for i := range qs {
		if !qs[i].IsOnCurve() {
			continue
		}
		a := &xq[i]
		b := psi(a)    // ψ([x₀]Q)
		c2 := psi(&b)  // ψ²([x₀]Q)
		c3 := psi(&c2) // ψ³([x₀]Q)
		var lhs, rhs curve.G2Jac
		lhs.FromAffine(&c2)
		lhs.AddMixed(&b)
		lhs.AddMixed(a)
		lhs.AddMixed(&qs[i])
		rhs.FromAffine(&c3)
		rhs.DoubleAssign()
		out[i] = lhs.Equal(&rhs)
	}
	return out
}

// mulSeedBatch returns [x₀]Q for every Q of qs along seedChain, in affine
// coordinates with shared inversions. It reports false when a denominator
// is zero (see inG2Batch).
func mulSeedBatch(qs []curve.G2Affine) ([]curve.G2Affine, bool) {
	n := len(qs)
	ls := make([]curve.E2, n)
	scratch := make([]curve.E2, n)
	neg := make([]curve.G2Affine, n)
	table := map[int][]curve.G2Affine{1: qs}
	// add sets dst = p + s·q for all points.
	add := func(dst, p, q []curve.G2Affine, s int) bool {
		if s < 0 {
			for k := range n {
				neg[k].Neg(&q[k])
			}
			q = neg
		}
		if !chordSlopes(ls, scratch, p, q) {
			return false
		}
		for k := range n {
			r := p[k]
			step(&r, &ls[k], &q[k].X)
			dst[k] = r
		}
		return true
	}
	double := func(dst, p []curve.G2Affine) bool {
		if !tangentSlopes(ls, scratch, p) {
			return false
		}
		for k := range n {
			r := p[k]
			step(&r, &ls[k], &r.X)
			dst[k] = r
		}
		return true
	}
	two := make([]curve.G2Affine, n)
	if !double(two, qs) {
		return nil, false
	}
	for _, m := range []int{3, 5, 7} {
		table[m] = make([]curve.G2Affine, n)
		if !add(table[m], table[m-2], two, 1) {
			return nil, false
		}
	}
	res := make([]curve.G2Affine, n)
	if !add(res, table[7], qs, 1) { // 8Q
		return nil, false
	}
	for _, st := range seedChain {
		for range st.d {
			if !double(res, res) {
				return nil, false
			}
		}
		if !add(res, res, table[st.m], st.sign) {
			return nil, false
		}
	}
	return res, true
}

// decodeG2Batch decodes the compressed or uncompressed points bs without
// the subgroup check; ok[i] is false where bs[i] does not decode to a
// point of the twist curve in exactly its bytes. (gnark-crypto's decoder
// without subgroup checks does not check that an uncompressed point is
// on the curve; a compressed one always is.)
func decodeG2Batch(bs [][]byte) (pts []curve.G2Affine, ok []bool) {
	pts, ok = make([]curve.G2Affine, len(bs)), make([]bool, len(bs))
	for i, b := range bs {
		r := bytes.NewReader(b)
		if err := curve.NewDecoder(r, curve.NoSubgroupChecks()).Decode(&pts[i]); err == nil && r.Len() == 0 && pts[i].IsOnCurve() {
			ok[i] = true
		}
	}
	return pts, ok
}

// groth16Proofs decodes each of raws as groth16Proof does, with the same
// result and error, for both point encodings, but checks the B points'
// subgroup membership in one batch (inG2Batch). A proof the batch path
// does not decode, or finds outside G2, is decoded again by
// groth16Proof, whose answer stands.
func groth16Proofs(raws [][]byte) ([]*groth16bn254.Proof, []error) {
	out := make([]*groth16bn254.Proof, len(raws))
	errs := make([]error, len(raws))
	type slots struct{ a, b, c []byte }
	sl := make([]slots, len(raws))
	bs := make([][]byte, len(raws))
	for i, raw := range raws {
		if a, b, c, err := groth16Slots(raw); err == nil {
			sl[i] = slots{a, b, c}
			bs[i] = b
		}
	}
	pts, decoded := decodeG2Batch(bs)
	var idx []int
	var cand []curve.G2Affine
	for i := range raws {
		if decoded[i] {
			idx = append(idx, i)
			cand = append(cand, pts[i])
		}
	}
	for j, in := range inG2Batch(cand) {
		i := idx[j]
		if !in {
			continue
		}
		p := &groth16bn254.Proof{Bs: cand[j]}
		if setPoint(&p.Ar, sl[i].a, 'A') != nil || setPoint(&p.Krs, sl[i].c, 'C') != nil {
			continue
		}
		out[i] = p
	}
	for i := range raws {
		if out[i] == nil {
			out[i], errs[i] = groth16Proof(raws[i])
		}
	}
	return out, errs
}
