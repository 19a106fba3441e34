package issuerset

import (
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/internal/zkhash"
)

func leaves(t testing.TB, n int) []Leaf {
	t.Helper()
	out := make([]Leaf, n)
	for i := range out {
		k, err := eddsa.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		var root fr.Element
		root.SetUint64(uint64(i))
		out[i] = KeyLeaf(&k.PublicKey, Day(time.Unix(0, 0))+uint64(i), Open, root)
	}
	return out
}

func TestPaths(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 5, 17, 64, 255, Capacity} {
		ls := leaves(t, n)
		tr, err := Build(ls)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && tr.Root() != EmptyRoot() {
			t.Fatalf("empty set: root differs from EmptyRoot")
		}
		for i := range ls {
			p, err := tr.Path(i)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.RootWith(ls[i].Hash()); got != tr.Root() {
				t.Fatalf("n=%d leaf %d: path leads to another root", n, i)
			}
			var other fr.Element
			other.SetUint64(12345)
			if p.RootWith(other) == tr.Root() {
				t.Fatalf("n=%d leaf %d: a foreign leaf opens the root", n, i)
			}
		}
		if _, err := tr.Path(n); !errors.Is(err, ErrIndex) {
			t.Fatalf("Path(%d) of %d: %v, want ErrIndex", n, n, err)
		}
	}
}

// TestPadding: a set with fewer keys has the root of the same set padded
// with zero leaves, so the root does not depend on how the tree is stored.
func TestPadding(t *testing.T) {
	ls := leaves(t, 6)
	tr, _ := Build(ls)
	full := make([]fr.Element, Capacity)
	for i := range ls {
		full[i] = ls[i].Hash()
	}
	for h := 0; h < Levels; h++ {
		next := make([]fr.Element, len(full)/Arity)
		for i := range next {
			next[i] = zkhashCompress4(full[4*i], full[4*i+1], full[4*i+2], full[4*i+3])
		}
		full = next
	}
	if full[0] != tr.Root() {
		t.Fatal("sparse root differs from the dense root")
	}
}

func TestErrors(t *testing.T) {
	if _, err := Build(make([]Leaf, Capacity+1)); !errors.Is(err, ErrFull) {
		t.Fatalf("Capacity+1 leaves: %v, want ErrFull", err)
	}
	if _, err := Build([]Leaf{{From: 2, Until: 1}}); !errors.Is(err, ErrWindow) {
		t.Fatalf("From > Until: %v, want ErrWindow", err)
	}
}

func TestDay(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		days int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(86399, 0), 0},
		{time.Unix(86400, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-86400, 0), -1},
		{time.Unix(-86401, 0), -2},
	} {
		if got := int64(Day(tc.at) ^ 1<<63); got != tc.days {
			t.Errorf("Day(%s) = %d, want %d", tc.at.UTC(), got, tc.days)
		}
	}
	if !(Day(time.Unix(-86400, 0)) < Day(time.Unix(0, 0))) {
		t.Error("Day does not keep date order")
	}
}

func TestCovers(t *testing.T) {
	l := Leaf{From: 10, Until: 20}
	for day, want := range map[uint64]bool{9: false, 10: true, 20: true, 21: false} {
		if l.Covers(day) != want {
			t.Errorf("Covers(%d) = %v", day, !want)
		}
	}
}

func BenchmarkBuild256(b *testing.B) {
	ls := leaves(b, Capacity)
	for b.Loop() {
		if _, err := Build(ls); err != nil {
			b.Fatal(err)
		}
	}
}

func zkhashCompress4(a, b, c, d fr.Element) fr.Element { return zkhash.Compress4(a, b, c, d) }

// TestBuildHashes: building from the leaf hashes gives Build's tree.
func TestBuildHashes(t *testing.T) {
	for _, n := range []int{0, 1, 5, Capacity} {
		ls := leaves(t, n)
		want, err := Build(ls)
		if err != nil {
			t.Fatal(err)
		}
		hs := make([]fr.Element, n)
		for i := range ls {
			hs[i] = ls[i].Hash()
		}
		got, err := BuildHashes(hs)
		if err != nil || got.Root() != want.Root() || got.Len() != n {
			t.Fatalf("n=%d: BuildHashes root differs from Build's (%v)", n, err)
		}
	}
	if _, err := BuildHashes(make([]fr.Element, Capacity+1)); !errors.Is(err, ErrFull) {
		t.Fatalf("BuildHashes above capacity: %v, want ErrFull", err)
	}
}
