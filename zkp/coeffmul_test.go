package zkp

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"testing"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// randomCoefficients returns n random points of G1 and n pairs of
// coefficient halves (a, b), a with its top bit set as batchPairing draws
// it.
func randomCoefficients(t testing.TB, n int) ([]curve.G1Affine, [][2]uint64) {
	t.Helper()
	ps := make([]curve.G1Affine, n)
	rs := make([][2]uint64, n)
	buf := make([]byte, 16)
	for i := range n {
		var s fr.Element
		if _, err := s.SetRandom(); err != nil {
			t.Fatal(err)
		}
		ps[i].ScalarMultiplicationBase(s.BigInt(new(big.Int)))
		if _, err := rand.Read(buf); err != nil {
			t.Fatal(err)
		}
		rs[i] = [2]uint64{binary.BigEndian.Uint64(buf[:8]) | 1<<63, binary.BigEndian.Uint64(buf[8:])}
	}
	return ps, rs
}

// coefficientInt is r read as one 128-bit integer (wnaf128's input).
func coefficientInt(r [2]uint64) *big.Int {
	x := new(big.Int).SetUint64(r[1])
	return x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(r[0]))
}

// glvInt is a + λb mod the group order, computed with big.Int.
func glvInt(h [2]uint64) *big.Int {
	x := new(big.Int).SetUint64(h[1])
	x.Mul(x, glvLambda.BigInt(new(big.Int)))
	x.Add(x, new(big.Int).SetUint64(h[0]))
	return x.Mod(x, fr.Modulus())
}

// TestGLVConstants: ω is a primitive cube root of unity in Fp, λ one in
// Fr, and φ(x, y) = (ωx, y) is multiplication by λ on G1; coefficient is
// a + λb.
func TestGLVConstants(t *testing.T) {
	var w3, one fp.Element
	one.SetOne()
	w3.Square(&glvOmega).Mul(&w3, &glvOmega)
	if !w3.Equal(&one) || glvOmega.Equal(&one) {
		t.Fatal("ω is not a primitive cube root of unity")
	}
	var l3, oneR fr.Element
	oneR.SetOne()
	l3.Square(&glvLambda).Mul(&l3, &glvLambda)
	if !l3.Equal(&oneR) || glvLambda.Equal(&oneR) {
		t.Fatal("λ is not a primitive cube root of unity")
	}
	ps, hs := randomCoefficients(t, 8)
	for i := range ps {
		var lp curve.G1Affine
		lp.ScalarMultiplication(&ps[i], glvLambda.BigInt(new(big.Int)))
		phi := ps[i]
		phi.X.Mul(&phi.X, &glvOmega)
		if !phi.Equal(&lp) {
			t.Fatalf("φ(P) ≠ [λ]P for point %d", i)
		}
		c := coefficient(hs[i])
		if c.BigInt(new(big.Int)).Cmp(glvInt(hs[i])) != 0 {
			t.Fatalf("coefficient(%x) is not a + λb", hs[i])
		}
	}
}

func TestWnaf128(t *testing.T) {
	cases := [][2]uint64{{0, 0}, {1, 0}, {31, 0}, {1<<64 - 1, 0}, {0, 1}, {1<<64 - 1, 1<<64 - 1}, {0xf0f0f0f0f0f0f0f0, 1 << 63}}
	_, rs := randomCoefficients(t, 200)
	cases = append(cases, rs...)
	var digits [129]int8
	for _, r := range cases {
		n := wnaf128(r, digits[:])
		got := new(big.Int)
		last := -coeffWindow
		for k := n - 1; k >= 0; k-- {
			d := digits[k]
			got.Lsh(got, 1).Add(got, big.NewInt(int64(d)))
			if d != 0 {
				if d%2 == 0 || d >= 1<<(coeffWindow-1) || d <= -(1<<(coeffWindow-1)) {
					t.Fatalf("%x: digit %d at %d", r, d, k)
				}
				if last-k < coeffWindow && last >= 0 {
					t.Fatalf("%x: non-zero digits at %d and %d", r, last, k)
				}
				last = k
			}
		}
		if want := coefficientInt(r); got.Cmp(want) != 0 {
			t.Fatalf("wnaf128(%x) gives %v, want %v", r, got, want)
		}
	}
}

func TestMulCoefficients(t *testing.T) {
	ps, rs := randomCoefficients(t, 40)
	ps[3] = curve.G1Affine{}                 // infinity
	rs[5] = [2]uint64{}                      // zero coefficient
	rs[6] = [2]uint64{1, 0}                  // one
	ps[7] = ps[8]                            // equal points
	rs[9] = [2]uint64{0, 1}                  // λ
	rs[10] = [2]uint64{1<<64 - 1, 1<<64 - 1} // both halves full
	rs[11] = [2]uint64{1 << 63, 0}           // the least coefficient drawn
	got := mulCoefficients(ps, rs)
	for i := range ps {
		var want curve.G1Affine
		want.ScalarMultiplication(&ps[i], glvInt(rs[i]))
		if !got[i].Equal(&want) {
			t.Fatalf("point %d: got %v, want %v", i, got[i].String(), want.String())
		}
	}
}

// BenchmarkMulCoefficients compares, per point of a batch of 64,
// mulCoefficients with Jacobian ScalarMultiplication by the same
// coefficients a + λb (each followed by a batch conversion to affine).
func BenchmarkMulCoefficients(b *testing.B) {
	ps, rs := randomCoefficients(b, 64)
	b.Run("wnaf", func(b *testing.B) {
		for b.Loop() {
			_ = mulCoefficients(ps, rs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ps)), "ns/point")
	})
	b.Run("jacobian", func(b *testing.B) {
		ks := make([]*big.Int, len(rs))
		for i := range rs {
			ks[i] = glvInt(rs[i])
		}
		out := make([]curve.G1Jac, len(ps))
		for b.Loop() {
			for i := range ps {
				out[i].FromAffine(&ps[i])
				out[i].ScalarMultiplication(&out[i], ks[i])
			}
			_ = curve.BatchJacobianToAffineG1(out)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ps)), "ns/point")
	})
}
