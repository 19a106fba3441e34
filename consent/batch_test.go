package consent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// checkBatch asserts that exactly the pairs in bad were refused, each with
// its sentinel, that every other pair has a result, and that the ledger
// grew by one access record per accepted pair.
func checkBatch(t *testing.T, res []*Result, errs []error, n int, bad map[int]error, before, after uint64) {
	t.Helper()
	if len(res) != n || len(errs) != n {
		t.Fatalf("%d results, %d errors for %d pairs", len(res), len(errs), n)
	}
	for i := range n {
		want := bad[i]
		switch {
		case want == nil && (errs[i] != nil || res[i] == nil):
			t.Errorf("pair %d: %v, want accepted", i, errs[i])
		case want != nil && !errors.Is(errs[i], want):
			t.Errorf("pair %d: %v, want %v", i, errs[i], want)
		case want != nil && res[i] != nil:
			t.Errorf("pair %d refused with a result", i)
		}
	}
	if got, want := after-before, uint64(n-len(bad)); got != want {
		t.Errorf("ledger grew by %d records, want %d (one per accepted presentation)", got, want)
	}
}

// TestGateVerifyBatch runs batches through a gate whose proof system has
// no batch check (one proof at a time): the gate's rules hold within a
// batch and a refused pair changes nothing.
func TestGateVerifyBatch(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	var pairs []Pair
	for i := range 4 {
		w := e.citizenWallet(t, nil)
		w.secret = uint64(500 + i)
		req := e.request(t)
		pairs = append(pairs, Pair{req, e.present(t, req, w)})
	}
	// A forged proof: one bit flipped, re-signed by the citizen.
	forged := *pairs[1].Presentation
	forged.Proof = bytes.Clone(forged.Proof)
	forged.Proof[len(forged.Proof)-40] ^= 1
	if err := forged.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	// The same holder again, for another request in the same scope.
	w := e.citizenWallet(t, nil)
	w.secret = 500
	again := e.request(t)
	batch := []Pair{
		pairs[0],
		{pairs[1].Request, &forged},
		pairs[2],
		pairs[2],                        // replayed within the batch
		{again, e.present(t, again, w)}, // pairs[0]'s nullifier
		{nil, pairs[3].Presentation},    // malformed
		pairs[3],
	}
	before := e.l.State().Size()
	res, errs := e.gate.VerifyBatch(ctx, batch)
	checkBatch(t, res, errs, len(batch), map[int]error{1: ErrBadProof, 3: ErrReplay, 4: ErrNullifierUsed, 5: ErrMalformed}, before, e.l.State().Size())

	// Nothing was used up by the forged presentation: the honest one for
	// its request is accepted afterwards.
	if _, err := e.gate.Verify(ctx, pairs[1].Request, pairs[1].Presentation); err != nil {
		t.Fatalf("honest presentation after its forgery was refused: %v", err)
	}
	res, errs = e.gate.VerifyBatch(ctx, nil)
	if len(res) != 0 || len(errs) != 0 {
		t.Fatal("empty batch")
	}
}

// TestGateVerifyBatchReal runs a batch of real presentation proofs
// through the gate over ZKSystem (one multi-pairing): all valid accepted;
// a forged proof found among valid ones.
func TestGateVerifyBatchReal(t *testing.T) {
	if testing.Short() {
		t.Skip("Groth16 setup of the full circuit; run without -short")
	}
	ctx := context.Background()
	e := newRealEnv(t)
	reqs, ps := realPresentations(t, e, 5)
	pairs := make([]Pair, len(ps))
	for i := range ps {
		pairs[i] = Pair{reqs[i], ps[i]}
	}
	// Forged: proof 3 with its C point taken from proof 4 (valid points,
	// no valid proof), re-signed by the citizen.
	forged := *ps[3]
	forged.Proof = bytes.Clone(ps[3].Proof)
	copy(forged.Proof[len(forged.Proof)-32:], ps[4].Proof[len(ps[4].Proof)-32:])
	if err := forged.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	before := e.l.State().Size()
	res, errs := e.gate.VerifyBatch(ctx, []Pair{pairs[0], pairs[1], pairs[2], {reqs[3], &forged}})
	checkBatch(t, res, errs, 4, map[int]error{3: ErrBadProof}, before, e.l.State().Size())

	before = e.l.State().Size()
	res, errs = e.gate.VerifyBatch(ctx, pairs[3:])
	checkBatch(t, res, errs, 2, nil, before, e.l.State().Size())
	for i, r := range res {
		if r.Grant != ps[3+i].Grant.ID() || r.Disclosed == nil {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
}

// BenchmarkGateVerifyBatch measures the gate over real presentation
// proofs, one by one and in batches of 64, with the ledger append left
// out (noAppend: the gate's checks, the proof verification and the
// signing of the access record). Each iteration is one batch of distinct
// presentations proven before timing (use -benchtime 3x or so; run with
// -cpu 1 for a per-core figure).
func BenchmarkGateVerifyBatch(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			e := newRealEnvTB(b)
			// Proving before timing moves the test clock (each issuance is a
			// ledger record): requests must outlive it.
			g, err := NewGate(ctx, e.verifier, noAppend{e.l}, NewZKSystem(e.vk), WithGateClock(e.clock.Now), WithRequestTTL(1000*time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			e.gate = g // the requests must be this gate's
			reqs, ps := realPresentations(b, e, n*b.N)
			b.ResetTimer()
			for k := range b.N {
				pairs := make([]Pair, n)
				for i := range pairs {
					pairs[i] = Pair{reqs[k*n+i], ps[k*n+i]}
				}
				if n == 1 {
					if _, err := g.Verify(ctx, pairs[0].Request, pairs[0].Presentation); err != nil {
						b.Fatal(err)
					}
					continue
				}
				_, errs := g.VerifyBatch(ctx, pairs)
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
