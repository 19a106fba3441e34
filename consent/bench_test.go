package consent

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

var sinkErr error

func BenchmarkParseRequest(b *testing.B) {
	bin, _ := sampleRequest(b, testKey(b, 1)).MarshalBinary()
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		_, sinkErr = ParseRequest(bin)
	}
}

func BenchmarkParseGrant(b *testing.B) {
	bin, _ := sampleGrant(b, testKey(b, 3), sampleRequest(b, testKey(b, 1))).MarshalBinary()
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		_, sinkErr = ParseGrant(bin)
	}
}

func BenchmarkCovers(b *testing.B) {
	req := sampleRequest(b, testKey(b, 1))
	st := &Status{Grant: sampleGrant(b, testKey(b, 3), req), State: StateGiven}
	now := t0.Add(time.Minute)
	for b.Loop() {
		_, sinkErr = Covers(now, req, st)
	}
}

// benchPresentations prepares n requests of e's gate with presentations
// proven by distinct holders (distinct nullifiers) under one grant.
func benchPresentations(b *testing.B, e *gateEnv, n int) ([]*Request, []*Presentation) {
	b.Helper()
	w := e.citizenWallet(b, nil)
	reqs := make([]*Request, n)
	ps := make([]*Presentation, n)
	for i := range n {
		reqs[i] = e.request(b)
		w.secret = uint64(1000 + i)
		ps[i] = e.present(b, reqs[i], w)
	}
	return reqs, ps
}

// BenchmarkGate compares the full gate with bare proof verification on the
// same Groth16 proofs (the small stand-in circuit: Groth16 verification
// cost is dominated by pairings, not by circuit size). gate/memory uses the
// in-memory ledger engine; gate/bolt the durable embedded engine (fsync
// per group commit).
func BenchmarkGate(b *testing.B) {
	ctx := context.Background()
	b.Run("bare-verify", func(b *testing.B) {
		e := newGateEnv(b)
		reqs, ps := benchPresentations(b, e, 16)
		sts := make([]*Statement, len(reqs))
		for i, r := range reqs {
			sts[i] = &Statement{Request: r, Type: testType, IssuerKey: e.issuer.Public(), Root: e.root, Today: e.clock.Now()}
		}
		timeVerify(b, e.zk, sts, ps)
	})
	run := func(b *testing.B, e *gateEnv) {
		reqs, ps := benchPresentations(b, e, b.N)
		timeGate(b, e.gate, reqs, ps)
	}
	b.Run("gate/checks-only", func(b *testing.B) {
		e := newGateEnv(b)
		g, err := NewGate(ctx, e.verifier, noAppend{e.l}, e.zk, WithGateClock(e.clock.Now))
		if err != nil {
			b.Fatal(err)
		}
		e.gate = g
		run(b, e)
	})
	// The gate's own cost, without proof verification and without the
	// ledger append: the proofs are verified once before timing and the
	// results replayed.
	b.Run("gate/overhead-only", func(b *testing.B) {
		e := newGateEnv(b)
		memo := &memoProofs{ProofSystem: e.zk, out: map[string]*Proven{}}
		g, err := NewGate(ctx, e.verifier, noAppend{e.l}, memo, WithGateClock(e.clock.Now))
		if err != nil {
			b.Fatal(err)
		}
		e.gate = g
		reqs, ps := benchPresentations(b, e, b.N)
		for i := range reqs {
			st := &Statement{Request: reqs[i], Type: testType, IssuerKey: e.issuer.Public(), Root: e.root, Today: e.clock.Now()}
			out, err := e.zk.Verify(st, ps[i].Proof)
			if err != nil {
				b.Fatal(err)
			}
			memo.out[string(ps[i].Proof)] = out
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.gate.Verify(ctx, reqs[i], ps[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gate/memory", func(b *testing.B) { run(b, newGateEnv(b)) })
	b.Run("gate/bolt", func(b *testing.B) { run(b, newBoltGateEnv(b)) })
	b.Run("gate/bolt-parallel", func(b *testing.B) {
		e := newBoltGateEnv(b)
		reqs, ps := benchPresentations(b, e, b.N)
		var next atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1) - 1
				if _, err := e.gate.Verify(ctx, reqs[i], ps[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "presentations/s")
	})
}

// timeVerify times bare proof verification, cycling over the statements
// and presentations.
func timeVerify(b *testing.B, sys ProofSystem, sts []*Statement, ps []*Presentation) {
	i := 0
	for b.Loop() {
		if _, err := sys.Verify(sts[i%len(sts)], ps[i%len(ps)].Proof); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// timeGate times g.Verify over b.N prepared presentations and reports
// presentations per second.
func timeGate(b *testing.B, g *Gate, reqs []*Request, ps []*Presentation) {
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := g.Verify(ctx, reqs[i], ps[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "presentations/s")
}

// noAppend is a ledger whose Submit accepts without appending: it isolates
// the gate's checks (and the signing of the access record) from the ledger
// engine's append.
type noAppend struct{ ledger.Ledger }

func (noAppend) Submit(context.Context, *ledger.SignedRecord) (ledger.Receipt, error) {
	return ledger.Receipt{}, nil
}

// memoProofs replays verification results computed before timing, to
// measure the gate's cost apart from proof verification.
type memoProofs struct {
	ProofSystem
	out map[string]*Proven
}

func (m *memoProofs) Verify(_ *Statement, proof []byte) (*Proven, error) {
	return m.out[string(proof)], nil
}
