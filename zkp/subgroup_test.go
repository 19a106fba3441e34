package zkp

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
)

// notInG2 returns n points of the twist curve outside G2.
func notInG2(t testing.TB, n int) []curve.G2Affine {
	t.Helper()
	out := make([]curve.G2Affine, n)
	for i := range out {
		var f curve.E2
		f.A0.SetUint64(uint64(1000 + i))
		f.A1.SetUint64(uint64(7 * i))
		j := curve.GeneratePointNotInG2(f)
		out[i].FromJacobian(&j)
		if !out[i].IsOnCurve() || out[i].IsInSubGroup() {
			t.Fatalf("point %d is not a twist point outside G2", i)
		}
	}
	return out
}

func TestMulSeedBatch(t *testing.T) {
	_, qs := randomPairs(t, 6)
	qs = append(qs, notInG2(t, 3)...)
	got, ok := mulSeedBatch(qs)
	if !ok {
		t.Fatal("mulSeedBatch met a zero denominator")
	}
	seed := new(big.Int).SetUint64(0x44e992b44a6909f1)
	for i := range qs {
		var want curve.G2Jac
		var q curve.G2Jac
		q.FromAffine(&qs[i])
		// Jacobian ScalarMultiplication works on any twist point.
		want.ScalarMultiplication(&q, seed)
		var w curve.G2Affine
		w.FromJacobian(&want)
		if !got[i].Equal(&w) {
			t.Fatalf("point %d: [x₀]Q differs", i)
		}
	}
}

// TestInG2Batch checks the batched subgroup test against IsInSubGroup on
// points in and out of G2, mixed, and with a point at infinity (the
// one-by-one path).
func TestInG2Batch(t *testing.T) {
	_, in := randomPairs(t, 5)
	out := notInG2(t, 5)
	var qs []curve.G2Affine
	for i := range in {
		qs = append(qs, in[i], out[i])
	}
	check := func(name string, qs []curve.G2Affine) {
		got := inG2Batch(qs)
		for i := range qs {
			if want := qs[i].IsInSubGroup(); got[i] != want {
				t.Fatalf("%s: point %d: inG2Batch %v, IsInSubGroup %v", name, i, got[i], want)
			}
		}
	}
	check("mixed", qs)
	check("outside only", out)
	check("with infinity", append(append([]curve.G2Affine(nil), qs...), curve.G2Affine{}))
	// A point off the curve is refused.
	off := in[0]
	off.Y.Double(&off.Y)
	if inG2Batch([]curve.G2Affine{in[1], off})[1] {
		t.Fatal("a point off the curve passed")
	}
}

// BenchmarkSubgroupG2 compares, per point of 64, the batched subgroup
// check with IsInSubGroup.
func BenchmarkSubgroupG2(b *testing.B) {
	_, qs := randomPairs(b, 64)
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			_ = inG2Batch(qs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(qs)), "ns/point")
	})
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for i := range qs {
				_ = qs[i].IsInSubGroup()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(qs)), "ns/point")
	})
}

// TestGroth16Proofs checks that the batch decoding gives groth16Proof's
// answer on every proof of a batch, in either point encoding and both
// mixed: good ones, a B outside G2, a B that is not a curve point, a bad
// A, a B at infinity, a short encoding and, uncompressed, a B off the
// curve.
func TestGroth16Proofs(t *testing.T) {
	_, items := batchProofs(t, 2)
	outside := notInG2(t, 1)[0]
	var inf curve.G2Affine
	var raws [][]byte
	for _, e := range encodings {
		good := reencode(t, items[0].Proof.raw, e.enc)
		gp, _ := groth16Proof(good)
		aLen, bLen := 32, 64
		outB, infB := outside.Bytes(), inf.Bytes()
		b := outB[:]
		infBs := infB[:]
		if e.enc == uncompressedPoints {
			aLen, bLen = 64, 128
			r, ri := outside.RawBytes(), inf.RawBytes()
			b, infBs = r[:], ri[:]
		}
		with := func(off int, b []byte) []byte {
			r := bytes.Clone(good)
			copy(r[off:], b)
			return r
		}
		notX := bytes.Repeat([]byte{0xff}, bLen)
		notX[0] = 0x1f // not a canonical coordinate
		if e.enc == compressedPoints {
			notX[0] |= 0x80
		}
		offB := *gp
		offB.Bs.Y.A1.Double(&offB.Bs.Y.A1)
		raws = append(raws,
			good, reencode(t, items[1].Proof.raw, e.enc),
			with(aLen, b),
			with(aLen, notX),
			with(0, bytes.Repeat([]byte{0xff}, aLen)),
			with(aLen, infBs),
			good[:100],
			encodeGroth16(&offB, uncompressedPoints),
			good,
		)
	}
	got, gotErrs := groth16Proofs(raws)
	bad := 0
	for i, raw := range raws {
		want, wantErr := groth16Proof(raw)
		switch {
		case (wantErr == nil) != (gotErrs[i] == nil):
			t.Fatalf("raw %d: batch error %v, single error %v", i, gotErrs[i], wantErr)
		case wantErr != nil:
			bad++
			if gotErrs[i].Error() != wantErr.Error() || !errors.Is(gotErrs[i], ErrMalformed) {
				t.Fatalf("raw %d: batch error %v, single error %v", i, gotErrs[i], wantErr)
			}
		case !got[i].Ar.Equal(&want.Ar) || !got[i].Bs.Equal(&want.Bs) || !got[i].Krs.Equal(&want.Krs):
			t.Fatalf("raw %d: decoded points differ", i)
		}
	}
	if bad < 10 {
		t.Fatalf("only %d of the damaged encodings were refused", bad)
	}
}

// BenchmarkGroth16Proofs compares, per proof of a batch of 64, the batch
// decoding with groth16Proof one proof at a time, for compressed and
// uncompressed points.
func BenchmarkGroth16Proofs(b *testing.B) {
	_, items := batchProofs(b, 4)
	for _, e := range encodings {
		raws := make([][]byte, 64)
		for i := range raws {
			raws[i] = reencode(b, items[i%len(items)].Proof.raw, e.enc)
		}
		b.Run(e.name+"/batch", func(b *testing.B) {
			for b.Loop() {
				if _, errs := groth16Proofs(raws); errs[0] != nil {
					b.Fatal(errs[0])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(raws)), "ns/proof")
		})
		b.Run(e.name+"/one-by-one", func(b *testing.B) {
			for b.Loop() {
				for _, raw := range raws {
					if _, err := groth16Proof(raw); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(raws)), "ns/proof")
		})
	}
}
