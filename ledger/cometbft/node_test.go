package cometbft

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

func digest(t testing.TB, s *ledger.State) ledger.Hash {
	t.Helper()
	d, err := s.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newWorld(t)
	cfg := initHome(t, t.TempDir())
	l := startNode(t, w, cfg)
	defer func() {
		if l != nil {
			l.Close()
		}
	}()

	setup := w.setupRecords(t)
	receipts := submitAll(t, l, setup)
	batch := []*ledger.SignedRecord{
		w.sign(t, w.issuer, 7, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1}),
		w.sign(t, w.issuer, 8, &ledger.RevocationRoot{Root: h(0x31), Epoch: 2}),
	}
	brs, err := l.SubmitBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	receipts = append(receipts, brs...)
	all := append(append([]*ledger.SignedRecord(nil), setup...), batch...)
	for i, r := range receipts {
		if r.Index != uint64(i) {
			t.Fatalf("receipt %d has index %d", i, r.Index)
		}
	}
	// Each batch receipt's checkpoint includes both records of the batch.
	for _, r := range brs {
		for j, sr := range batch {
			idx := brs[j].Index
			if idx >= r.Checkpoint.Size {
				t.Fatalf("batch record %d at index %d, receipt checkpoint of size %d", j, idx, r.Checkpoint.Size)
			}
			b, err := sr.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.InclusionProof(ctx, idx, r.Checkpoint.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := ledger.VerifyInclusion(r.Checkpoint, idx, b, p); err != nil {
				t.Fatalf("batch record %d in the receipt checkpoint: %v", j, err)
			}
		}
	}

	// The same records through the embedded engine give the same log and
	// the same state, byte for byte.
	emb, err := ledger.NewInMemory(w.ledgerKey)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	submitAll(t, emb, all)
	ecp, _ := emb.Checkpoint(ctx)

	v := l.Verifier()
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err = v.ParseCheckpoint(cp.Note)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != uint64(len(all)) || cp.Root != ecp.Root {
		t.Fatalf("node checkpoint size %d root %s, embedded size %d root %s", cp.Size, cp.Root, ecp.Size, ecp.Root)
	}
	if got, want := digest(t, l.State()), digest(t, emb.State()); got != want {
		t.Fatalf("state digest %s, embedded %s", got, want)
	}

	for i, sr := range all {
		got, err := l.Record(ctx, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		gb, err := got.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		wb, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gb, wb) {
			t.Fatalf("record %d differs", i)
		}
		p, err := l.InclusionProof(ctx, uint64(i), cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(cp, uint64(i), wb, p); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if _, err := l.Record(ctx, cp.Size); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("record past the end: %v", err)
	}
	old, err := v.ParseCheckpoint(receipts[2].Checkpoint.Note)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.ConsistencyProof(ctx, old.Size, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyConsistency(old, cp, p); err != nil {
		t.Fatal(err)
	}
	if _, err := l.State().Agency(w.issuer.DID()); err != nil {
		t.Fatal(err)
	}

	// Refusals change nothing and keep their error class.
	before := digest(t, l.State())
	refused := []struct {
		name string
		srs  []*ledger.SignedRecord
		want []error
	}{
		{"revocation root by a non-issuer agency", []*ledger.SignedRecord{w.sign(t, w.other, 9, &ledger.RevocationRoot{Root: h(0x32), Epoch: 1})}, []error{ledger.ErrUnauthorized}},
		{"duplicate record", []*ledger.SignedRecord{setup[1]}, []error{ledger.ErrInvalidRecord, ledger.ErrDuplicate}},
		{"record far from the node clock", []*ledger.SignedRecord{w.sign(t, w.issuer, 3600, &ledger.RevocationRoot{Root: h(0x33), Epoch: 3})}, []error{ledger.ErrInvalidRecord, ledger.ErrClock}},
		{"batch with one unauthorized record", []*ledger.SignedRecord{
			w.sign(t, w.issuer, 10, &ledger.RevocationRoot{Root: h(0x34), Epoch: 4}),
			w.sign(t, w.citizen, 11, &ledger.RevocationRoot{Root: h(0x35), Epoch: 1}),
		}, []error{ledger.ErrUnauthorized}},
	}
	for _, tc := range refused {
		_, err := l.SubmitBatch(ctx, tc.srs)
		for _, want := range tc.want {
			if !errors.Is(err, want) {
				t.Errorf("%s: got %v, want %v", tc.name, err, want)
			}
		}
	}
	if c, _ := l.Checkpoint(ctx); c.Size != cp.Size {
		t.Fatalf("refused records changed the log size to %d", c.Size)
	}
	if digest(t, l.State()) != before {
		t.Fatal("refused records changed the state")
	}

	// Subscribe replays the log.
	sctx, scancel := context.WithCancel(ctx)
	sub, err := l.Subscribe(sctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, sr := range all {
		e, ok := <-sub
		if !ok {
			t.Fatalf("subscription closed after %d entries", i)
		}
		if e.Index != uint64(i) {
			t.Fatalf("entry %d has index %d", i, e.Index)
		}
		gb, err := e.Record.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		wb, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gb, wb) {
			t.Fatalf("entry %d differs from the submitted record", i)
		}
	}
	scancel()

	// Restart from the same directory: the records are kept and the node
	// goes on appending.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = nil
	l = startNode(t, w, cfg)
	c, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != cp.Size || c.Root != cp.Root {
		t.Fatalf("after restart: size %d root %s, want %d %s", c.Size, c.Root, cp.Size, cp.Root)
	}
	if digest(t, l.State()) != before {
		t.Fatal("state changed across a restart")
	}
	r, err := l.Submit(ctx, w.sign(t, w.issuer, 12, &ledger.RevocationRoot{Root: h(0x36), Epoch: 5}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Index != cp.Size {
		t.Fatalf("after restart: index %d, want %d", r.Index, cp.Size)
	}
	last := l
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = nil
	if err := last.Close(); !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := last.Submit(ctx, setup[0]); !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("Submit after Close: %v", err)
	}
	if _, err := last.Checkpoint(ctx); !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("Checkpoint after Close: %v", err)
	}
}
