//go:build !js && !wasip1

package ledger

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/civicproof/civicproof/identity"
)

// TestApplyVerified: records decoded once with DecodeVerified go into a
// Stage and through CheckVerified with the same outcome as Apply and
// CheckBatch, and a record with a bad signature never becomes a
// VerifiedRecord.
func TestApplyVerified(t *testing.T) {
	ctx := context.Background()
	l, _, w := stagedLedger(t)
	ref := newMemLedger(t, w)
	mustSubmitAll(t, ref, w.setupRecords(t))
	evs := events(t, w, 4, 0x51)
	var vrs []*VerifiedRecord
	for _, sr := range evs {
		b, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		v, err := DecodeVerified(b)
		if err != nil {
			t.Fatal(err)
		}
		vrs = append(vrs, v)
	}
	if err := l.State().CheckVerified(vrs); err != nil {
		t.Fatal(err)
	}
	st, err := l.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyVerified(vrs); err != nil {
		t.Fatal(err)
	}
	// A duplicate is refused by the state machine, as by Apply.
	if _, err := st.ApplyVerified(vrs[:1]); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := l.State().CheckVerified(vrs[1:2]); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("check of a staged record: %v", err)
	}
	cp, err := st.Commit(nil)
	if err != nil {
		t.Fatal(err)
	}
	mustSubmitAll(t, ref, evs)
	rcp, _ := ref.Checkpoint(ctx)
	if cp.Root != rcp.Root || digest(t, l.State()) != digest(t, ref.State()) {
		t.Fatal("ApplyVerified and Submit disagree")
	}

	forged := *evs[0]
	forged.Signature = append([]byte(nil), forged.Signature...)
	forged.Signature[0] ^= 1
	b, err := forged.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeVerified(b); !errors.Is(err, identity.ErrBadSignature) || !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("forged record: %v", err)
	}
}

// TestRecordIndexAfterFlush: RecordIndex finds records whose entries the
// file ledger has already written out to its index, not only unflushed
// ones.
func TestRecordIndexAfterFlush(t *testing.T) {
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := openFileLedger(t, path, w, withIndexTuning(2, 2, 2))
	defer l.Close()
	setup := w.setupRecords(t)
	mustSubmitAll(t, l, setup)
	mustSubmitAll(t, l, events(t, w, 6, 0x61))
	for i, sr := range setup {
		leaf, err := sr.LeafHash()
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.State().RecordIndex(leaf)
		if err != nil || got != uint64(i) {
			t.Fatalf("record %d: index %d, %v", i, got, err)
		}
	}
	if _, err := l.State().RecordIndex(Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown leaf: %v, want ErrNotFound", err)
	}
}
