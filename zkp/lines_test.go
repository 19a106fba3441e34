package zkp

import (
	"math/big"
	"testing"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// randomPairs returns n random points of G1 and of G2.
func randomPairs(t testing.TB, n int) ([]curve.G1Affine, []curve.G2Affine) {
	t.Helper()
	_, _, g1, g2 := curve.Generators()
	ps := make([]curve.G1Affine, n)
	qs := make([]curve.G2Affine, n)
	for i := range n {
		var s fr.Element
		if _, err := s.SetRandom(); err != nil {
			t.Fatal(err)
		}
		ps[i].ScalarMultiplication(&g1, s.BigInt(new(big.Int)))
		if _, err := s.SetRandom(); err != nil {
			t.Fatal(err)
		}
		qs[i].ScalarMultiplication(&g2, s.BigInt(new(big.Int)))
	}
	return ps, qs
}

// TestBatchLines checks that the batched lines give the pairing: the
// reduced Miller loop over them equals curve.Pair, pair by pair and for a
// product, and a wrong point changes the result.
func TestBatchLines(t *testing.T) {
	ps, qs := randomPairs(t, 5)
	lines := make([]millerLines, len(qs))
	if !batchLines(lines, qs) {
		t.Fatal("batchLines failed on points of G2")
	}
	reduced := func(ps []curve.G1Affine, ls []millerLines) curve.GT {
		ls = append([]millerLines(nil), ls...) // MillerLoopFixedQ writes into its lines
		f, err := curve.MillerLoopFixedQ(ps, ls)
		if err != nil {
			t.Fatal(err)
		}
		return curve.FinalExponentiation(&f)
	}
	for i := range ps {
		want, err := curve.Pair(ps[i:i+1], qs[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		if got := reduced(ps[i:i+1], lines[i:i+1]); !got.Equal(&want) {
			t.Fatalf("pair %d: batched lines give another pairing", i)
		}
		if i > 0 {
			if got := reduced(ps[i-1:i], lines[i:i+1]); got.Equal(&want) {
				t.Fatalf("pair %d: another G1 point gives the same pairing", i)
			}
		}
	}
	want, err := curve.Pair(ps, qs)
	if err != nil {
		t.Fatal(err)
	}
	if got := reduced(ps, lines); !got.Equal(&want) {
		t.Fatal("product of pairings differs")
	}
	// A point at infinity has no lines.
	qs[2] = curve.G2Affine{}
	if batchLines(lines, qs) {
		t.Fatal("batchLines accepted a point at infinity")
	}
}

// BenchmarkMillerLoop64 compares, for 64 proof pairs and the key's three
// fixed pairs, curve.MillerLoop over all 67 with batchLines plus
// curve.MillerLoopFixedQ (the three fixed lines cached), final
// exponentiation excluded.
func BenchmarkMillerLoop64(b *testing.B) {
	const n = 64
	ps, qs := randomPairs(b, n+3)
	b.Run("projective", func(b *testing.B) {
		for b.Loop() {
			if _, err := curve.MillerLoop(ps, qs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("batch-lines", func(b *testing.B) {
		fixed := [3]millerLines{curve.PrecomputeLines(qs[n]), curve.PrecomputeLines(qs[n+1]), curve.PrecomputeLines(qs[n+2])}
		for b.Loop() {
			lines := make([]millerLines, n+3)
			if !batchLines(lines[:n], qs[:n]) {
				b.Fatal("batchLines failed")
			}
			copy(lines[n:], fixed[:])
			if _, err := curve.MillerLoopFixedQ(ps, lines); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFixedLinesBounded: the per-key line cache answers the lines of −δ,
// −γ and β, and keeps at most maxKeyLines keys however many are parsed.
func TestFixedLinesBounded(t *testing.T) {
	vk, _ := batchProofs(t, 1)
	g16, ok := batchable(vk)
	if !ok {
		t.Fatal("the presentation key is not batchable")
	}
	var negDelta curve.G2Affine
	negDelta.Neg(&g16.G2.Delta)
	want := curve.PrecomputeLines(negDelta)
	for range 3 * maxKeyLines {
		k := *g16 // another key value: another cache entry
		if got := fixedLines(&k); got[0] != want {
			t.Fatal("cached lines differ from PrecomputeLines(−δ)")
		}
		keyLines.Lock()
		n := len(keyLines.m)
		keyLines.Unlock()
		if n > maxKeyLines {
			t.Fatalf("%d keys cached, at most %d allowed", n, maxKeyLines)
		}
	}
}
