//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	bolt "go.etcd.io/bbolt"

	"github.com/civicproof/civicproof/identity"
)

// withIndexTuning sets the index flush thresholds and the cache bound, so
// that small tests flush, evict and replay tails.
func withIndexTuning(flush, loadFlush uint64, cache int) Option {
	return func(c *config) error {
		c.flushEvery, c.loadFlushEvery, c.cacheEntries = flush, loadFlush, cache
		return nil
	}
}

// indexFiles returns the contents of the index files of path.
func indexFiles(t testing.TB, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{treePath(path), offsPath(path), idxPath(path)} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	return out
}

func putFiles(t testing.TB, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// copyLedger copies the ledger at path and its index files to dir, as a
// crash would leave them at this moment.
func copyLedger(t testing.TB, path, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, filepath.Base(path))
	for _, p := range []string{path, treePath(path), offsPath(path), idxPath(path)} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// boltUpdate changes the index database of a closed ledger.
func boltUpdate(t testing.TB, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(idxPath(path), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestTreeSlot(t *testing.T) {
	// Appending leaves completes nodes in the order of their slots.
	rng := rangeFactory.NewEmptyRange(0)
	next := uint64(0)
	for i := range 1000 {
		lh := leafHash([]byte{byte(i), byte(i >> 8)})
		err := rng.Append(lh[:], func(id compact.NodeID, _ []byte) {
			if got := treeSlot(id); got != next {
				t.Fatalf("node (%d,%d): slot %d, want %d", id.Level, id.Index, got, next)
			}
			next++
		})
		if err != nil {
			t.Fatal(err)
		}
		if next != treeSlots(uint64(i+1)) {
			t.Fatalf("%d leaves: %d slots, treeSlots says %d", i+1, next, treeSlots(uint64(i+1)))
		}
	}
}

// TestIndexOpen: a ledger reopens from its index with the same state,
// records and proofs; an index that does not check out — damaged, stale,
// of another ledger, cut short, or with a state that breaks an invariant
// — is set aside with the reason and rebuilt by replaying the log.
func TestIndexOpen(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.db")
	log := fullLog(t, w)
	l := openFileLedger(t, path, w)
	mustSubmitAll(t, l, log[:12])
	l.Close()
	early := indexFiles(t, path)
	l = openFileLedger(t, path, w)
	if r := l.LoadReport(); !strings.Contains(r, "from the index at record 12, replayed 0") {
		t.Fatalf("load report %q", r)
	}
	mustSubmitAll(t, l, log[12:])
	cp1, _ := l.Checkpoint(ctx)
	l.Close()
	want := digest(t, replayState(t, log))
	saved, _ := os.ReadFile(path)
	late := indexFiles(t, path)
	reset := func() {
		os.WriteFile(path, saved, 0o600)
		putFiles(t, late)
	}

	check := func(t *testing.T, report string) {
		t.Helper()
		l := openFileLedger(t, path, w)
		if r := l.LoadReport(); !strings.Contains(r, report) {
			l.Close()
			t.Fatalf("load report %q, want %q", r, report)
		}
		if digest(t, l.State()) != want {
			t.Fatal("state differs from a replay")
		}
		cp, _ := l.Checkpoint(ctx)
		if cp.Size != cp1.Size || cp.Root != cp1.Root {
			t.Fatal("checkpoint differs")
		}
		for i := uint64(0); i < cp.Size; i++ {
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
		l.Close()
		// What was rebuilt is used by the next open.
		l = openFileLedger(t, path, w)
		defer l.Close()
		if r := l.LoadReport(); !strings.Contains(r, "from the index") {
			t.Fatalf("after rebuilding: load report %q", r)
		}
		if l.State().Size() != cp1.Size+1 {
			t.Fatal("size after reopening")
		}
	}

	t.Run("fresh", func(t *testing.T) {
		reset()
		check(t, fmt.Sprintf("from the index at record %d, replayed 0", len(log)))
	})
	t.Run("older index: the rest is replayed", func(t *testing.T) {
		reset()
		putFiles(t, early)
		check(t, fmt.Sprintf("from the index at record 12, replayed %d", len(log)-12))
	})
	t.Run("no index", func(t *testing.T) {
		reset()
		removeIndex(path)
		check(t, "replayed the log: no index")
	})
	t.Run("one index file missing", func(t *testing.T) {
		reset()
		os.Remove(offsPath(path))
		check(t, "replayed the log: no index")
	})
	t.Run("garbage index database", func(t *testing.T) {
		reset()
		os.WriteFile(idxPath(path), bytes.Repeat([]byte{0x5a}, 8192), 0o600)
		check(t, "replayed the log: index database")
	})
	t.Run("damaged head", func(t *testing.T) {
		reset()
		boltUpdate(t, path, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte{bucketMeta})
			v := bytes.Clone(b.Get(headKey))
			v[len(v)/2] ^= 1
			return b.Put(headKey, v)
		})
		check(t, "replayed the log: index head checksum mismatch")
	})
	t.Run("index of another ledger", func(t *testing.T) {
		reset()
		other := filepath.Join(t.TempDir(), "other.db")
		w2 := *w
		w2.ledgerKey = testKey(t, 42)
		l := openFileLedger(t, other, &w2)
		mustSubmitAll(t, l, w.setupRecords(t))
		l.Close()
		for _, f := range []func(string) string{treePath, offsPath, idxPath} {
			b, _ := os.ReadFile(f(other))
			os.WriteFile(f(path), b, 0o600)
		}
		check(t, "replayed the log: the index")
	})
	t.Run("tree index cut short", func(t *testing.T) {
		reset()
		os.Truncate(treePath(path), 64)
		check(t, "replayed the log: the tree index is shorter")
	})
	t.Run("tree index node damaged", func(t *testing.T) {
		reset()
		b := bytes.Clone(late[treePath(path)])
		b[32*treeSlot(compact.RangeNodes(0, cp1.Size, nil)[0])] ^= 1
		os.WriteFile(treePath(path), b, 0o600)
		check(t, "replayed the log: tree index node")
	})
	t.Run("offset index damaged", func(t *testing.T) {
		reset()
		b := bytes.Clone(late[offsPath(path)])
		b[len(b)-1] ^= 4 // the last record's offset
		os.WriteFile(offsPath(path), b, 0o600)
		check(t, "replayed the log: the index does not locate the last record")
	})
	t.Run("rewritten index state that breaks an invariant", func(t *testing.T) {
		reset()
		boltUpdate(t, path, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte{bucketMeta})
			h, err := decodeIndexHead(b.Get(headKey))
			if err != nil {
				return err
			}
			var st map[string]any
			dec := json.NewDecoder(bytes.NewReader(h.state))
			dec.UseNumber() // an open window's Until (2^64-1) does not survive float64
			if err := dec.Decode(&st); err != nil {
				return err
			}
			for _, a := range st["Agencies"].(map[string]any) {
				a.(map[string]any)["Keys"] = []any{}
			}
			h.state, _ = json.Marshal(st)
			return b.Put(headKey, h.encode())
		})
		check(t, "replayed the log: index state: agency")
	})
	t.Run("index state without its issuer sets", func(t *testing.T) {
		reset()
		boltUpdate(t, path, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte{bucketMeta})
			h, err := decodeIndexHead(b.Get(headKey))
			if err != nil {
				return err
			}
			var st map[string]any
			dec := json.NewDecoder(bytes.NewReader(h.state))
			dec.UseNumber()
			if err := dec.Decode(&st); err != nil {
				return err
			}
			if _, ok := st["IssuerSets"]; !ok {
				return errors.New("the scenario has no issuer sets to remove")
			}
			delete(st, "IssuerSets")
			h.state, _ = json.Marshal(st)
			return b.Put(headKey, h.encode())
		})
		check(t, "replayed the log: index state: issuer set")
	})
	t.Run("log rolled back behind the index", func(t *testing.T) {
		reset()
		// The log of 12 records with the index of all of them: stale.
		l := openFileLedger(t, path, w)
		l.Close()
		full := indexFiles(t, path)
		e := filepath.Join(t.TempDir(), "early.db")
		l = openFileLedger(t, e, w)
		mustSubmitAll(t, l, log[:12])
		l.Close()
		b, _ := os.ReadFile(e)
		os.WriteFile(path, b, 0o600)
		putFiles(t, full)
		l = openFileLedger(t, path, w)
		defer l.Close()
		if r := l.LoadReport(); !strings.Contains(r, "replayed the log") || l.State().Size() != 12 {
			t.Fatalf("load report %q, size %d", r, l.State().Size())
		}
		if digest(t, l.State()) != digest(t, replayState(t, log[:12])) {
			t.Fatal("state differs from a replay")
		}
	})
}

// TestIndexDamageAfterOpen: damage the open checks cannot see without
// reading everything — a state entry in the database, a record before the
// index head — is reported as ErrCorrupt when it is read, never served;
// VerifyFile finds a damaged record, and an open without the index too.
func TestIndexDamageAfterOpen(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	log := fullLog(t, w)
	l := openFileLedger(t, path, w)
	mustSubmitAll(t, l, log)
	l.Close()
	saved, _ := os.ReadFile(path)
	idx := indexFiles(t, path)

	t.Run("state entry", func(t *testing.T) {
		putFiles(t, idx)
		boltUpdate(t, path, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte{bucketCred})
			k := h(0x20)
			v := bytes.Clone(b.Get(k[:]))
			v[3] ^= 1
			return b.Put(k[:], v)
		})
		l := openFileLedger(t, path, w)
		defer l.Close()
		if _, err := l.State().Credential(h(0x20)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("damaged credential: %v, want ErrCorrupt", err)
		}
		if _, err := l.State().Credential(h(0x21)); err != nil {
			t.Fatalf("intact credential: %v", err)
		}
		rotated := testKey(t, 21) // fullLog rotates the issuer's key to it
		_, err := l.Submit(ctx, sign(t, rotated, 90, &CredentialIssued{Commitment: h(0x20), Type: "Age"}))
		if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrDuplicate) {
			t.Fatalf("submit over a damaged entry: %v, want ErrCorrupt", err)
		}
	})
	t.Run("record before the index head", func(t *testing.T) {
		putFiles(t, idx)
		// Flip a byte in the payload of record 3.
		b := bytes.Clone(saved)
		off := int64(binary.BigEndian.Uint64(mustRead(t, offsPath(path))[3*8:]))
		b[off+frameHeaderSize+5] ^= 1
		os.WriteFile(path, b, 0o600)
		l := openFileLedger(t, path, w)
		if _, err := l.Record(ctx, 3); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("damaged record: %v, want ErrCorrupt", err)
		}
		if _, err := l.Record(ctx, 4); err != nil {
			t.Fatalf("intact record: %v", err)
		}
		l.Close()
		if _, err := VerifyFile(ctx, path); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("verify: %v, want ErrCorrupt", err)
		}
		removeIndex(path)
		if _, err := Open(path, w.ledgerKey, WithClock(fixedClock)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("open without the index: %v, want ErrCorrupt", err)
		}
	})
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randomLog submits n records drawn at random (events, credentials and
// their corrections, consent receipts of several citizens, access records,
// withdrawals, and some that must be refused) through l, reopening it now
// and then via reopen, and returns the accepted records in log order.
func randomLog(t *testing.T, rnd *rand.Rand, w *world, l *Embedded, n int, reopen func(*Embedded) *Embedded) ([]*SignedRecord, *Embedded) {
	t.Helper()
	ctx := context.Background()
	accepted := w.setupRecords(t)
	mustSubmitAll(t, l, accepted)
	citizens := []*identity.PrivateKey{w.citizen, w.stranger, w.guardian}
	agencies := []*identity.PrivateKey{w.verifier, w.other}
	type grant struct {
		id       Hash
		citizen  *identity.PrivateKey
		agency   *identity.PrivateKey
		withdrew bool
	}
	var grants []grant
	var creds []Hash
	superseded := map[Hash]bool{}
	seq := 0
	next := func() Hash {
		seq++
		var d Hash
		d[0] = 0xee
		binary.BigEndian.PutUint64(d[24:], uint64(seq))
		return d
	}
	for len(accepted) < n {
		var batch []*SignedRecord
		var undo []func()
		for range 1 + rnd.IntN(4) {
			sec := int64(100 + len(accepted) + len(batch))
			switch k := rnd.IntN(10); {
			case k < 2:
				batch = append(batch, sign(t, w.other, sec, &AgencyEvent{Topic: "t", Digest: next(), Amount: 1}))
			case k < 4:
				c := next()
				creds = append(creds, c)
				undo = append(undo, func() { creds = creds[:len(creds)-1] })
				batch = append(batch, sign(t, w.issuer, sec, &CredentialIssued{Commitment: c, Type: "Age"}))
			case k == 4 && len(creds) >= 2:
				a, b := creds[rnd.IntN(len(creds))], creds[rnd.IntN(len(creds))]
				if a == b || superseded[a] || superseded[b] {
					continue
				}
				superseded[a] = true
				undo = append(undo, func() { delete(superseded, a) })
				batch = append(batch, sign(t, w.issuer, sec, &CredentialSuperseded{Old: a, New: b}))
			case k < 7:
				c, a := citizens[rnd.IntN(len(citizens))], agencies[rnd.IntN(len(agencies))]
				content := next()
				g := grant{id: GrantID(c.DID(), content), citizen: c, agency: a}
				grants = append(grants, g)
				undo = append(undo, func() { grants = grants[:len(grants)-1] })
				batch = append(batch, sign(t, c, sec, &ConsentReceipt{Grant: g.id, Content: content, Agency: a.DID(), Receipt: next()}))
			case k < 9 && len(grants) > 0:
				g := grants[rnd.IntN(len(grants))]
				if g.withdrew {
					continue
				}
				batch = append(batch, sign(t, g.agency, sec, &AccessRecord{Grant: g.id, Purpose: "p", Statement: next(), Nullifier: next()}))
			case len(grants) > 0:
				i := rnd.IntN(len(grants))
				if grants[i].withdrew {
					continue
				}
				grants[i].withdrew = true
				undo = append(undo, func() { grants[i].withdrew = false })
				batch = append(batch, sign(t, grants[i].citizen, sec, &ConsentWithdrawal{Grant: grants[i].id}))
			}
		}
		if len(batch) == 0 {
			continue
		}
		if rnd.IntN(8) == 0 {
			// A duplicate makes the whole batch refused: nothing changes.
			batch = append(batch, accepted[rnd.IntN(len(accepted))])
			if _, err := l.SubmitBatch(ctx, batch); !errors.Is(err, ErrDuplicate) {
				t.Fatalf("batch with a duplicate: %v", err)
			}
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
			continue
		}
		if _, err := l.SubmitBatch(ctx, batch); err != nil {
			t.Fatalf("batch at %d: %v", len(accepted), err)
		}
		accepted = append(accepted, batch...)
		if rnd.IntN(15) == 0 {
			l = reopen(l)
		}
	}
	return accepted, l
}

// sameAnswers compares the queries over the large collections of two
// states: every credential, grant, citizen's grants and access log.
func sameAnswers(t *testing.T, got, want *State, w *world) {
	t.Helper()
	wd, gd := want.d, got
	for c := range wd.Credentials {
		a, err1 := gd.Credential(c)
		b, err2 := want.Credential(c)
		if err1 != nil || err2 != nil || a != b {
			t.Fatalf("credential %s: %+v %v, want %+v %v", c, a, err1, b, err2)
		}
	}
	for id := range wd.Grants {
		a, err1 := gd.Grant(id)
		b, err2 := want.Grant(id)
		if err1 != nil || err2 != nil || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("grant %s: %+v %v, want %+v %v", id, a, err1, b, err2)
		}
	}
	for _, c := range []identity.DID{w.citizen.DID(), w.stranger.DID(), w.guardian.DID(), w.ward.DID()} {
		if a, b := gd.GrantsOf(c), want.GrantsOf(c); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("grants of %s: %d, want %d", c, len(a), len(b))
		}
		if a, b := gd.AccessLog(c), want.AccessLog(c); !slices.Equal(a, b) {
			t.Fatalf("access log of %s: %d, want %d", c, len(a), len(b))
		}
	}
	if _, err := gd.Credential(h(0xab)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown credential: %v", err)
	}
}

// TestIndexReopenEquivalence: for random sequences of records, submitted
// in random batches with the ledger closed and reopened at random points,
// with tiny flush thresholds and cache (so that entries move to the store,
// the cache evicts, and tails are replayed), the state after opening from
// the index answers exactly as a full replay of the same records: same
// digest (which serializes the whole state), same query answers; and so
// does a rebuild of the index from the log.
func TestIndexReopenEquivalence(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	n := 400
	if testing.Short() {
		seeds, n = seeds[:1], 150
	}
	w := newWorld(t)
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, 7))
			path := filepath.Join(t.TempDir(), "ledger.db")
			opts := []Option{withIndexTuning(uint64(1+rnd.IntN(9)), uint64(1+rnd.IntN(30)), 1+rnd.IntN(6))}
			l := openFileLedger(t, path, w, opts...)
			reopens := 0
			log, l := randomLog(t, rnd, w, l, n, func(l *Embedded) *Embedded {
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				reopens++
				l = openFileLedger(t, path, w, opts...)
				if r := l.LoadReport(); !strings.Contains(r, "from the index") {
					t.Fatalf("load report %q", r)
				}
				return l
			})
			want := replayState(t, log)
			check := func(l *Embedded) {
				t.Helper()
				if l.State().Size() != uint64(len(log)) {
					t.Fatalf("size %d, want %d", l.State().Size(), len(log))
				}
				if digest(t, l.State()) != digest(t, want) {
					t.Fatal("state differs from a full replay")
				}
				sameAnswers(t, l.State(), want, w)
			}
			check(l)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openFileLedger(t, path, w, opts...)
			check(l)
			l.Close()
			removeIndex(path)
			l = openFileLedger(t, path, w, opts...)
			if r := l.LoadReport(); !strings.Contains(r, "replayed the log: no index") {
				t.Fatalf("load report %q", r)
			}
			check(l)
			l.Close()
			t.Logf("%d records, %d reopens", len(log), reopens)
		})
	}
}

// TestIndexCrash: a crash between the log's commit and the index's update
// leaves the index behind the log (the flat files partly ahead of its
// head, the database at an earlier flush): the next open replays the tail
// after the head and answers as a full replay; nothing acknowledged is
// lost. Emulated by copying all the files of a live ledger.
func TestIndexCrash(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rnd := rand.New(rand.NewPCG(9, 9))
	path := filepath.Join(t.TempDir(), "ledger.db")
	opts := []Option{withIndexTuning(5, 5, 3)}
	l := openFileLedger(t, path, w, opts...)
	log, l := randomLog(t, rnd, w, l, 60, func(l *Embedded) *Embedded { return l })
	type crash struct {
		dir  string
		recs int
	}
	var crashes []crash
	for i := range 12 {
		// The files as a crash would leave them: the log committed, the
		// index at its last flush.
		c := crash{t.TempDir(), len(log)}
		copyLedger(t, path, c.dir)
		crashes = append(crashes, c)
		sr := sign(t, w.other, int64(300+i), &AgencyEvent{Topic: "t", Digest: h(byte(0x80 + i)), Amount: 1})
		if _, err := l.Submit(ctx, sr); err != nil {
			t.Fatal(err)
		}
		log = append(log, sr)
	}
	l.Close()
	for _, c := range crashes {
		p := filepath.Join(c.dir, "ledger.db")
		l := openFileLedger(t, p, w, opts...)
		if r := l.LoadReport(); !strings.Contains(r, "from the index") {
			t.Fatalf("load report %q", r)
		}
		if l.State().Size() != uint64(c.recs) {
			t.Fatalf("%d records after the crash, %d acknowledged", l.State().Size(), c.recs)
		}
		want := replayState(t, log[:c.recs])
		if digest(t, l.State()) != digest(t, want) {
			t.Fatal("state after the crash differs from a full replay")
		}
		sameAnswers(t, l.State(), want, w)
		// The ledger goes on from there.
		if _, err := l.Submit(ctx, log[c.recs]); err != nil {
			t.Fatal(err)
		}
		for i := uint64(0); i <= uint64(c.recs); i++ {
			if _, err := l.Record(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
	}
	// The index rolled back to a much older flush, the log complete.
	old := crashes[0]
	for _, f := range []func(string) string{treePath, offsPath, idxPath} {
		b, _ := os.ReadFile(f(filepath.Join(old.dir, "ledger.db")))
		os.WriteFile(f(path), b, 0o600)
	}
	l = openFileLedger(t, path, w, opts...)
	defer l.Close()
	if digest(t, l.State()) != digest(t, replayState(t, log)) {
		t.Fatal("state with a rolled-back index differs from a full replay")
	}
}

func TestLRU(t *testing.T) {
	c := newLRU(3)
	for i := range 5 {
		c.add(fmt.Sprint(i), i)
	}
	if c.len() != 3 {
		t.Fatalf("%d entries, bound 3", c.len())
	}
	for _, k := range []string{"0", "1"} {
		if _, ok := c.get(k); ok {
			t.Fatalf("%s not evicted", k)
		}
	}
	c.get("2") // now the most recently used
	c.add("5", 5)
	if _, ok := c.get("3"); ok {
		t.Fatal("least recently used entry kept")
	}
	for _, k := range []string{"2", "4", "5"} {
		if v, ok := c.get(k); !ok || fmt.Sprint(v) != k {
			t.Fatalf("%s: %v %v", k, v, ok)
		}
	}
	c.add("4", 40)
	if v, _ := c.get("4"); v != 40 {
		t.Fatal("update lost")
	}
	c.remove("4")
	if _, ok := c.get("4"); ok || c.len() != 2 {
		t.Fatal("remove")
	}
}

// TestStateCacheBound: with a cache of 2 entries and every entry flushed
// to the store, queries over many credentials and grants stay correct
// through evictions, updates (supersession, withdrawal) after an entry was
// cached, and the cache never holds more than its bound.
func TestStateCacheBound(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := openFileLedger(t, path, w, withIndexTuning(1, 1, 2))
	defer l.Close()
	mustSubmitAll(t, l, w.setupRecords(t))
	var creds []Hash
	for i := range 20 {
		c := h(byte(0x90 + i))
		creds = append(creds, c)
		mustSubmitAll(t, l, []*SignedRecord{sign(t, w.issuer, int64(10+i), &CredentialIssued{Commitment: c, Type: "Age"})})
	}
	st := l.State()
	for round := range 3 {
		for i, c := range creds {
			got, err := st.Credential(c)
			if err != nil || got.Commitment != c || got.Index != uint64(7+i) {
				t.Fatalf("round %d credential %d: %+v %v", round, i, got, err)
			}
			if n := st.cache.len(); n > 2 {
				t.Fatalf("cache holds %d entries, bound 2", n)
			}
		}
	}
	// Cached, then changed: the answer follows the change.
	if _, err := st.Credential(creds[0]); err != nil {
		t.Fatal(err)
	}
	mustSubmitAll(t, l, []*SignedRecord{sign(t, w.issuer, 50, &CredentialSuperseded{Old: creds[0], New: creds[1]})})
	if got, _ := st.Credential(creds[0]); got.SupersededBy != creds[1] {
		t.Fatalf("superseded credential served stale: %+v", got)
	}
	if g, err := st.Grant(w.grant()); err != nil || g.Withdrawn {
		t.Fatalf("grant: %+v %v", g, err)
	}
	mustSubmitAll(t, l, []*SignedRecord{sign(t, w.citizen, 51, &ConsentWithdrawal{Grant: w.grant()})})
	if g, _ := st.Grant(w.grant()); !g.Withdrawn {
		t.Fatal("withdrawn grant served stale")
	}
	if _, err := l.Submit(ctx, sign(t, w.verifier, 52, &AccessRecord{Grant: w.grant(), Purpose: "p", Statement: h(1), Nullifier: h(2)})); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("access under a withdrawn grant: %v", err)
	}
	if st.pending() != 0 {
		t.Fatalf("%d entries held in memory with a flush threshold of 1", st.pending())
	}
}
