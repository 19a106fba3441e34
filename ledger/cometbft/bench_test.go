package cometbft

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/civicproof/civicproof/ledger"
)

// BenchmarkFinalizeCommit measures FinalizeBlock and Commit of blocks of
// one-record transactions (consent receipts) at the application level.
func BenchmarkFinalizeCommit(b *testing.B) {
	const perBlock = 256
	ctx := context.Background()
	w := newWorld(b)
	a, err := NewApp(Config{Dir: b.TempDir(), Key: w.ledgerKey, Clock: func() time.Time { return w.t0 }})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	block := func(height int64, txs [][]byte) {
		res, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: height, Time: w.t0, Txs: txs})
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range res.TxResults {
			if r.Code != CodeOK {
				b.Fatalf("height %d tx %d: code %d (%s)", height, i, r.Code, r.Log)
			}
		}
		if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
			b.Fatal(err)
		}
	}
	var setup [][]byte
	for _, sr := range w.setupRecords(b)[:6] {
		setup = append(setup, mustTx(b, sr))
	}
	block(1, setup)
	n := uint64(0)
	height := int64(1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		txs := make([][]byte, perBlock)
		for j := range txs {
			n++
			id := ledger.HashBytes(binary.BigEndian.AppendUint64(nil, n))
			txs[j] = mustTx(b, w.sign(b, w.citizen, 6, &ledger.ConsentReceipt{Grant: ledger.GrantID(w.citizen.DID(), id), Content: id, Agency: w.verifier.DID(), Receipt: id}))
		}
		height++
		b.StartTimer()
		block(height, txs)
	}
	b.ReportMetric(float64(b.N*perBlock)/b.Elapsed().Seconds(), "records/s")
}
