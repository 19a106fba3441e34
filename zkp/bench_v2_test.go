package zkp

import (
	"context"
	"fmt"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// Benchmarks of presentation proofs v2. Figures in the package doc come
// from
//
//	go test ./zkp -run '^$' -bench 'ProveV1V2|VerifyV2|VerifyBatchV2|DigestV2' -benchtime 5x -cpu 2
//	go test ./zkp -run '^$' -bench 'VerifyBatchV2' -benchtime 20x -cpu 1

// BenchmarkProveV1V2 proves the v1 circuit and each v2 shape (issuer
// hiding, K = 4) in one run, so that their times compare under the same
// load.
func BenchmarkProveV1V2(b *testing.B) {
	ctx := context.Background()
	b.Run("v1", func(b *testing.B) {
		pk, _ := testKeys(b, Groth16)
		f := newFixture(b)
		var enc []byte
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			p, err := Prove(ctx, pk, &f.st, &f.hold)
			if err != nil {
				b.Fatal(err)
			}
			enc, _ = p.MarshalBinary()
		}
		b.StopTimer()
		reportConstraints(b, Groth16)
		b.ReportMetric(float64(len(enc)), "bytes")
	})
	for n := 1; n <= MaxCredentials; n++ {
		b.Run(fmt.Sprintf("v2-n%d", n), func(b *testing.B) {
			s := ShapeV2(Groth16, n)
			pk, _ := testShapeKeys(b, s)
			f := newFixtureV2(b, n, false)
			h := f.holding(b)
			var enc []byte
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				p, err := ProveV2(ctx, pk, &f.st, h)
				if err != nil {
					b.Fatal(err)
				}
				enc, _ = p.MarshalBinary()
			}
			b.StopTimer()
			ccs, _ := s.ConstraintSystem()
			b.ReportMetric(float64(ccs.GetNbConstraints()), "constraints")
			b.ReportMetric(float64(len(enc)), "bytes")
		})
	}
}

// batchProofsV2 makes k one-credential v2 proofs of one request on one
// day, differing in their nonce (the per-presentation part of the digest).
func batchProofsV2(t testing.TB, k int) (*VerifyingKey, []BatchItemV2) {
	t.Helper()
	pk, vk := testShapeKeys(t, ShapeV2(Groth16, 1))
	f := newFixtureV2(t, 1, false)
	h := f.holding(t)
	items := make([]BatchItemV2, k)
	for i := range items {
		st := cloneStatementV2(&f.st)
		st.Nonce = elem(uint64(9000 + i))
		p, err := ProveV2(context.Background(), pk, st, h)
		if err != nil {
			t.Fatal(err)
		}
		items[i] = BatchItemV2{st, p}
	}
	return vk, items
}

func BenchmarkVerifyV2(b *testing.B) {
	vk, items := batchProofsV2(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyV2(vk, items[0].Statement, items[0].Proof); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBatchV2 reports one-credential v2 presentations verified
// per second, alone and in batches (run with -cpu 1 for a per-core
// figure).
func BenchmarkVerifyBatchV2(b *testing.B) {
	vk, base := batchProofsV2(b, 8)
	for _, n := range []int{1, 16, 64} {
		items := make([]BatchItemV2, n)
		for i := range items {
			items[i] = base[i%len(base)]
		}
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			for b.Loop() {
				if n == 1 {
					if _, err := VerifyV2(vk, items[0].Statement, items[0].Proof); err != nil {
						b.Fatal(err)
					}
					continue
				}
				_, errs := VerifyBatchV2(vk, items, nil)
				if errs[0] != nil {
					b.Fatal(errs[0])
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "proofs/s")
		})
	}
}

// BenchmarkDigestV2 is the verifier's statement digest of a
// one-credential proof with the prefix state cached (what VerifyV2 does)
// and hashed in full.
func BenchmarkDigestV2(b *testing.B) {
	f := newFixtureV2(b, 1, false)
	creds := []proven{{}}
	creds[0].disclosed[slotMonths] = elem(30)
	nf := elem(1)
	f.st.IssuerSets = []fr.Element{elem(7)}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.st.digest(nf, creds); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			pre, err := f.st.prefix()
			if err != nil {
				b.Fatal(err)
			}
			xs := append(pre, f.st.suffix(nf, creds)...)
			_ = zkhash.Hash(zkhash.TagStatementV2, xs...)
		}
	})
}
