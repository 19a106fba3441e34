package cometbft

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/civicproof/civicproof/ledger"
)

func newApp(t *testing.T, w *world, dir string) *App {
	t.Helper()
	a, err := NewApp(Config{Dir: dir, Key: w.ledgerKey, Clock: func() time.Time { return w.t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustTx(t testing.TB, srs ...*ledger.SignedRecord) []byte {
	t.Helper()
	tx, err := EncodeTx(srs...)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func finalize(t *testing.T, a *App, height int64, at time.Time, txs ...[]byte) *abci.FinalizeBlockResponse {
	t.Helper()
	res, err := a.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: height, Time: at, Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// recv returns the outcome sent on ch, failing the test if none comes.
func recv(t *testing.T, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome")
		return outcome{}
	}
}

// TestAppBlock drives the ABCI methods directly: block order, result codes
// of refusals made by FinalizeBlock itself, the AppHash and Info.
func TestAppBlock(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir := t.TempDir()
	a := newApp(t, w, dir)
	defer func() { a.Close() }()
	init, err := a.InitChain(ctx, &abci.InitChainRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if empty := ledger.EmptyRoot(); !bytes.Equal(init.AppHash, empty[:]) {
		t.Fatalf("initial app hash %x", init.AppHash)
	}

	setup := w.setupRecords(t)
	var txs [][]byte
	for _, sr := range setup[:4] {
		txs = append(txs, mustTx(t, sr))
	}
	spaced := []byte("[" + string(mustTx(t, setup[4])) + ", " + string(mustTx(t, setup[5])) + "]")
	txs = append(txs,
		mustTx(t, setup[1]), // duplicate of an earlier transaction of the block
		mustTx(t, w.sign(t, w.issuer, 8, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1})),     // issuer not yet accredited
		mustTx(t, w.sign(t, w.issuer, -3600, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1})), // an hour before the block
		[]byte("not a record"),
		spaced,
		mustTx(t, setup[4], setup[5]), // a batch, accepted at indices 4 and 5
		mustTx(t, w.sign(t, w.issuer, 9, &ledger.RevocationRoot{Root: h(0x31), Epoch: 1})),
	)
	want := []uint32{0, 0, 0, 0, CodeDuplicate, CodeUnauthorized, CodeClock, CodeInvalid, CodeInvalid, 0, 0}
	// Before the block, CheckTx sees the empty state.
	if res, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: txs[1], Type: abci.CHECK_TX_TYPE_CHECK}); res.Code != CodeUnauthorized {
		t.Fatalf("CheckTx before governance-init: code %d (%s)", res.Code, res.Log)
	}
	// The submitter of a transaction repeated in the block learns that it
	// was accepted, not the refusal of the repetition.
	dupCh := make(chan outcome, 1)
	unwaitDup, err := a.wait(txs[1], dupCh)
	if err != nil {
		t.Fatal(err)
	}
	defer unwaitDup()
	res := finalize(t, a, 1, w.t0, txs...)
	emb, err := ledger.NewInMemory(w.ledgerKey)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for i, r := range res.TxResults {
		if r.Code != want[i] {
			t.Errorf("tx %d: code %d (%s), want %d", i, r.Code, r.Log, want[i])
			continue
		}
		if r.Code != 0 {
			if r.Codespace != Codespace || r.Log == "" {
				t.Errorf("tx %d: codespace %q log %q", i, r.Codespace, r.Log)
			}
			continue
		}
		srs, err := DecodeTx(txs[i])
		if err != nil {
			t.Fatal(err)
		}
		rs, err := emb.SubmitBatch(ctx, srs)
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint64(r.Data); got != rs[0].Index {
			t.Errorf("tx %d: data says index %d, want %d", i, got, rs[0].Index)
		}
	}
	ecp, _ := emb.Checkpoint(ctx)
	if !bytes.Equal(res.AppHash, ecp.Root[:]) {
		t.Fatalf("app hash %x, embedded root %s", res.AppHash, ecp.Root)
	}
	// Nothing is stored before Commit.
	if cp, _ := a.Store().Checkpoint(ctx); cp.Size != 0 {
		t.Fatalf("stored %d records before Commit", cp.Size)
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	cp, _ := a.Store().Checkpoint(ctx)
	if cp.Size != ecp.Size || cp.Root != ecp.Root {
		t.Fatalf("stored size %d root %s, want %d %s", cp.Size, cp.Root, ecp.Size, ecp.Root)
	}
	if o := recv(t, dupCh); o.code != CodeOK || o.first != 1 || o.cp == nil || o.cp.Size != cp.Size {
		t.Fatalf("outcome of a transaction repeated in its block: %+v", o)
	}
	if digest(t, a.Store().State()) != digest(t, emb.State()) {
		t.Fatal("state differs from the embedded engine's")
	}
	info, _ := a.Info(ctx, &abci.InfoRequest{})
	if info.LastBlockHeight != 1 || !bytes.Equal(info.LastBlockAppHash, res.AppHash) || info.AppVersion != AppVersion {
		t.Fatalf("info %+v", info)
	}

	// An empty block keeps the app hash.
	res2 := finalize(t, a, 2, w.t0)
	if !bytes.Equal(res2.AppHash, res.AppHash) {
		t.Fatal("empty block changed the app hash")
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: 4, Time: w.t0}); err == nil {
		t.Fatal("FinalizeBlock skipped a height")
	}

	// Queries.
	q, _ := a.Query(ctx, &abci.QueryRequest{Path: "/record/0"})
	if b, _ := setup[0].Bytes(); q.Code != 0 || !bytes.Equal(q.Value, b) {
		t.Fatalf("query record: %+v", q)
	}
	q, _ = a.Query(ctx, &abci.QueryRequest{Path: "/checkpoint"})
	if _, err := a.Store().Verifier().ParseCheckpoint(q.Value); err != nil {
		t.Fatal(err)
	}
	q, _ = a.Query(ctx, &abci.QueryRequest{Path: "/size"})
	if string(q.Value) != "7" {
		t.Fatalf("query size %q", q.Value)
	}
	if q, _ = a.Query(ctx, &abci.QueryRequest{Path: "/record/99"}); q.Code == 0 {
		t.Fatal("query past the end succeeded")
	}

	// A recheck that fails tells the waiting submitter.
	stale := mustTx(t, setup[6])
	ch := make(chan outcome, 1)
	unwait, err := a.wait(stale, ch)
	if err != nil {
		t.Fatal(err)
	}
	finalize(t, a, 3, w.t0, stale)
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	if o := recv(t, ch); o.code != 0 || o.first != 7 || o.cp == nil || o.cp.Size != 8 {
		t.Fatalf("outcome %+v", o)
	}
	unwait()
	if unwait, err = a.wait(stale, ch); err != nil {
		t.Fatal(err)
	}
	if res, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: stale, Type: abci.CHECK_TX_TYPE_RECHECK}); res.Code != CodeDuplicate {
		t.Fatalf("recheck of a committed record: code %d", res.Code)
	}
	if o := recv(t, ch); !errors.Is(codeError(o.code, o.space, o.log), ledger.ErrDuplicate) {
		t.Fatalf("recheck outcome %+v", o)
	}
	unwait()

	// A record within the skew of the node clock passes CheckTx but is
	// refused by FinalizeBlock when far from the block time.
	late := mustTx(t, w.sign(t, w.issuer, 20, &ledger.RevocationRoot{Root: h(0x40), Epoch: 2}))
	if res, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: late, Type: abci.CHECK_TX_TYPE_CHECK}); res.Code != CodeOK {
		t.Fatalf("CheckTx of a record at the node clock: code %d (%s)", res.Code, res.Log)
	}
	before3, _ := a.Store().Checkpoint(ctx)
	res4 := finalize(t, a, 4, w.t0.Add(time.Hour), late)
	if r := res4.TxResults[0]; r.Code != CodeClock || r.Codespace != Codespace {
		t.Fatalf("record an hour before the block: code %d (%s)", r.Code, r.Log)
	}
	if !bytes.Equal(res4.AppHash, before3.Root[:]) {
		t.Fatal("a refused record changed the app hash")
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}

	// Restart: Info and the log survive.
	before, _ := a.Store().Checkpoint(ctx)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = newApp(t, w, dir)
	// Block 4 accepted nothing and is not recorded: CometBFT replays it.
	info, _ = a.Info(ctx, &abci.InfoRequest{})
	if info.LastBlockHeight != 3 || !bytes.Equal(info.LastBlockAppHash, before.Root[:]) {
		t.Fatalf("info after restart %+v", info)
	}
}

// TestAppRecovery: a crash between FinalizeBlock and Commit leaves
// nothing behind (the block is finalized again after the restart, to the
// same AppHash); a log written behind the application's back, or a home
// of the earlier format, is reported as corruption.
func TestAppRecovery(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir := t.TempDir()
	a := newApp(t, w, dir)
	setup := w.setupRecords(t)
	finalize(t, a, 1, w.t0, mustTx(t, setup[0]))
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	block2 := [][]byte{mustTx(t, setup[1], setup[2]), mustTx(t, setup[3])}
	res := finalize(t, a, 2, w.t0, block2...)
	// The crash: no Commit.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = newApp(t, w, dir)
	info, _ := a.Info(ctx, &abci.InfoRequest{})
	cp, _ := a.Store().Checkpoint(ctx)
	if info.LastBlockHeight != 1 || cp.Size != 1 {
		t.Fatalf("after the crash: info %+v, checkpoint size %d", info, cp.Size)
	}
	again := finalize(t, a, 2, w.t0, block2...)
	if !bytes.Equal(again.AppHash, res.AppHash) {
		t.Fatal("the replayed block has another app hash")
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	// A record submitted to the embedded ledger directly leaves its log
	// ahead of the application's metadata.
	if _, err := a.Store().Submit(ctx, setup[4]); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewApp(Config{Dir: dir, Key: w.ledgerKey}); !errors.Is(err, ledger.ErrCorrupt) {
		t.Fatalf("log ahead of the metadata: %v", err)
	}

	old := t.TempDir()
	if err := os.WriteFile(filepath.Join(old, legacyCommitFile), []byte(`{"height":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewApp(Config{Dir: old, Key: w.ledgerKey}); !errors.Is(err, ledger.ErrCorrupt) {
		t.Fatalf("home of the earlier format: %v", err)
	}
}

// TestCheckOnce: a transaction CheckTx verified is remembered until
// FinalizeBlock applies it, which then does not verify it again; one
// FinalizeBlock never saw is verified there.
func TestCheckOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	a := newApp(t, w, t.TempDir())
	defer a.Close()
	setup := w.setupRecords(t)
	seen, unseen := mustTx(t, setup[0]), mustTx(t, setup[1])
	if res, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: seen, Type: abci.CHECK_TX_TYPE_CHECK}); res.Code != CodeOK {
		t.Fatalf("CheckTx: %d %s", res.Code, res.Log)
	}
	if n := a.checked.len(); n != 1 {
		t.Fatalf("%d transactions remembered, want 1", n)
	}
	res := finalize(t, a, 1, w.t0, seen, unseen)
	for i, r := range res.TxResults {
		if r.Code != CodeOK {
			t.Fatalf("tx %d: %d %s", i, r.Code, r.Log)
		}
	}
	if n := a.checked.len(); n != 0 {
		t.Fatalf("%d transactions still remembered after the block", n)
	}
	if _, err := a.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	// A forged transaction is refused by CheckTx and not remembered.
	forged := *setup[2]
	forged.Signature = bytes.Clone(forged.Signature)
	forged.Signature[5] ^= 1
	fb, _ := forged.Bytes()
	if res, _ := a.CheckTx(ctx, &abci.CheckTxRequest{Tx: fb, Type: abci.CHECK_TX_TYPE_CHECK}); res.Code != CodeInvalid {
		t.Fatalf("forged: code %d", res.Code)
	}
	if n := a.checked.len(); n != 0 {
		t.Fatal("a forged transaction was remembered")
	}
	// The cache is bounded by records, oldest first.
	c := newCheckedTxs(3)
	vrs, _ := decodeTx(mustTx(t, setup[0], setup[1]))
	c.put([32]byte{1}, vrs)
	c.put([32]byte{2}, vrs)
	if _, ok := c.get([32]byte{1}); ok || c.len() != 1 {
		t.Fatal("the cache kept more records than its bound")
	}
}

func TestTxEncoding(t *testing.T) {
	w := newWorld(t)
	setup := w.setupRecords(t)
	one := mustTx(t, setup[0])
	if b, _ := setup[0].Bytes(); !bytes.Equal(one, b) {
		t.Fatal("a one-record transaction is not the record's canonical bytes")
	}
	two := mustTx(t, setup[0], setup[1])
	srs, err := DecodeTx(two)
	if err != nil || len(srs) != 2 {
		t.Fatalf("decode batch: %v", err)
	}
	for _, bad := range [][]byte{nil, []byte("[]"), []byte("[" + string(one) + "]"), append([]byte(" "), one...), append(two, ' ')} {
		if _, err := DecodeTx(bad); !errors.Is(err, ledger.ErrInvalidRecord) {
			t.Errorf("DecodeTx(%.20q): %v", bad, err)
		}
	}
	if _, err := EncodeTx(); !errors.Is(err, ledger.ErrInvalidRecord) {
		t.Fatal("empty batch encoded")
	}
	// A batch above MaxBatchRecords is refused before its records are
	// decoded, by the decoder and by the encoder.
	big := make([][]byte, MaxBatchRecords+1)
	for i := range big {
		big[i] = one
	}
	tooBig := []byte("[" + string(bytes.Join(big, []byte(","))) + "]")
	if _, err := DecodeTx(tooBig); !errors.Is(err, ErrBatchTooLarge) || !errors.Is(err, ledger.ErrInvalidRecord) {
		t.Fatalf("DecodeTx of %d records: %v", len(big), err)
	}
	if srs, err := DecodeTx(append(bytes.Clone(tooBig[:len(tooBig)-len(one)-2]), ']')); err != nil || len(srs) != MaxBatchRecords {
		t.Fatalf("batch of MaxBatchRecords records: %v", err)
	}
	many := make([]*ledger.SignedRecord, MaxBatchRecords+1)
	for i := range many {
		many[i] = setup[0]
	}
	if _, err := EncodeTx(many...); !errors.Is(err, ErrBatchTooLarge) {
		t.Fatalf("EncodeTx of %d records: %v", len(many), err)
	}
	for _, c := range codes {
		err := codeError(c.code, Codespace, "reason")
		for _, e := range c.errs {
			if !errors.Is(err, e) {
				t.Errorf("code %d: %v does not wrap %v", c.code, err, e)
			}
		}
		if got := codeOf(err); got != c.code {
			t.Errorf("code %d maps back to %d", c.code, got)
		}
	}
}
