package zkp

import (
	"sync"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
)

// millerLines is what curve.MillerLoopFixedQ reads for one G2 point: per
// step i of the loop counter, the line of the doubling ([0][i]) and, where
// the counter digit is ±1, the line of the addition ([1][i]); at index 65
// the two lines through π(Q) and −π²(Q) that end the optimal ate loop.
type millerLines = [2][len(curve.LoopCounter)]curve.LineEvaluationAff

// batchLines computes the Miller-loop lines of every point of qs at once,
// in affine coordinates, with one field inversion per step shared by all
// the points (Montgomery's trick): for a batch this costs less than the
// projective steps of curve.MillerLoop, and the lines then enter
// curve.MillerLoopFixedQ, whose sparse products are cheaper too. The lines
// are those of a plain double-then-add chain (curve.PrecomputeLines
// combines some steps differently); the loop's value differs from
// MillerLoop's only by vertical-line factors, which the final
// exponentiation removes (TestBatchLines).
//
// The points must be in G2, where no step meets a zero denominator (the
// chain's multiples of Q are never ±Q, infinity or of order 2). It
// reports false, leaving out unspecified, when a denominator is zero
// anyway (a point at infinity).
func batchLines(out []millerLines, qs []curve.G2Affine) bool {
	n := len(qs)
	acc := make([]curve.G2Affine, n)
	copy(acc, qs)
	ls := make([]curve.E2, n)
	scratch := make([]curve.E2, n)
	negQs := make([]curve.G2Affine, n)
	for k := range qs {
		negQs[k].Neg(&qs[k])
	}
	for i := len(curve.LoopCounter) - 2; i >= 0; i-- {
		if !tangentSlopes(ls, scratch, acc) {
			return false
		}
		for k := range acc {
			setLine(&out[k][0][i], &acc[k], &ls[k])
			step(&acc[k], &ls[k], &acc[k].X)
		}
		if curve.LoopCounter[i] == 0 {
			continue
		}
		// Addition of ±Q.
		ts := qs
		if curve.LoopCounter[i] < 0 {
			ts = negQs
		}
		if !chordSlopes(ls, scratch, acc, ts) {
			return false
		}
		for k := range acc {
			setLine(&out[k][1][i], &acc[k], &ls[k])
			step(&acc[k], &ls[k], &ts[k].X)
		}
	}
	// The last two lines, through π(Q) (the point moves on) and −π²(Q)
	// (only the line is needed).
	last := len(curve.LoopCounter) - 1
	frob := negQs // no longer needed: reused for π(Q), then −π²(Q)
	for k := range qs {
		frob[k].X.Conjugate(&qs[k].X).MulByNonResidue1Power2(&frob[k].X)
		frob[k].Y.Conjugate(&qs[k].Y).MulByNonResidue1Power3(&frob[k].Y)
	}
	if !chordSlopes(ls, scratch, acc, frob) {
		return false
	}
	for k := range qs {
		setLine(&out[k][1][last], &acc[k], &ls[k])
		step(&acc[k], &ls[k], &frob[k].X)
		frob[k].X.MulByNonResidue2Power2(&qs[k].X)
		frob[k].Y.MulByNonResidue2Power3(&qs[k].Y).Neg(&frob[k].Y)
	}
	if !chordSlopes(ls, scratch, acc, frob) {
		return false
	}
	for k := range qs {
		setLine(&out[k][0][last], &acc[k], &ls[k])
	}
	return true
}

// tangentSlopes sets ls[k] to the slope 3x²/2y of the tangent at ps[k]
// for every k, with one shared inversion (scratch as long as ps). It
// reports false, leaving ls unspecified, when some y is zero.
func tangentSlopes(ls, scratch []curve.E2, ps []curve.G2Affine) bool {
	for k := range ps {
		ls[k].Double(&ps[k].Y)
	}
	if !invertE2s(ls[:len(ps)], scratch) {
		return false
	}
	for k := range ps {
		var t, u curve.E2
		t.Square(&ps[k].X)
		u.Double(&t).Add(&u, &t)
		ls[k].Mul(&ls[k], &u)
	}
	return true
}

// chordSlopes sets ls[k] to the slope (y′ − y)/(x′ − x) of the chord from
// ps[k] = (x, y) to ts[k] = (x′, y′) for every k, with one shared
// inversion (scratch as long as ps). It reports false, leaving ls
// unspecified, when some x′ = x.
func chordSlopes(ls, scratch []curve.E2, ps, ts []curve.G2Affine) bool {
	for k := range ps {
		ls[k].Sub(&ts[k].X, &ps[k].X)
	}
	if !invertE2s(ls[:len(ps)], scratch) {
		return false
	}
	for k := range ps {
		var d curve.E2
		d.Sub(&ts[k].Y, &ps[k].Y)
		ls[k].Mul(&ls[k], &d)
	}
	return true
}

// setLine stores the line of slope l through p as MillerLoopFixedQ reads
// it: R0 = λ, R1 = λ·x − y.
func setLine(e *curve.LineEvaluationAff, p *curve.G2Affine, l *curve.E2) {
	e.R0 = *l
	e.R1.Mul(l, &p.X).Sub(&e.R1, &p.Y)
}

// step moves p to the third point of the line of slope l through p and a
// point of abscissa x2: x' = λ² − x − x2, y' = λ(x − x') − y.
func step(p *curve.G2Affine, l, x2 *curve.E2) {
	var x, y curve.E2
	x.Square(l).Sub(&x, &p.X).Sub(&x, x2)
	y.Sub(&p.X, &x).Mul(&y, l).Sub(&y, &p.Y)
	p.X, p.Y = x, y
}

// invertE2s replaces each element of xs by its inverse with one inversion
// (Montgomery's trick), using scratch (as long as xs). It reports false,
// leaving xs unspecified, when an element is zero.
func invertE2s(xs, scratch []curve.E2) bool {
	if len(xs) == 0 {
		return true
	}
	scratch[0] = xs[0]
	for i := 1; i < len(xs); i++ {
		scratch[i].Mul(&scratch[i-1], &xs[i])
	}
	if scratch[len(xs)-1].IsZero() {
		return false
	}
	var inv curve.E2
	inv.Inverse(&scratch[len(xs)-1])
	for i := len(xs) - 1; i > 0; i-- {
		var t curve.E2
		t.Mul(&inv, &scratch[i-1])
		inv.Mul(&inv, &xs[i])
		xs[i] = t
	}
	xs[0] = inv
	return true
}

// keyLines caches, per Groth16 verifying key, the Miller-loop lines of
// the three fixed G2 points of the batch equation: −δ, −γ and β. It holds
// at most maxKeyLines keys and forgets all of them when full, so a
// process that parses keys again and again does not grow it.
var keyLines struct {
	sync.Mutex
	m map[*groth16bn254.VerifyingKey]*[3]millerLines
}

const maxKeyLines = 16

// fixedLines returns the lines of −δ, −γ and β for vk, computed once per
// key while it stays in keyLines.
func fixedLines(vk *groth16bn254.VerifyingKey) *[3]millerLines {
	keyLines.Lock()
	ls := keyLines.m[vk]
	keyLines.Unlock()
	if ls != nil {
		return ls
	}
	var negDelta, negGamma curve.G2Affine
	negDelta.Neg(&vk.G2.Delta)
	negGamma.Neg(&vk.G2.Gamma)
	ls = &[3]millerLines{curve.PrecomputeLines(negDelta), curve.PrecomputeLines(negGamma), curve.PrecomputeLines(vk.G2.Beta)}
	keyLines.Lock()
	if keyLines.m == nil || len(keyLines.m) >= maxKeyLines {
		keyLines.m = make(map[*groth16bn254.VerifyingKey]*[3]millerLines)
	}
	keyLines.m[vk] = ls
	keyLines.Unlock()
	return ls
}

// linesPool keeps the line buffers of batch checks (about 17 KB a proof)
// for the next batch.
var linesPool sync.Pool // *[]millerLines

// getLines returns a zeroed buffer of n lines; putLines gives it back.
func getLines(n int) *[]millerLines {
	b, _ := linesPool.Get().(*[]millerLines)
	if b == nil || cap(*b) < n {
		s := make([]millerLines, n)
		return &s
	}
	*b = (*b)[:n]
	clear(*b)
	return b
}

func putLines(b *[]millerLines) { linesPool.Put(b) }
