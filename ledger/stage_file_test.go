//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// stagedLedger creates a file ledger holding the setup records.
func stagedLedger(t *testing.T) (*Embedded, string, *world) {
	t.Helper()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := openFileLedger(t, path, w)
	mustSubmitAll(t, l, w.setupRecords(t))
	return l, path, w
}

func TestStageAbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	l, path, w := stagedLedger(t)
	before, _ := l.Checkpoint(ctx)
	d := digest(t, l.State())
	st, err := l.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, w, 5, 0x31)
	first, err := st.Apply(evs)
	if err != nil || first != before.Size || st.Size() != before.Size+5 {
		t.Fatalf("apply: first %d size %d err %v", first, st.Size(), err)
	}
	if l.State().Size() != before.Size+5 {
		t.Fatal("the state does not show the staged records")
	}
	if _, err := l.Record(ctx, first); !errors.Is(err, ErrNotFound) {
		t.Fatalf("staged record readable before commit: %v", err)
	}
	// A mempool check against the staged state (as CheckTx does) does not
	// disturb what Abort must undo.
	if err := l.State().CheckBatch(events(t, w, 2, 0x37)); err != nil {
		t.Fatal(err)
	}
	if err := l.State().CheckBatch(evs[:1]); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("check of a staged record: %v", err)
	}
	st.Abort()
	if cp, _ := l.Checkpoint(ctx); cp != before || digest(t, l.State()) != d || l.State().Size() != before.Size {
		t.Fatal("abort left something behind")
	}
	if _, err := st.Apply(evs); !errors.Is(err, ErrStageDone) {
		t.Fatalf("apply after abort: %v", err)
	}
	if _, err := st.Commit(nil); !errors.Is(err, ErrStageDone) {
		t.Fatalf("commit after abort: %v", err)
	}
	// The same records go in afterwards, at the same indices.
	if rs, err := l.SubmitBatch(ctx, evs); err != nil || rs[0].Index != first {
		t.Fatalf("submit after abort: %v", err)
	}
	l.Close()
	l = openFileLedger(t, path, w)
	defer l.Close()
	if l.State().Size() != before.Size+5 || l.AppMeta() != nil {
		t.Fatalf("after reopen: size %d meta %q", l.State().Size(), l.AppMeta())
	}
}

func TestStageCommit(t *testing.T) {
	ctx := context.Background()
	l, path, w := stagedLedger(t)
	before, _ := l.Checkpoint(ctx)
	st, err := l.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, w, 6, 0x32)
	if _, err := st.Apply(evs[:3]); err != nil {
		t.Fatal(err)
	}
	// A refused batch changes nothing and the stage goes on.
	bad := []*SignedRecord{evs[3], sign(t, w.stranger, 1, &AgencyEvent{Topic: "t", Digest: h(1), Amount: 1})}
	if _, err := st.Apply(bad); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("apply refused batch: %v", err)
	}
	forged := *evs[4]
	forged.Signature = bytes.Clone(forged.Signature)
	forged.Signature[0] ^= 1
	if _, err := st.Apply([]*SignedRecord{&forged}); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("apply forged signature: %v", err)
	}
	if st.Size() != before.Size+3 {
		t.Fatalf("size %d after refused batches", st.Size())
	}
	if _, err := st.Apply(evs[3:]); err != nil {
		t.Fatal(err)
	}
	root, _ := st.Root()
	want, _ := Replay(append(w.setupRecords(t), evs...))
	meta := []byte(`{"height":7,"app_hash":"..."}`)
	cp, err := st.Commit(meta)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != before.Size+6 || cp.Root != root {
		t.Fatalf("checkpoint %d %s, staged root %s", cp.Size, cp.Root, root)
	}
	if digest(t, l.State()) != digest(t, want) {
		t.Fatal("state differs from a replay")
	}
	if !bytes.Equal(l.AppMeta(), meta) {
		t.Fatalf("meta %q", l.AppMeta())
	}
	// A commit without records stores new metadata.
	st, _ = l.Stage(ctx)
	if cp2, err := st.Commit([]byte("height 8")); err != nil || cp2.Size != cp.Size || cp2.Root != cp.Root {
		t.Fatalf("empty commit: %v", err)
	}
	l.Close()
	l = openFileLedger(t, path, w)
	defer l.Close()
	if got := l.AppMeta(); string(got) != "height 8" {
		t.Fatalf("meta after reopen %q", got)
	}
	if digest(t, l.State()) != digest(t, want) {
		t.Fatal("state after reopen differs")
	}
	for i, sr := range evs {
		got, err := l.Record(ctx, before.Size+uint64(i))
		if err != nil || !bytes.Equal(mustBytes(t, got), mustBytes(t, sr)) {
			t.Fatalf("record %d after reopen: %v", i, err)
		}
	}
}

// TestStageCommitCrash cuts the file at every length of a stage commit,
// as a crash before the header update would leave it: the ledger reopens
// with the whole block or none of it.
func TestStageCommitCrash(t *testing.T) {
	ctx := context.Background()
	l, path, w := stagedLedger(t)
	before, _ := l.Checkpoint(ctx)
	dBefore := digest(t, l.State())
	l.Close()
	f0, _ := os.ReadFile(path)
	l = openFileLedger(t, path, w)
	st, _ := l.Stage(ctx)
	if _, err := st.Apply(events(t, w, 3, 0x33)); err != nil {
		t.Fatal(err)
	}
	meta := []byte("height 1")
	after, err := st.Commit(meta)
	if err != nil {
		t.Fatal(err)
	}
	dAfter := digest(t, l.State())
	l.Close()
	f1, _ := os.ReadFile(path)
	dir := t.TempDir()
	for k := len(f0); k <= len(f1); k++ {
		img := append(bytes.Clone(f0[:headerSize]), f1[headerSize:k]...)
		p := filepath.Join(dir, "crash.db")
		os.Remove(p)
		os.WriteFile(p, img, 0o600)
		l, err := Open(p, w.ledgerKey, WithClock(fixedClock))
		if err != nil {
			t.Fatalf("cut at %d: %v", k, err)
		}
		cp, _ := l.Checkpoint(ctx)
		switch d := digest(t, l.State()); {
		case k < len(f1):
			if cp.Size != before.Size || d != dBefore || l.AppMeta() != nil {
				t.Fatalf("cut at %d: partial block visible (size %d)", k, cp.Size)
			}
		default:
			if cp.Size != after.Size || d != dAfter || !bytes.Equal(l.AppMeta(), meta) {
				t.Fatalf("whole block lost (size %d)", cp.Size)
			}
		}
		l.Close()
		if _, err := VerifyFile(ctx, p); err != nil {
			t.Fatalf("cut at %d: verify after reopen: %v", k, err)
		}
	}
}

// TestStageExcludesSubmit: Submit waits for an open stage and lands after
// its records.
func TestStageExcludesSubmit(t *testing.T) {
	ctx := context.Background()
	l, _, w := stagedLedger(t)
	defer l.Close()
	st, _ := l.Stage(ctx)
	evs := events(t, w, 3, 0x34)
	if _, err := st.Apply(evs[:2]); err != nil {
		t.Fatal(err)
	}
	got := make(chan Receipt, 1)
	go func() {
		r, err := l.Submit(ctx, evs[2])
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("submit went through an open stage")
	case <-time.After(50 * time.Millisecond):
	}
	cp, err := st.Commit(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.Index != cp.Size {
		t.Fatalf("submitted at %d, want %d", r.Index, cp.Size)
	}
	// A second stage waits for its turn or for its context.
	st, _ = l.Stage(ctx)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := l.Stage(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second stage: %v", err)
	}
	st.Abort()
}
