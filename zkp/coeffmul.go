package zkp

import (
	"math/bits"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// coeffWindow is the width of the signed windows (wNAF) in which
// mulCoefficients writes the two 64-bit halves of a batch coefficient:
// each point gets a table of its 2^(coeffWindow−2) odd multiples P, 3P,
// …, 15P, and a coefficient then costs about 64 doublings and
// 2·64/(w+1) ≈ 21 mixed additions.
const coeffWindow = 5

// coeffTable is the number of odd multiples per point.
const coeffTable = 1 << (coeffWindow - 2)

// The GLV endomorphism of BN254's G1: φ(x, y) = (ω·x, y), with ω a
// primitive cube root of unity in Fp, is multiplication by λ, a cube root
// of unity in Fr (gnark-crypto's GLV constants; TestGLVConstants checks
// that φ(P) = [λ]P).
var (
	glvOmega  = fpFromString("2203960485148121921418603742825762020974279258880205651966")
	glvLambda = frFromString("4407920970296243842393367215006156084916469457145843978461")
)

func fpFromString(s string) fp.Element {
	var e fp.Element
	if _, err := e.SetString(s); err != nil {
		panic(err) // a constant of this file
	}
	return e
}

func frFromString(s string) fr.Element {
	var e fr.Element
	if _, err := e.SetString(s); err != nil {
		panic(err) // a constant of this file
	}
	return e
}

// coefficient returns the batch coefficient of the two 64-bit words
// h = (a, b): a + λ·b in Fr. Distinct words give distinct coefficients
// (see VerifyBatch).
func coefficient(h [2]uint64) fr.Element {
	var a, b fr.Element
	a.SetUint64(h[0])
	b.SetUint64(h[1])
	b.Mul(&b, &glvLambda)
	return *a.Add(&a, &b)
}

// mulCoefficients returns [coefficient(hs[i])]ps[i] = [a]P + [b]φ(P) for
// every i, in affine form. The two 64-bit halves share their doublings
// (about 64 of them instead of 128 for a 128-bit scalar) and are added in
// width-5 signed windows from tables of the odd multiples P, 3P, …, 15P
// and their images under φ (ω·x: a multiplication each); the tables of
// all the points are made affine with one shared inversion, so the main
// loop adds them in mixed form, and the results share one more
// inversion. Points must be in G1; a point at infinity gives infinity.
func mulCoefficients(ps []curve.G1Affine, hs [][2]uint64) []curve.G1Affine {
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
	phi := make([]curve.G1Affine, len(table))
	for k := range table {
		phi[k] = table[k]
		if !table[k].IsInfinity() {
			phi[k].X.Mul(&phi[k].X, &glvOmega)
		}
	}
	out := make([]curve.G1Jac, n)
	var da, db [129]int8
	add := func(acc *curve.G1Jac, t []curve.G1Affine, d int8) {
		switch {
		case d > 0:
			acc.AddMixed(&t[(d-1)/2])
		case d < 0:
			var neg curve.G1Affine
			neg.Neg(&t[(-d-1)/2])
			acc.AddMixed(&neg)
		}
	}
	for i := range ps {
		ta := table[i*coeffTable : (i+1)*coeffTable]
		tb := phi[i*coeffTable : (i+1)*coeffTable]
		na := wnaf128([2]uint64{hs[i][0], 0}, da[:])
		nb := wnaf128([2]uint64{hs[i][1], 0}, db[:])
		acc := &out[i]
		acc.X.SetOne()
		acc.Y.SetOne() // infinity until the first addition
		for k := max(na, nb) - 1; k >= 0; k-- {
			acc.DoubleAssign()
			if k < na {
				add(acc, ta, da[k])
			}
			if k < nb {
				add(acc, tb, db[k])
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
