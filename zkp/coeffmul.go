package zkp

import (
	"math/bits"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
)

// coeffWindow is the width of the signed window (wNAF) in which
// mulCoefficients writes the 128-bit batch coefficients: each point gets a
// table of its 2^(coeffWindow−2) odd multiples P, 3P, …, 15P, and a
// 128-bit coefficient then costs about 128 doublings and 128/(w+1) ≈ 21
// mixed additions.
const coeffWindow = 5

// coeffTable is the number of odd multiples per point.
const coeffTable = 1 << (coeffWindow - 2)

// mulCoefficients returns [rs[i]]ps[i] for every i, in affine form, with
// rs[i] a 128-bit coefficient given as two 64-bit words (little end
// first). It does the work of Jacobian ScalarMultiplication (which picks
// a plain NAF double-and-add for scalars this short) with fewer
// additions: the odd multiples of all the points are made affine with
// one shared inversion, so the main loop adds them in mixed form, and
// the results share one more inversion. Points must be in the subgroup;
// a point at infinity gives infinity.
func mulCoefficients(ps []curve.G1Affine, rs [][2]uint64) []curve.G1Affine {
	n := len(ps)
	// Odd multiples P, 3P, …, (2·coeffTable−1)P of each point.
	jac := make([]curve.G1Jac, n*coeffTable)
	for i := range ps {
		t := jac[i*coeffTable : (i+1)*coeffTable]
		t[0].FromAffine(&ps[i])
		var two curve.G1Jac
		two.DoubleMixed(&ps[i])
		for j := 1; j < coeffTable; j++ {
			t[j].Set(&t[j-1]).AddAssign(&two)
		}
	}
	table := curve.BatchJacobianToAffineG1(jac)
	out := make([]curve.G1Jac, n)
	var digits [129]int8
	for i := range ps {
		t := table[i*coeffTable : (i+1)*coeffTable]
		nd := wnaf128(rs[i], digits[:])
		acc := &out[i]
		acc.X.SetOne()
		acc.Y.SetOne() // infinity until the first addition
		for k := nd - 1; k >= 0; k-- {
			acc.DoubleAssign()
			switch d := digits[k]; {
			case d > 0:
				acc.AddMixed(&t[(d-1)/2])
			case d < 0:
				var neg curve.G1Affine
				neg.Neg(&t[(-d-1)/2])
				acc.AddMixed(&neg)
			}
		}
	}
	return curve.BatchJacobianToAffineG1(out)
}

// wnaf128 writes the width-coeffWindow NAF of the 128-bit value r (two
// 64-bit words, little end first) into digits, least significant first,
// and returns the number of digits (at most 129). Each digit is zero or
// odd with |d| < 2^(coeffWindow−1), and any coeffWindow consecutive
// digits hold at most one non-zero.
func wnaf128(r [2]uint64, digits []int8) int {
	lo, hi := r[0], r[1]
	var carry uint64 // a third word: r plus the carries stays below 2^129
	n := 0
	const mask = 1<<coeffWindow - 1
	for lo|hi|carry != 0 {
		d := int64(0)
		if lo&1 == 1 {
			d = int64(lo & mask)
			if d >= 1<<(coeffWindow-1) {
				d -= 1 << coeffWindow
			}
			// r −= d
			if d > 0 {
				var b uint64
				lo, b = bits.Sub64(lo, uint64(d), 0)
				hi, b = bits.Sub64(hi, 0, b)
				carry -= b
			} else {
				var c uint64
				lo, c = bits.Add64(lo, uint64(-d), 0)
				hi, c = bits.Add64(hi, 0, c)
				carry += c
			}
		}
		digits[n] = int8(d)
		n++
		// r >>= 1
		lo = lo>>1 | hi<<63
		hi = hi>>1 | carry<<63
		carry >>= 1
	}
	return n
}
