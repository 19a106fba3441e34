package consent

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/zkp"
)

// BenchmarkGateVerifyBatchV2 is BenchmarkGateVerifyBatch over real
// one-credential version 2 proofs (issuer hidden): the gate's checks, the
// proof verification with the cached statement prefix and the signing of
// the access record, with the ledger append left out (noAppend). Each
// iteration is one batch of distinct presentations proven before timing
// (with every core; -benchtime 16x or so, -cpu 1 for a per-core figure).
func BenchmarkGateVerifyBatchV2(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			e := newRealV2Env(b)
			g, err := NewGate(ctx, e.verifier, noAppend{e.l}, e.gate.zk, WithGateClock(e.clock.Now), WithRequestTTL(1000*time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			e.gate = g // the requests must be this gate's
			// Prove with every core whatever -cpu says, measure with
			// -cpu's, and start timing with the provers' garbage collected.
			procs := runtime.GOMAXPROCS(runtime.NumCPU())
			pairs := realPresentationsV2(b, e, n*b.N)
			runtime.GOMAXPROCS(procs)
			runtime.GC()
			b.ResetTimer()
			for k := range b.N {
				batch := pairs[k*n : (k+1)*n]
				if n == 1 {
					if _, err := g.Verify(ctx, batch[0].Request, batch[0].Presentation); err != nil {
						b.Fatal(err)
					}
					continue
				}
				_, errs := g.VerifyBatch(ctx, batch)
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "presentations/s")
		})
	}
}

// realPresentationsV2 issues n credentials to n holders and answers n
// requests of the gate, all under one grant, with version 2 proofs.
func realPresentationsV2(b *testing.B, e *realV2Env, n int) []Pair {
	b.Helper()
	ctx := context.Background()
	req0 := e.request(b, false)
	grant := e.anchoredGrant(b, e.citizen, req0, nil)
	st, err := StatusOf(e.l, grant, e.clock.Now())
	if err != nil {
		b.Fatal(err)
	}
	out := make([]Pair, n)
	for i := range out {
		secret, _ := credential.NewHolderSecret(nil)
		cred, err := e.issuerV2.Issue(ctx, e.schema, &credential.Request{
			HolderBinding: credential.HolderBinding(secret),
			Claims:        credential.Claims{"birthDate": "1999-01-02", "district": "Ward 1"},
			ValidUntil:    e.clock.Now().AddDate(1, 0, 0),
		})
		if err != nil {
			b.Fatal(err)
		}
		wit, err := e.issuerV2.Registry().Witness(cred.Core.RevocationIndex)
		if err != nil {
			b.Fatal(err)
		}
		held, err := HeldV2(e.l.State(), cred, wit)
		if err != nil {
			b.Fatal(err)
		}
		req := req0
		if i > 0 {
			req = e.request(b, false)
		}
		p, err := PresentV2(ctx, e.citizen, e.pk, req, st, &zkp.HoldingV2{Secret: secret, Credentials: []zkp.HeldCredential{held}}, e.clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		out[i] = Pair{req, p}
	}
	return out
}
