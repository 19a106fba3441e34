//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/vectors"
)

var updateDamaged = flag.Bool("update-damaged", false, "rewrite testdata/damaged from TestDamagedVectors' generator")

// smallLedger writes a small ledger file — setup records in one commit,
// then three single commits — and returns its bytes and the acknowledged
// records' bytes in log order.
func smallLedger(t testing.TB) (raw []byte, acked [][]byte) {
	t.Helper()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "small.db")
	l, err := Create(path, w.ledgerKey, WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	recs := w.setupRecords(t)
	if _, err := l.SubmitBatch(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		sr := sign(t, w.other, int64(i), &AgencyEvent{Topic: "t", Digest: h(byte(0x40 + i)), Amount: 1})
		if _, err := l.Submit(context.Background(), sr); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, sr)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, sr := range recs {
		acked = append(acked, mustBytes(t, sr))
	}
	raw, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw, acked
}

// openBytes writes raw to a fresh file and opens it in this process.
func openBytes(t testing.TB, dir string, raw []byte) (*Embedded, error) {
	t.Helper()
	path := filepath.Join(dir, "ledger.db")
	os.Remove(path)
	removeIndex(path)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return Open(path, damageKey(t), WithClock(fixedClock))
}

var (
	damageKeyOnce sync.Once
	damageKeyVal  *identity.PrivateKey
)

// damageKey is the ledger key of smallLedger (made once: key derivation
// dominates an open of a small file).
func damageKey(t testing.TB) *identity.PrivateKey {
	damageKeyOnce.Do(func() { damageKeyVal = testKey(t, 1) })
	return damageKeyVal
}

// checkRecords asserts that the ledger at path holds exactly want.
func checkRecords(t testing.TB, path string, want [][]byte) {
	t.Helper()
	l, err := Open(path, damageKey(t), WithClock(fixedClock))
	if err != nil {
		t.Fatalf("open after repair: %v", err)
	}
	defer l.Close()
	if n := l.State().Size(); n != uint64(len(want)) {
		t.Fatalf("%d records after repair, want %d", n, len(want))
	}
	for i, b := range want {
		sr, err := l.Record(context.Background(), uint64(i))
		if err != nil || !bytes.Equal(mustBytes(t, sr), b) {
			t.Fatalf("record %d after repair: %v", i, err)
		}
	}
}

// TestEveryByteFlip flips a bit (the low one at even offsets, the high one
// at odd) of every byte of a small ledger: every open must fail with a
// *CorruptError, none may panic, and a sample is repaired from a backup
// with no record lost. With -short it takes every 7th byte.
func TestEveryByteFlip(t *testing.T) {
	raw, acked := smallLedger(t)
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(backup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d-byte ledger of %d records", len(raw), len(acked))
	step := 1
	if testing.Short() {
		step = 7
	}
	for i := 0; i < len(raw); i += step {
		for _, mask := range []byte{1 << (7 * (i % 2))} {
			b := bytes.Clone(raw)
			b[i] ^= mask
			l, err := openBytes(t, dir, b)
			if err == nil {
				l.Close()
				t.Fatalf("byte %d ^ %#x: opened", i, mask)
			}
			var ce *CorruptError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
				t.Fatalf("byte %d ^ %#x: %v, want a *CorruptError", i, mask, err)
			}
			if ce.Offset > int64(i) {
				t.Fatalf("byte %d ^ %#x: damage reported at %d, after the flipped byte", i, mask, ce.Offset)
			}
			if i%53 == 0 {
				path := filepath.Join(dir, "ledger.db")
				rep, err := Repair(context.Background(), path, RepairOptions{Backup: backup})
				if err != nil {
					t.Fatalf("byte %d: repair from backup: %v", i, err)
				}
				if !rep.Changed || rep.Dropped != 0 {
					t.Fatalf("byte %d: repair report %+v", i, rep)
				}
				checkRecords(t, path, acked)
			}
		}
	}
}

// TestEveryTruncation cuts a small ledger at every length (every 7th with
// -short): every open fails with ErrCorrupt; repair without a backup
// refuses to drop acknowledged records unless told to, and with a backup
// loses nothing.
func TestEveryTruncation(t *testing.T) {
	raw, acked := smallLedger(t)
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(backup, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ledger.db")
	step := 1
	if testing.Short() {
		step = 7
	}
	for n := 0; n < len(raw); n += step {
		l, err := openBytes(t, dir, raw[:n])
		if err == nil {
			l.Close()
			t.Fatalf("cut at %d: opened", n)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: %v, want ErrCorrupt", n, err)
		}
		if n%41 != 0 && n != len(raw)-1 {
			continue
		}
		if _, err := VerifyFile(context.Background(), path); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: verify: %v", n, err)
		}
		rep, err := Repair(context.Background(), path, RepairOptions{})
		if !errors.Is(err, ErrRepairRefused) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: repair without backup: %v, want refused", n, err)
		}
		if rep != nil && rep.Changed {
			t.Fatalf("cut at %d: refused repair changed the file", n)
		}
		if _, err := Repair(context.Background(), path, RepairOptions{Backup: backup}); err != nil {
			t.Fatalf("cut at %d: repair from backup: %v", n, err)
		}
		checkRecords(t, path, acked)
	}
}

// TestRepairTruncate: told to truncate, repair keeps the intact commits and
// reports how many acknowledged records it dropped.
func TestRepairTruncate(t *testing.T) {
	raw, acked := smallLedger(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	cut := len(raw) - 50 // inside the last commit
	if err := os.WriteFile(path, raw[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Repair(context.Background(), path, RepairOptions{})
	if !errors.Is(err, ErrRepairRefused) || rep.Dropped != 1 || rep.Changed {
		t.Fatalf("repair without truncate: %+v %v", rep, err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, raw[:cut]) {
		t.Fatal("refused repair changed the file")
	}
	rep, err = Repair(context.Background(), path, RepairOptions{Truncate: true})
	if err != nil || !rep.Changed || rep.Dropped != 1 || rep.Records != uint64(len(acked)-1) {
		t.Fatalf("repair with truncate: %+v %v", rep, err)
	}
	if kept, _ := os.ReadFile(rep.DamagedCopy); !bytes.Equal(kept, raw[:cut]) {
		t.Fatal("the damaged file was not kept")
	}
	checkRecords(t, path, acked[:len(acked)-1])
	if _, err := VerifyFile(context.Background(), path); err != nil {
		t.Fatalf("verify after repair: %v", err)
	}
}

// TestOpenCreateExplicit: a missing file is not created by Open, an
// existing one is never overwritten by Create, and a 0-byte file is damage,
// not a new ledger.
func TestOpenCreateExplicit(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	if _, err := Open(path, w.ledgerKey); !errors.Is(err, ErrNotExist) {
		t.Fatalf("open missing: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Open created a file")
	}
	if _, err := VerifyFile(context.Background(), path); !errors.Is(err, ErrNotExist) {
		t.Fatalf("verify missing: %v", err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, w.ledgerKey); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open empty file: %v", err)
	}
	if _, err := Create(path, w.ledgerKey); !errors.Is(err, ErrExist) {
		t.Fatalf("create over an empty file: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatal("Create wrote over an existing file")
	}
	os.Remove(path)
	l, err := Create(path, w.ledgerKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, w.ledgerKey); err == nil {
		t.Fatal("opened twice at once")
	}
	l.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); n != "ledger.db" && n != "ledger.db.idx" && n != "ledger.db.tree" && n != "ledger.db.offs" {
			t.Fatalf("Create left %s", n)
		}
	}
}

// damageVector is one file under testdata/damaged.
type damageVector struct {
	Desc string `json:"desc"`
	// WantErr is "" (opens), "corrupt" (ErrCorrupt).
	WantErr string `json:"wantErr"`
	// Records is the record count when it opens.
	Records int `json:"records,omitempty"`
	// Repair is what Repair without a backup does: "none" (intact),
	// "lossless" (rewrites, drops nothing acknowledged), "refused".
	Repair string `json:"repair"`
	// Dropped is the acknowledged records a truncating repair drops.
	Dropped int    `json:"dropped,omitempty"`
	File    []byte `json:"file"`
}

// damageCases derives the attack and accident cases from a clean file.
func damageCases(t testing.TB, raw []byte, n int) map[string]damageVector {
	fr := decodeFrames(t, raw)
	lastRec := -1
	for i, f := range fr {
		if f.typ == frameRecord {
			lastRec = i
		}
	}
	flip := func(i int) []byte { b := bytes.Clone(raw); b[i] ^= 1; return b }
	w := newWorld(t)
	forgedFrames := append([]rawFrame(nil), fr...)
	forgedFrames[lastRec].payload = mustBytes(t, sign(t, w.other, 7, &AgencyEvent{Topic: "t", Digest: h(0x99), Amount: 1000}))
	rolledBack := encodeFrames(fr[:len(fr)-2]) // drop the last commit and rewrite the header
	interrupted := append(bytes.Clone(raw), appendFrame(nil, frameRecord, mustBytes(t, sign(t, w.other, 9, &AgencyEvent{Topic: "t", Digest: h(0x98), Amount: 2})))...)
	cut := len(raw) - len(fr[len(fr)-1].payload) - 2*frameHeaderSize - len(fr[lastRec].payload) // at the last commit's start
	return map[string]damageVector{
		"clean":                  {Desc: "an intact ledger", Records: n, Repair: "none", File: raw},
		"empty":                  {Desc: "a 0-byte file is not a new ledger", WantErr: "corrupt", Repair: "refused", File: []byte{}},
		"header-only":            {Desc: "only the 80-byte header", WantErr: "corrupt", Repair: "refused", File: raw[:headerSize]},
		"not-a-ledger":           {Desc: "a text file", WantErr: "corrupt", Repair: "refused", File: []byte(strings.Repeat("not a ledger\n", 20))},
		"bad-magic":              {Desc: "first byte of the magic flipped: the log is intact", WantErr: "corrupt", Repair: "lossless", File: flip(0)},
		"header-slot-flipped":    {Desc: "a bit of header slot 1 flipped: the log is intact", WantErr: "corrupt", Repair: "lossless", File: flip(int(slotOffset(1)) + 3)},
		"record-byte-flipped":    {Desc: "a bit of the last record flipped", WantErr: "corrupt", Repair: "refused", Dropped: 1, File: flip(len(raw) - len(fr[len(fr)-1].payload) - 2*frameHeaderSize - 5)},
		"checkpoint-flipped":     {Desc: "a bit of the last checkpoint flipped", WantErr: "corrupt", Repair: "refused", Dropped: 1, File: flip(len(raw) - 10)},
		"cut-mid-frame":          {Desc: "file cut inside the last record", WantErr: "corrupt", Repair: "refused", Dropped: 1, File: raw[:len(raw)-len(fr[len(fr)-1].payload)-frameHeaderSize-20]},
		"cut-at-commit-boundary": {Desc: "the last commit cut off exactly: the header still names it", WantErr: "corrupt", Repair: "refused", Dropped: 1, File: raw[:cut]},
		"garbage-appended":       {Desc: "bytes that are no frame after the log: removing them loses nothing acknowledged", WantErr: "corrupt", Repair: "lossless", File: append(bytes.Clone(raw), []byte("garbage after the log, not a frame")...)},
		"zeros-appended":         {Desc: "zeros after the log, as a file system may leave after a crash: an unacknowledged tail", Records: n, Repair: "lossless", File: append(bytes.Clone(raw), make([]byte, 100)...)},
		"interrupted-commit":     {Desc: "a record frame without its checkpoint after the log: a commit interrupted before it was acknowledged", Records: n, Repair: "lossless", File: interrupted},
		"forged-record":          {Desc: "the last record replaced by another validly signed one, checksums and header fixed: the signed checkpoint catches it", WantErr: "corrupt", Repair: "refused", Dropped: 1, File: encodeFrames(forgedFrames)},
		"rolled-back":            {Desc: "the last commit removed and the header rewritten: a consistent earlier ledger, undetectable from the file alone (a client holding the later checkpoint detects it with a consistency proof)", Records: n - 1, Repair: "none", File: rolledBack},
	}
}

// TestDamagedVectors runs the cases under testdata/damaged (regenerate them
// with -update-damaged).
func TestDamagedVectors(t *testing.T) {
	dir := filepath.Join("testdata", "damaged")
	if *updateDamaged {
		raw, acked := smallLedger(t)
		os.RemoveAll(dir)
		if err := vectors.Write(dir, damageCases(t, raw, len(acked))); err != nil {
			t.Fatal(err)
		}
	}
	files, err := vectors.Load(dir)
	if err != nil || len(files) < 10 {
		t.Fatalf("%d vectors in %s: %v", len(files), dir, err)
	}
	var clean []byte
	for _, f := range files {
		if f.Name == "clean" {
			var v damageVector
			if err := json.Unmarshal(f.Data, &v); err != nil {
				t.Fatal(err)
			}
			clean = v.File
		}
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			var v damageVector
			if err := json.Unmarshal(f.Data, &v); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "ledger.db")
			l, err := openBytes(t, dir, v.File)
			switch v.WantErr {
			case "":
				if err != nil {
					t.Fatalf("%s: %v", v.Desc, err)
				}
				if got := l.State().Size(); got != uint64(v.Records) {
					t.Fatalf("%d records, want %d", got, v.Records)
				}
				l.Close()
			case "corrupt":
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s: %v, want ErrCorrupt", v.Desc, err)
				}
			default:
				t.Fatalf("unknown wantErr %q", v.WantErr)
			}
			os.WriteFile(path, v.File, 0o600)
			rep, err := Repair(context.Background(), path, RepairOptions{})
			switch v.Repair {
			case "none":
				if err != nil || rep.Changed {
					t.Fatalf("repair of an intact file: %+v %v", rep, err)
				}
			case "lossless":
				if err != nil || !rep.Changed || rep.Dropped != 0 {
					t.Fatalf("lossless repair: %+v %v", rep, err)
				}
				if _, err := VerifyFile(context.Background(), path); err != nil {
					t.Fatalf("verify after repair: %v", err)
				}
			case "refused":
				if err == nil {
					t.Fatalf("repair did not refuse: %+v", rep)
				}
				if v.Dropped > 0 && (!errors.Is(err, ErrRepairRefused) || rep.Dropped != uint64(v.Dropped)) {
					t.Fatalf("repair: %+v %v, want refused dropping %d", rep, err, v.Dropped)
				}
				// With the clean file as backup nothing is lost.
				backup := filepath.Join(dir, "backup.db")
				os.WriteFile(backup, clean, 0o600)
				if _, err := Repair(context.Background(), path, RepairOptions{Backup: backup}); err != nil {
					t.Fatalf("repair from backup: %v", err)
				}
				got, _ := os.ReadFile(path)
				if !bytes.Equal(got[headerSize:], clean[headerSize:]) {
					t.Fatal("repaired file differs from the backup's log")
				}
			}
		})
	}
}

// FuzzOpenFile opens arbitrary bytes as a ledger file: it must fail with
// ErrCorrupt or open, never panic, and what opens must verify.
func FuzzOpenFile(f *testing.F) {
	raw, _ := smallLedger(f)
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte{})
	f.Add(append(bytes.Clone(raw), 0xC5, 0x4C, 'R', 0, 0, 0, 0, 9))
	files, _ := filepath.Glob(filepath.Join("testdata", "damaged", "*.json"))
	for _, p := range files {
		var v damageVector
		b, _ := os.ReadFile(p)
		if json.Unmarshal(b, &v) == nil {
			f.Add(v.File)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		l, err := openBytes(t, dir, b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("open: %v, want ErrCorrupt", err)
			}
			return
		}
		l.Close()
		if _, err := VerifyFile(context.Background(), filepath.Join(dir, "ledger.db")); err != nil {
			t.Fatalf("opened but does not verify: %v", err)
		}
	})
}
