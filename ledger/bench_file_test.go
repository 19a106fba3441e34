//go:build !js && !wasip1

package ledger

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
)

func benchLedger(b *testing.B, w *world) *Embedded {
	l := openFileLedger(b, filepath.Join(b.TempDir(), "bench.db"), w)
	b.Cleanup(func() { l.Close() })
	if _, err := l.SubmitBatch(context.Background(), w.setupRecords(b)); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkSubmitSingle: one writer, one durable (fsynced) commit per record.
func BenchmarkSubmitSingle(b *testing.B) {
	w := newWorld(b)
	l := benchLedger(b, w)
	recs := events(b, w, b.N, 1)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Submit(ctx, recs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSubmitConcurrent: 64 concurrent writers per core, coalesced by
// group commit.
func BenchmarkSubmitConcurrent(b *testing.B) {
	w := newWorld(b)
	l := benchLedger(b, w)
	recs := events(b, w, b.N, 2)
	var next atomic.Int64
	ctx := context.Background()
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, err := l.Submit(ctx, recs[i]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSubmitBatch: SubmitBatch calls of 256 records from 4 writers.
func BenchmarkSubmitBatch(b *testing.B) {
	const size = 256
	w := newWorld(b)
	l := benchLedger(b, w)
	recs := events(b, w, b.N, 3)
	var next atomic.Int64
	ctx := context.Background()
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var batch []*SignedRecord
		flush := func() {
			if len(batch) > 0 {
				if _, err := l.SubmitBatch(ctx, batch); err != nil {
					b.Error(err)
				}
				batch = batch[:0]
			}
		}
		for pb.Next() {
			batch = append(batch, recs[next.Add(1)-1])
			if len(batch) == size {
				flush()
			}
		}
		flush()
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

const proofLogSize = 1 << 14

func proofLedger(b *testing.B) (*Embedded, *Checkpoint, []*SignedRecord) {
	w := newWorld(b)
	l := benchLedger(b, w)
	recs := events(b, w, proofLogSize-len(w.setupRecords(b)), 4)
	ctx := context.Background()
	for i := 0; i < len(recs); i += 1024 {
		if _, err := l.SubmitBatch(ctx, recs[i:min(i+1024, len(recs))]); err != nil {
			b.Fatal(err)
		}
	}
	cp, _ := l.Checkpoint(ctx)
	return l, cp, recs
}

// BenchmarkInclusionProof: audit path generation from the bbolt file in a
// log of 16384 records.
func BenchmarkInclusionProof(b *testing.B) {
	l, cp, _ := proofLedger(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.InclusionProof(ctx, uint64(i*7919)%cp.Size, cp.Size); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyInclusion: client-side verification of an audit path.
func BenchmarkVerifyInclusion(b *testing.B) {
	l, cp, recs := proofLedger(b)
	ctx := context.Background()
	idx := cp.Size - 1000
	p, _ := l.InclusionProof(ctx, idx, cp.Size)
	leaf := mustBytes(b, recs[int(idx)-len(newWorld(b).setupRecords(b))])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := VerifyInclusion(cp, idx, leaf, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen: reopening a 16384-record file from its index (the log is
// replayed only when the index is missing or does not check out).
func BenchmarkOpen(b *testing.B) {
	l, _, _ := proofLedger(b)
	path := l.store.(*fileStore).path
	l.Close()
	w := newWorld(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := Open(path, w.ledgerKey, WithClock(fixedClock))
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
	b.ReportMetric(float64(proofLogSize)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
