package ledger

import (
	"context"
	"errors"
	"testing"
)

// TestStageStorageFailure: a failed commit aborts the stage.
func TestStageStorageFailure(t *testing.T) {
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
	st, _ := l.Stage(ctx)
	if _, err := st.Apply(events(t, w, 2, 0x35)); err != nil {
		t.Fatal(err)
	}
	fs.fail = true
	if _, err := st.Commit([]byte("m")); !errors.Is(err, errDiskFull) {
		t.Fatalf("commit: %v", err)
	}
	if cp, _ := l.Checkpoint(ctx); cp != before || digest(t, l.State()) != d || l.AppMeta() != nil {
		t.Fatal("failed commit changed the ledger")
	}
	fs.fail = false
	if _, err := l.Submit(ctx, events(t, w, 1, 0x36)[0]); err != nil {
		t.Fatalf("submit after failed stage: %v", err)
	}
}
