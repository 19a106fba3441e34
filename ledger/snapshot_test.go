//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSnapshotOpen: a ledger closed cleanly reopens from its snapshot with
// the same state, records and proofs; a damaged, stale or foreign snapshot
// is set aside with the reason, and the log is replayed.
func TestSnapshotOpen(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	log := fullLog(t, w)
	l := openFileLedger(t, path, w)
	mustSubmitAll(t, l, log[:12])
	l.Close()
	early, err := os.ReadFile(snapPath(path))
	if err != nil {
		t.Fatal("no snapshot written on close")
	}
	l = openFileLedger(t, path, w)
	if r := l.LoadReport(); !strings.Contains(r, "from the snapshot at record 12, replayed 0") {
		t.Fatalf("load report %q", r)
	}
	mustSubmitAll(t, l, log[12:])
	cp1, _ := l.Checkpoint(ctx)
	l.Close()
	replayed := replayState(t, log)
	want := digest(t, replayed)
	if len(replayed.IssuerSetTypes()) != 3 {
		t.Fatalf("issuer-set types %v", replayed.IssuerSetTypes())
	}

	check := func(t *testing.T, report string) {
		t.Helper()
		l := openFileLedger(t, path, w)
		defer l.Close()
		if r := l.LoadReport(); !strings.Contains(r, report) {
			t.Fatalf("load report %q, want %q", r, report)
		}
		if digest(t, l.State()) != want {
			t.Fatal("state differs from a replay")
		}
		for _, typ := range replayed.IssuerSetTypes() {
			got, want := l.State().IssuerSetRoots(typ), replayed.IssuerSetRoots(typ)
			if !slices.Equal(got, want) {
				t.Fatalf("issuer-set roots of %q: %+v, replay %+v", typ, got, want)
			}
			set, err := l.State().IssuerSet(typ)
			if err != nil || set.Root != want[len(want)-1].Root {
				t.Fatalf("issuer set of %q after open: %v", typ, err)
			}
		}
		cp, _ := l.Checkpoint(ctx)
		if cp.Size != cp1.Size || cp.Root != cp1.Root {
			t.Fatal("checkpoint differs")
		}
		for i := uint64(0); i < cp.Size; i += 5 {
			sr, err := l.Record(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.InclusionProof(ctx, i, cp.Size)
			if err != nil || VerifyInclusion(cp, i, mustBytes(t, sr), p) != nil {
				t.Fatalf("inclusion of %d: %v", i, err)
			}
		}
		r, err := l.Submit(ctx, sign(t, w.other, 77, &AgencyEvent{Topic: "t", Digest: h(0x5a), Amount: 1}))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := l.ConsistencyProof(ctx, cp1.Size, r.Checkpoint.Size)
		if err := VerifyConsistency(cp1, r.Checkpoint, p); err != nil {
			t.Fatal(err)
		}
	}
	saved, _ := os.ReadFile(path)
	reset := func() { os.WriteFile(path, saved, 0o600) }

	t.Run("fresh", func(t *testing.T) {
		check(t, fmt.Sprintf("from the snapshot at record %d, replayed 0", len(log)))
	})
	t.Run("older snapshot: the rest is replayed", func(t *testing.T) {
		reset()
		os.WriteFile(snapPath(path), early, 0o600)
		check(t, fmt.Sprintf("from the snapshot at record 12, replayed %d", len(log)-12))
	})
	t.Run("damaged snapshot", func(t *testing.T) {
		reset()
		b := append([]byte(nil), early...)
		b[len(b)/2] ^= 1
		os.WriteFile(snapPath(path), b, 0o600)
		check(t, "replayed the log: snapshot checksum mismatch")
	})
	t.Run("snapshot of another ledger", func(t *testing.T) {
		reset()
		other := filepath.Join(t.TempDir(), "other.db")
		w2 := *w
		w2.ledgerKey = testKey(t, 42)
		l := openFileLedger(t, other, &w2)
		mustSubmitAll(t, l, w.setupRecords(t))
		l.Close()
		b, _ := os.ReadFile(snapPath(other))
		os.WriteFile(snapPath(path), b, 0o600)
		check(t, "replayed the log: snapshot")
	})
	t.Run("rewritten snapshot state that breaks an invariant", func(t *testing.T) {
		reset()
		snap, err := decodeSnapshot(early)
		if err != nil {
			t.Fatal(err)
		}
		st := decodeLoose(t, snap.state)
		for _, a := range st["Agencies"].(map[string]any) {
			a.(map[string]any)["Keys"] = []any{}
		}
		snap.state, _ = json.Marshal(st)
		os.WriteFile(snapPath(path), snap.encode(), 0o600)
		check(t, "replayed the log: snapshot state: agency")
	})
	t.Run("rewritten snapshot state with an issuer-set leaf of an unknown key", func(t *testing.T) {
		reset()
		snap, err := decodeSnapshot(early)
		if err != nil {
			t.Fatal(err)
		}
		st := decodeLoose(t, snap.state)
		sets := st["IssuerSets"].(map[string]any)
		if len(sets) == 0 {
			t.Fatal("the snapshot has no issuer sets")
		}
		for _, sd := range sets {
			for _, l := range sd.(map[string]any)["Leaves"].([]any) {
				l.(map[string]any)["Key"] = string(w.stranger.DID())
			}
		}
		snap.state, _ = json.Marshal(st)
		os.WriteFile(snapPath(path), snap.encode(), 0o600)
		check(t, "replayed the log: snapshot state: issuer set")
	})
	t.Run("rewritten snapshot state without the issuer sets", func(t *testing.T) {
		reset()
		snap, err := decodeSnapshot(early)
		if err != nil {
			t.Fatal(err)
		}
		st := decodeLoose(t, snap.state)
		delete(st, "IssuerSets")
		snap.state, _ = json.Marshal(st)
		os.WriteFile(snapPath(path), snap.encode(), 0o600)
		check(t, "replayed the log: snapshot state: issuer set")
	})
	t.Run("version-1 snapshot (before issuer sets)", func(t *testing.T) {
		reset()
		b := append([]byte(nil), early[:len(early)-32]...)
		copy(b, "civicproof-snap\x00\x01")
		sum := sha256.Sum256(b)
		os.WriteFile(snapPath(path), append(b, sum[:]...), 0o600)
		check(t, "replayed the log: malformed snapshot")
	})
	t.Run("no snapshot", func(t *testing.T) {
		reset()
		os.Remove(snapPath(path))
		check(t, "replayed the log: no snapshot")
	})
	t.Run("truncated snapshot", func(t *testing.T) {
		reset()
		os.WriteFile(snapPath(path), early[:100], 0o600)
		check(t, "replayed the log")
	})
}

// decodeLoose decodes a state's JSON into maps, keeping numbers exact (a
// leaf's open window is 2^64-1, which a float64 would round).
func decodeLoose(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var st map[string]any
	if err := dec.Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
