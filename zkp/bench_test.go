package zkp

import (
	"bytes"
	"context"
	"testing"
)

// Benchmarks of the presentation circuit. Keys come from testKeys (one
// SetupUnsafe per backend per test binary, outside the timings). Proving
// and verifying report the circuit's constraint count and the encoded
// proof's size; key benchmarks report the encoded key's size. Figures in
// the package doc come from
//
//	go test ./zkp -run '^$' -bench . -benchtime 5x

var benchBackends = []Backend{Groth16, PLONK}

func reportConstraints(b *testing.B, be Backend) {
	b.Helper()
	ccs, err := ConstraintSystem(be)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ccs.GetNbConstraints()), "constraints")
}

// benchProof makes one proof of the fixture's statement.
func benchProof(b *testing.B, be Backend) (*fixture, *VerifyingKey, *Proof, []byte) {
	b.Helper()
	pk, vk := testKeys(b, be)
	f := newFixture(b)
	p, err := Prove(context.Background(), pk, &f.st, &f.hold)
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := p.MarshalBinary()
	return f, vk, p, enc
}

func BenchmarkProve(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.String(), func(b *testing.B) {
			pk, _ := testKeys(b, be)
			f := newFixture(b)
			ctx := context.Background()
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
			reportConstraints(b, be)
			b.ReportMetric(float64(len(enc)), "bytes")
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.String(), func(b *testing.B) {
			f, vk, p, enc := benchProof(b, be)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := Verify(vk, &f.st, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportConstraints(b, be)
			b.ReportMetric(float64(len(enc)), "bytes")
		})
	}
}

// BenchmarkSetup is Groth16's SetupUnsafe; run it with -benchtime 1x.
func BenchmarkSetup(b *testing.B) {
	if _, err := ConstraintSystem(Groth16); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := SetupUnsafe(context.Background(), Groth16); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportConstraints(b, Groth16)
}

func BenchmarkReadProvingKey(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.String(), func(b *testing.B) {
			pk, _ := testKeys(b, be)
			var buf bytes.Buffer
			if _, err := pk.WriteTo(&buf); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := ReadProvingKey(bytes.NewReader(buf.Bytes())); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}

func BenchmarkParseVerifyingKey(b *testing.B) {
	for _, be := range benchBackends {
		b.Run(be.String(), func(b *testing.B) {
			_, vk := testKeys(b, be)
			enc, _ := vk.MarshalBinary()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := ParseVerifyingKey(enc); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(len(enc)), "bytes")
		})
	}
}

func BenchmarkInspect(b *testing.B) {
	_, _, _, enc := benchProof(b, Groth16)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := Inspect(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(enc)), "bytes")
}
