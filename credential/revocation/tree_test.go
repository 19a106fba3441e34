package revocation

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

var update = flag.Bool("update", false, "rewrite testdata/roots.json")

// refRoot computes the root of the tree with the given revoked indices by
// recursion over the sorted set, independently of Tree's node maps.
func refRoot(revoked []uint32) fr.Element {
	s := slices.Clone(revoked)
	slices.Sort(s)
	s = slices.Compact(s)
	// Bounds are uint64: the last quarter of the top level ends at 2^32.
	var rec func(h int, lo uint64, idx []uint32) fr.Element
	rec = func(h int, lo uint64, idx []uint32) fr.Element {
		if len(idx) == 0 {
			return Empty(h)
		}
		if h == 0 {
			return one
		}
		quarter := uint64(1) << (2 * (h - 1))
		var c [4]fr.Element
		for q := range uint64(4) {
			from, to := lo+q*quarter, lo+(q+1)*quarter
			a, _ := slices.BinarySearchFunc(idx, from, func(e uint32, t uint64) int { return cmp.Compare(uint64(e), t) })
			b, _ := slices.BinarySearchFunc(idx, to, func(e uint32, t uint64) int { return cmp.Compare(uint64(e), t) })
			c[q] = rec(h-1, from, idx[a:b])
		}
		return zkhash.Compress4(c[0], c[1], c[2], c[3])
	}
	return rec(Levels, 0, s)
}

func TestTreeAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tr := NewTree()
	var revoked []uint32
	if tr.Root() != Empty(Levels) || tr.Root() != refRoot(nil) {
		t.Fatal("empty root")
	}
	for i := range 200 {
		idx := rng.Uint32()
		switch i % 50 {
		case 0:
			idx = uint32(i) // neighbours share paths
		case 1:
			idx = MaxIndex - uint32(i) // the top of the range shares paths too
		}
		if err := tr.Revoke(idx); err != nil {
			t.Fatal(err)
		}
		revoked = append(revoked, idx)
		if i%20 == 0 && tr.Root() != refRoot(revoked) {
			t.Fatalf("after %d revocations the root differs from the reference", i+1)
		}
	}
	root := tr.Root()
	if err := tr.Revoke(revoked[3]); err != nil || tr.Root() != root {
		t.Fatal("revoking twice changed the root")
	}
	for _, idx := range revoked[:20] {
		w, err := tr.Witness(idx)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Verify(root, idx); !errors.Is(err, ErrRevoked) {
			t.Fatalf("Verify(revoked %d) = %v, want ErrRevoked", idx, err)
		}
	}
	for range 20 {
		idx := rng.Uint32()
		if tr.Revoked(idx) {
			continue
		}
		w, err := tr.Witness(idx)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Verify(root, idx); err != nil {
			t.Fatalf("Verify(live %d) = %v", idx, err)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	tr := NewTree()
	_ = tr.Revoke(7)
	w, _ := tr.Witness(6)
	root := tr.Root()
	stale := NewTree().Root()
	var bumped Witness = *w
	bumped.Siblings[5][1].SetUint64(99)
	tests := []struct {
		name string
		w    *Witness
		root fr.Element
		idx  uint32
		want error
	}{
		{"live", w, root, 6, nil},
		{"other index", w, root, 7, ErrRootMismatch},
		{"stale root", w, stale, 6, ErrRootMismatch},
		{"tampered sibling", &bumped, root, 6, ErrRootMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.w.Verify(tc.root, tc.idx); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestTopOfRange covers the last indices of the 2^32 range, where a
// sibling loop bounded by i&^3+4 would wrap.
func TestTopOfRange(t *testing.T) {
	if Capacity != 1<<32 || MaxIndex != math.MaxUint32 {
		t.Fatalf("Capacity %d, MaxIndex %d", Capacity, uint64(MaxIndex))
	}
	tr := NewTree()
	revoked := []uint32{MaxIndex, MaxIndex - 2, 1 << 31}
	for _, idx := range revoked {
		if err := tr.Revoke(idx); err != nil {
			t.Fatalf("Revoke(%d): %v", idx, err)
		}
	}
	root := tr.Root()
	if root != refRoot(revoked) {
		t.Fatal("root differs from the reference")
	}
	for _, tc := range []struct {
		idx  uint32
		want error
	}{
		{MaxIndex, ErrRevoked},
		{MaxIndex - 1, nil},
		{MaxIndex - 2, ErrRevoked},
		{MaxIndex - 3, nil},
		{1<<31 - 1, nil},
		{1 << 31, ErrRevoked},
	} {
		w, err := tr.Witness(tc.idx)
		if err != nil {
			t.Fatalf("Witness(%d): %v", tc.idx, err)
		}
		if err := w.Verify(root, tc.idx); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("Verify(%d) = %v, want %v", tc.idx, err, tc.want)
		}
		b, _ := w.MarshalBinary()
		var back Witness
		if err := back.UnmarshalBinary(b); err != nil || back != *w {
			t.Errorf("index %d: round trip: %v", tc.idx, err)
		}
	}
}

func TestWitnessEncoding(t *testing.T) {
	tr := NewTree()
	_ = tr.Revoke(1 << 20)
	w, _ := tr.Witness(3)
	b, _ := w.MarshalBinary()
	var got Witness
	if err := got.UnmarshalBinary(b); err != nil || got != *w {
		t.Fatalf("round trip: %v", err)
	}
	bad := map[string][]byte{
		"short":        b[:len(b)-1],
		"long":         append(slices.Clone(b), 0),
		"noncanonical": append(slices.Clone(b[:4]), append(slicesRepeat(0xff, 32), b[36:]...)...),
	}
	for name, in := range bad {
		before := got
		if err := got.UnmarshalBinary(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
		if got != before {
			t.Errorf("%s: witness changed on error", name)
		}
	}
}

func slicesRepeat(b byte, n int) []byte { return slices.Repeat([]byte{b}, n) }

// TestRootVectors pins the roots of a few trees so that another
// implementation can check its tree (rewrite with -update).
func TestRootVectors(t *testing.T) {
	sets := [][]uint32{nil, {0}, {1}, {0, 1}, {12345}, {MaxIndex}, {0, 5, 1 << 23, 1 << 31, MaxIndex}}
	got := map[string]string{}
	for _, s := range sets {
		tr := NewTree()
		for _, i := range s {
			_ = tr.Revoke(i)
		}
		root := tr.Root()
		r := root.Bytes()
		k, _ := json.Marshal(s)
		got[string(k)] = hex.EncodeToString(r[:])
	}
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		_ = os.WriteFile("testdata/roots.json", append(b, '\n'), 0o644)
	}
	b, err := os.ReadFile("testdata/roots.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(sets) {
		t.Fatalf("%d vectors, want %d", len(want), len(sets))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("root of %s = %s, want %s", k, got[k], v)
		}
	}
}

func FuzzWitnessUnmarshal(f *testing.F) {
	w, _ := NewTree().Witness(9)
	b, _ := w.MarshalBinary()
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		var w Witness
		if err := w.UnmarshalBinary(in); err != nil {
			return
		}
		out, _ := w.MarshalBinary()
		if string(out) != string(in) {
			t.Fatal("accepted a non-canonical encoding")
		}
	})
}

func BenchmarkRevoke(b *testing.B) {
	tr := NewTree()
	rng := rand.New(rand.NewPCG(3, 4))
	for b.Loop() {
		_ = tr.Revoke(rng.Uint32())
	}
}

func BenchmarkWitness(b *testing.B) {
	tr := NewTree()
	for i := range 10000 {
		_ = tr.Revoke(uint32(i * 1601))
	}
	for b.Loop() {
		_, _ = tr.Witness(77)
	}
}

func BenchmarkVerify(b *testing.B) {
	tr := NewTree()
	_ = tr.Revoke(5)
	w, _ := tr.Witness(77)
	root := tr.Root()
	for b.Loop() {
		_ = w.Verify(root, 77)
	}
}
