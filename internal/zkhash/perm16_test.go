package zkhash

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// TestPerm16 checks the vectorised width-16 permutation against
// gnark-crypto's on random states and on the zero state.
func TestPerm16(t *testing.T) {
	ref := poseidon2.NewPermutation(16, FullRounds, partialRounds(16))
	q := perm16Params()
	for k := range 200 {
		var s [16]fr.Element
		if k > 0 {
			for i := range s {
				if _, err := s[i].SetRandom(); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := s
		if err := ref.Permutation(want[:]); err != nil {
			t.Fatal(err)
		}
		q.permute(&s)
		if s != want {
			t.Fatalf("state %d: permutation differs from gnark-crypto's", k)
		}
	}
}

// BenchmarkPerm16 compares the vectorised permutation with gnark-crypto's.
func BenchmarkPerm16(b *testing.B) {
	var s [16]fr.Element
	for i := range s {
		s[i].SetUint64(uint64(i + 1))
	}
	b.Run("vector", func(b *testing.B) {
		q := perm16Params()
		for b.Loop() {
			q.permute(&s)
		}
	})
	b.Run("gnark", func(b *testing.B) {
		p := poseidon2.NewPermutation(16, FullRounds, partialRounds(16))
		for b.Loop() {
			_ = p.Permutation(s[:])
		}
	})
}

// TestPermuteMany checks the permutation of many states at once against
// permute, state by state, for batch sizes around the vector threshold.
func TestPermuteMany(t *testing.T) {
	q := perm16Params()
	for _, m := range []int{0, 1, manyMin - 1, manyMin, manyMin + 1, 16, 64, 65} {
		ss := make([]*[16]fr.Element, m)
		want := make([][16]fr.Element, m)
		for k := range ss {
			ss[k] = new([16]fr.Element)
			if k > 0 { // the zero state too
				for i := range ss[k] {
					if _, err := ss[k][i].SetRandom(); err != nil {
						t.Fatal(err)
					}
				}
			}
			want[k] = *ss[k]
			q.permute(&want[k])
		}
		q.permuteMany(ss)
		for k := range ss {
			if *ss[k] != want[k] {
				t.Fatalf("%d states: state %d differs from permute's", m, k)
			}
		}
	}
}

// BenchmarkPermuteMany is the cost per state of permuting 64 states
// together, against BenchmarkPerm16's one at a time.
func BenchmarkPermuteMany(b *testing.B) {
	q := perm16Params()
	ss := make([]*[16]fr.Element, 64)
	for k := range ss {
		ss[k] = new([16]fr.Element)
		for i := range ss[k] {
			ss[k][i].SetUint64(uint64(k*16 + i))
		}
	}
	for b.Loop() {
		q.permuteMany(ss)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ss))/1e3, "µs/state")
}
