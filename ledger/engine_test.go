package ledger

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

func TestEngineSubmitBatch(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	l := newMemLedger(t, w)
	mustSubmitAll(t, l, w.setupRecords(t))
	before, _ := l.Checkpoint(ctx)
	d := digest(t, l.State())
	bad := []*SignedRecord{
		sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(1), Type: "Age"}),
		sign(t, w.citizen, 10, &CredentialIssued{Commitment: h(2), Type: "Age"}),
	}
	if _, err := l.SubmitBatch(ctx, bad); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
	after, _ := l.Checkpoint(ctx)
	if after.Size != before.Size || digest(t, l.State()) != d {
		t.Fatal("refused batch changed the ledger")
	}
	good := []*SignedRecord{bad[0], sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(2), Type: "Age"})}
	rs, err := l.SubmitBatch(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Index != before.Size || rs[1].Index != before.Size+1 || rs[1].Checkpoint.Size != before.Size+2 {
		t.Fatalf("receipts %+v", rs)
	}
	if _, err := l.SubmitBatch(ctx, nil); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("empty batch: %v", err)
	}
	if _, err := l.Submit(ctx, bad[0]); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("resubmission: %v", err)
	}
}

func TestClockSkew(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	l := newMemLedger(t, w)
	late := sign(t, w.root, 3600, &GovernanceInit{Name: "x"})
	if _, err := l.Submit(ctx, late); !errors.Is(err, ErrClock) || !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("got %v, want ErrClock", err)
	}
	if _, err := l.Submit(ctx, sign(t, w.root, -3600, &GovernanceInit{Name: "x"})); !errors.Is(err, ErrClock) {
		t.Fatalf("got %v, want ErrClock", err)
	}
	l2, err := NewInMemory(w.ledgerKey, WithClock(fixedClock), WithMaxSkew(0))
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if _, err := l2.Submit(ctx, late); err != nil {
		t.Fatalf("skew check disabled: %v", err)
	}
}

func TestSubscribe(t *testing.T) {
	w := newWorld(t)
	l := newMemLedger(t, w)
	setup := w.setupRecords(t)
	mustSubmitAll(t, l, setup[:4])
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := l.Subscribe(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	submitted := make(chan error, 1)
	go func() {
		for _, sr := range setup[4:] {
			if _, err := l.Submit(context.Background(), sr); err != nil {
				submitted <- err
				return
			}
		}
		submitted <- nil
	}()
	for want := uint64(2); want < uint64(len(setup)); want++ {
		select {
		case e := <-ch:
			if e.Index != want || !bytes.Equal(mustBytes(t, e.Record), mustBytes(t, setup[want])) {
				t.Fatalf("entry %d: got index %d", want, e.Index)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no entry %d", want)
		}
	}
	if err := <-submitted; err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("entry after the end")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	l, err := NewInMemory(w.ledgerKey, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := l.Subscribe(ctx, 0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("subscription open after close")
	}
	if _, err := l.Submit(ctx, sign(t, w.root, 0, &GovernanceInit{Name: "x"})); !errors.Is(err, ErrClosed) {
		t.Fatalf("submit after close: %v", err)
	}
	if _, err := l.Checkpoint(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("checkpoint after close: %v", err)
	}
	if err := l.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
}

// failingStore fails commits on demand.
type failingStore struct {
	*memStore
	fail bool
}

var errDiskFull = errors.New("disk full")

func (f *failingStore) commit(first uint64, leaves [][]byte, nodes []treeNode, cp, meta []byte) error {
	if f.fail {
		return errDiskFull
	}
	return f.memStore.commit(first, leaves, nodes, cp, meta)
}

// TestStorageFailureRollsBack: when the storage commit fails, the state,
// tree and checkpoint stay as they were and the next commit succeeds.
func TestStorageFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	fs := &failingStore{memStore: newMemStore()}
	cfg, _ := buildConfig(w.ledgerKey, []Option{WithClock(fixedClock)})
	l, err := start(cfg, w.ledgerKey, fs)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mustSubmitAll(t, l, w.setupRecords(t))
	before, _ := l.Checkpoint(ctx)
	d := digest(t, l.State())
	fs.fail = true
	rec := sign(t, w.issuer, 10, &CredentialIssued{Commitment: h(1), Type: "Age"})
	if _, err := l.Submit(ctx, rec); !errors.Is(err, errDiskFull) {
		t.Fatalf("got %v", err)
	}
	if cp, _ := l.Checkpoint(ctx); cp != before || digest(t, l.State()) != d {
		t.Fatal("failed commit changed the ledger")
	}
	fs.fail = false
	r, err := l.Submit(ctx, rec)
	if err != nil || r.Index != before.Size {
		t.Fatalf("retry: %+v %v", r, err)
	}
	p, _ := l.InclusionProof(ctx, r.Index, r.Checkpoint.Size)
	if err := VerifyInclusion(r.Checkpoint, r.Index, mustBytes(t, rec), p); err != nil {
		t.Fatal(err)
	}
}
