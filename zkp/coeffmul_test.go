package zkp

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"testing"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// randomCoefficients returns n batch coefficients and n random points of
// G1.
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
		rs[i] = [2]uint64{binary.BigEndian.Uint64(buf[8:]), binary.BigEndian.Uint64(buf[:8]) | 1<<63}
	}
	return ps, rs
}

func coefficientInt(r [2]uint64) *big.Int {
	x := new(big.Int).SetUint64(r[1])
	return x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(r[0]))
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
	ps[3] = curve.G1Affine{} // infinity
	rs[5] = [2]uint64{}      // zero coefficient
	rs[6] = [2]uint64{1, 0}  // one
	ps[7] = ps[8]            // equal points
	got := mulCoefficients(ps, rs)
	for i := range ps {
		var want curve.G1Affine
		want.ScalarMultiplication(&ps[i], coefficientInt(rs[i]))
		if !got[i].Equal(&want) {
			t.Fatalf("point %d: got %v, want %v", i, got[i].String(), want.String())
		}
	}
}

// BenchmarkMulCoefficients compares, per point of a batch of 64,
// mulCoefficients with Jacobian ScalarMultiplication on the same 128-bit
// coefficients (each followed by a batch conversion to affine).
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
			ks[i] = coefficientInt(rs[i])
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
