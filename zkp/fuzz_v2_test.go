package zkp

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

var fuzzV2Once struct {
	sync.Once
	proofs [][]byte
}

// fuzzV2Seeds returns real v2 Groth16 proofs: one credential hiding and
// revealing its issuer.
func fuzzV2Seeds(f *testing.F) [][]byte {
	f.Helper()
	fuzzV2Once.Do(func() {
		pk, _ := testShapeKeys(f, ShapeV2(Groth16, 1))
		for _, reveal := range []bool{false, true} {
			fx := newFixtureV2(f, 1, reveal)
			p, err := ProveV2(context.Background(), pk, &fx.st, fx.holding(f))
			if err != nil {
				f.Fatal(err)
			}
			b, _ := p.MarshalBinary()
			fuzzV2Once.proofs = append(fuzzV2Once.proofs, b)
		}
	})
	if fuzzV2Once.proofs == nil {
		f.Fatal("no seeds")
	}
	return fuzzV2Once.proofs
}

func FuzzProofV2Unmarshal(f *testing.F) {
	for _, p := range fuzzV2Seeds(f) {
		f.Add(p)
	}
	f.Add([]byte("CPZ2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p ProofV2
		if err := p.UnmarshalBinary(b); err != nil {
			mustMalformed(t, err)
			if _, err := InspectV2(b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("InspectV2 accepts what UnmarshalBinary refuses: %v", err)
			}
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v):\n%x\n%x", err, b, out)
		}
		if _, err := InspectV2(b); err != nil {
			t.Fatalf("InspectV2: %v", err)
		}
	})
}

func FuzzRequestV2Unmarshal(f *testing.F) {
	for n := 1; n <= MaxCredentials; n++ {
		fx := newFixtureV2(f, n, n == 2)
		b, err := fx.st.RequestV2.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	v1, _ := newFixture(f).st.Request.MarshalBinary()
	f.Add(v1)
	f.Fuzz(func(t *testing.T, b []byte) {
		var r RequestV2
		if err := r.UnmarshalBinary(b); err != nil {
			mustMalformed(t, err)
			return
		}
		out, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v):\n%x\n%x", err, b, out)
		}
	})
}
