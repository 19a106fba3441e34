package zkp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
)

var fuzzV2Once struct {
	sync.Once
	proofs [][]byte
}

// fuzzV2Seeds returns real v2 Groth16 proofs: one credential hiding and
// revealing its issuer, each with uncompressed points (as ProveV2 writes
// them) and compressed.
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
			c, _ := withRawV2(p, reencode(f, p.raw, compressedPoints)).MarshalBinary()
			fuzzV2Once.proofs = append(fuzzV2Once.proofs, b, c)
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

func FuzzProofV2JSON(f *testing.F) {
	for _, b := range fuzzV2Seeds(f) {
		var p ProofV2
		_ = p.UnmarshalBinary(b)
		j, _ := json.Marshal(&p)
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p ProofV2
		if err := p.UnmarshalJSON(b); err != nil {
			mustMalformed(t, err)
			return
		}
		j, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var q ProofV2
		if err := q.UnmarshalJSON(j); err != nil {
			t.Fatalf("canonical JSON does not decode: %v\n%s", err, j)
		}
		pb, _ := p.MarshalBinary()
		qb, _ := q.MarshalBinary()
		j2, _ := q.MarshalJSON()
		if !bytes.Equal(pb, qb) || !bytes.Equal(j, j2) {
			t.Fatalf("JSON round trip changed the proof:\n%s\n%s", j, j2)
		}
	})
}

func FuzzRequestV2JSON(f *testing.F) {
	for n := 1; n <= MaxCredentials; n++ {
		fx := newFixtureV2(f, n, n == 2)
		j, err := json.Marshal(&fx.st.RequestV2)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r RequestV2
		if err := r.UnmarshalJSON(b); err != nil {
			mustMalformed(t, err)
			return
		}
		j, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("decoded request does not encode: %v", err)
		}
		var q RequestV2
		if err := q.UnmarshalJSON(j); err != nil {
			t.Fatalf("canonical JSON does not decode: %v\n%s", err, j)
		}
		rb, err1 := r.MarshalBinary()
		qb, err2 := q.MarshalBinary()
		j2, _ := q.MarshalJSON()
		if err1 != nil || err2 != nil || !bytes.Equal(rb, qb) || !bytes.Equal(j, j2) {
			t.Fatalf("JSON round trip changed the request:\n%s\n%s", j, j2)
		}
	})
}
