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
