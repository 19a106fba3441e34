package cometbft

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/civicproof/civicproof/ledger"
)

// TestClientSubmitRetry: a node commits a submission and its answer is
// lost; the client's retry through another node finds the records
// committed and answers with their index instead of a duplicate error. A
// first submission of records already in the log is still a duplicate,
// and Find tells committed records from others.
func TestClientSubmitRetry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newWorld(t)
	cfg := initHome(t, t.TempDir())
	l := startNode(t, w, cfg)
	defer l.Close()
	submitAll(t, l, w.setupRecords(t)[:6])
	api := NewHandler(l)
	good := httptest.NewServer(api)
	defer good.Close()
	lossy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(httptest.NewRecorder(), r) // the node commits the records...
		conn, _, err := rw.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close() // ...and its answer is lost
	}))
	defer lossy.Close()

	batch := []*ledger.SignedRecord{
		w.sign(t, w.issuer, 7, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1}),
		w.sign(t, w.issuer, 8, &ledger.RevocationRoot{Root: h(0x31), Epoch: 2}),
	}
	c := &Client{Nodes: []string{lossy.URL, good.URL}}
	res, err := c.Submit(ctx, batch...)
	if err != nil {
		t.Fatalf("retry of a committed submission: %v", err)
	}
	if res.Index != 6 || res.Size < 8 {
		t.Fatalf("retry answered index %d size %d, want 6 and at least 8", res.Index, res.Size)
	}
	for i, sr := range batch {
		got, err := l.Record(ctx, res.Index+uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		gb, _ := got.Bytes()
		wb, _ := sr.Bytes()
		if string(gb) != string(wb) {
			t.Fatalf("record %d of the answer is not the submitted one", i)
		}
	}
	if cp, _ := l.Checkpoint(ctx); cp.Size != 8 {
		t.Fatalf("log of %d records, want 8: the retry wrote again", cp.Size)
	}

	one := &Client{Nodes: []string{good.URL}}
	if _, err := one.Submit(ctx, batch...); !errors.Is(err, ledger.ErrDuplicate) || !errors.Is(err, ledger.ErrInvalidRecord) {
		t.Fatalf("first submission of committed records: %v", err)
	}
	if res, err := one.Find(ctx, batch...); err != nil || res.Index != 6 {
		t.Fatalf("Find of committed records: %+v %v", res, err)
	}
	if _, err := one.Find(ctx, batch[1], batch[0]); !errors.Is(err, ErrNodeAnswer) {
		t.Fatalf("Find of committed records out of order: %v", err)
	}
	fresh := w.sign(t, w.issuer, 9, &ledger.RevocationRoot{Root: h(0x32), Epoch: 3})
	if _, err := one.Find(ctx, fresh); !errors.Is(err, ErrNodeAnswer) {
		t.Fatalf("Find of a record never submitted: %v", err)
	}
}
