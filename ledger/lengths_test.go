package ledger

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
)

// TestCheckpointBadLengths cuts and pads a signed checkpoint note and
// offers oversized notes: each is refused with ErrBadCheckpoint.
func TestCheckpointBadLengths(t *testing.T) {
	w := newWorld(t)
	l := newMemLedger(t, w)
	mustSubmitAll(t, l, w.setupRecords(t))
	cp, err := l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(DefaultOrigin, w.ledgerKey.Public().Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	note := cp.Note
	if _, err := v.ParseCheckpoint(note); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(note); i++ {
		if _, err := v.ParseCheckpoint(note[:i]); !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("prefix %d: got %v, want ErrBadCheckpoint", i, err)
		}
	}
	for _, pad := range []string{"x", "\n", "\x00", "— x AAAA\n"} {
		if _, err := v.ParseCheckpoint(append(bytes.Clone(note), pad...)); !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("pad %q: got %v, want ErrBadCheckpoint", pad, err)
		}
	}
	body := note[:bytes.Index(note, []byte("\n\n"))+1]
	for _, big := range [][]byte{
		append(bytes.Repeat([]byte("a"), 16<<20), note...),                      // huge origin line
		append(bytes.Clone(body), bytes.Repeat([]byte("x\n"), 8<<20)...),        // 16 MiB of extension lines
		append(bytes.Clone(note), bytes.Repeat([]byte("— x AAAA\n"), 1<<20)...), // a million signature lines
	} {
		if _, err := v.ParseCheckpoint(big); !errors.Is(err, ErrBadCheckpoint) {
			t.Fatalf("oversized note (%d bytes): got %v, want ErrBadCheckpoint", len(big), err)
		}
	}
}

// TestProofBadLengths cuts and pads inclusion and consistency proofs,
// their hashes, and offers oversized proofs: each is refused with
// ErrBadProof.
func TestProofBadLengths(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	l := newMemLedger(t, w)
	log := fullLog(t, w)
	mustSubmitAll(t, l, log[:5])
	old, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustSubmitAll(t, l, log[5:])
	cur, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const index = 3
	entry := mustBytes(t, log[index])
	incl, err := l.InclusionProof(ctx, index, cur.Size)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := l.ConsistencyProof(ctx, old.Size, cur.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyInclusion(cur, index, entry, incl); err != nil {
		t.Fatal(err)
	}
	if err := VerifyConsistency(old, cur, cons); err != nil {
		t.Fatal(err)
	}
	variants := func(p [][]byte) map[string][][]byte {
		out := map[string][][]byte{
			"empty":      {},
			"extra hash": append(slices.Clone(p), make([]byte, 32)),
			"oversized":  slices.Repeat([][]byte{make([]byte, 32)}, 1<<16),
		}
		for i := range p {
			out["cut"+string(rune('0'+i))] = p[:i]
			short := slices.Clone(p)
			short[i] = p[i][:31]
			out["short hash "+string(rune('0'+i))] = short
			long := slices.Clone(p)
			long[i] = append(bytes.Clone(p[i]), 0)
			out["long hash "+string(rune('0'+i))] = long
			huge := slices.Clone(p)
			huge[i] = make([]byte, 1<<20)
			out["huge hash "+string(rune('0'+i))] = huge
		}
		return out
	}
	for name, p := range variants(incl) {
		if err := VerifyInclusion(cur, index, entry, p); !errors.Is(err, ErrBadProof) {
			t.Errorf("inclusion, %s: got %v, want ErrBadProof", name, err)
		}
	}
	for name, p := range variants(cons) {
		if err := VerifyConsistency(old, cur, p); !errors.Is(err, ErrBadProof) {
			t.Errorf("consistency, %s: got %v, want ErrBadProof", name, err)
		}
	}
	// The entry itself cut and padded.
	for _, e := range [][]byte{entry[:len(entry)-1], append(bytes.Clone(entry), ' '), nil, bytes.Repeat(entry, 1000)} {
		if err := VerifyInclusion(cur, index, e, incl); !errors.Is(err, ErrBadProof) {
			t.Errorf("entry of %d bytes: got %v, want ErrBadProof", len(e), err)
		}
	}
}
