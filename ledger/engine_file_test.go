//go:build !js && !wasip1

package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func openFileLedger(t testing.TB, path string, w *world, opts ...Option) *Embedded {
	t.Helper()
	opts = append([]Option{WithClock(fixedClock)}, opts...)
	l, err := Open(path, w.ledgerKey, opts...)
	if errors.Is(err, ErrNotExist) {
		l, err = Create(path, w.ledgerKey, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBoltPersistence(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	log := fullLog(t, w)
	l := openFileLedger(t, path, w)
	mustSubmitAll(t, l, log[:10])
	if _, err := l.SubmitBatch(ctx, log[10:]); err != nil {
		t.Fatal(err)
	}
	cp1, _ := l.Checkpoint(ctx)
	d1 := digest(t, l.State())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = openFileLedger(t, path, w)
	defer l.Close()
	cp2, _ := l.Checkpoint(ctx)
	if !bytes.Equal(cp1.Note, cp2.Note) || cp2.Size != uint64(len(log)) {
		t.Fatal("checkpoint changed across reopen")
	}
	if d2 := digest(t, l.State()); d2 != d1 || d2 != digest(t, replayState(t, log)) {
		t.Fatal("state rebuilt on open differs")
	}
	for i, sr := range log {
		got, err := l.Record(ctx, uint64(i))
		if err != nil || !bytes.Equal(mustBytes(t, got), mustBytes(t, sr)) {
			t.Fatalf("record %d after reopen: %v", i, err)
		}
	}
	if _, err := l.Record(ctx, uint64(len(log))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record past the end: %v", err)
	}
	// The log keeps growing after a reopen, consistently with before.
	r, err := l.Submit(ctx, sign(t, w.other, 40, &AgencyEvent{Topic: "t", Digest: h(0xee), Amount: 3}))
	if err != nil || r.Index != uint64(len(log)) {
		t.Fatalf("submit after reopen: %+v %v", r, err)
	}
	p, _ := l.ConsistencyProof(ctx, cp1.Size, r.Checkpoint.Size)
	if err := VerifyConsistency(cp1, r.Checkpoint, p); err != nil {
		t.Fatal(err)
	}
}

func TestOpenWithOtherOriginOrKey(t *testing.T) {
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	l := openFileLedger(t, path, w, WithOrigin("a.example"))
	mustSubmitAll(t, l, w.setupRecords(t))
	l.Close()
	if _, err := Open(path, w.ledgerKey, WithOrigin("b.example")); err == nil {
		t.Fatal("opened with another origin")
	}
	if _, err := Open(path, w.root, WithOrigin("a.example")); !errors.Is(err, ErrBadCheckpoint) {
		t.Fatalf("opened with another key: %v", err)
	}
	l = openFileLedger(t, path, w, WithOrigin("a.example"))
	l.Close()
}

func TestConcurrentSubmit(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	l := openFileLedger(t, filepath.Join(t.TempDir(), "ledger.db"), w)
	defer l.Close()
	mustSubmitAll(t, l, w.setupRecords(t))
	const workers, each = 8, 40
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				var d Hash
				d[0], d[1] = byte(g), byte(i)
				d[31] = 1
				r, err := l.Submit(ctx, sign(t, w.other, 10, &AgencyEvent{Topic: "relief/water-l", Digest: d, Amount: 2}))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[r.Index] {
					errs <- fmt.Errorf("index %d acknowledged twice", r.Index)
				}
				seen[r.Index] = true
				mu.Unlock()
				// Queries run concurrently with commits.
				_ = l.State().AgencyTotal(w.other.DID(), "relief/water-l")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := l.State().AgencyTotal(w.other.DID(), "relief/water-l"); got != 2*workers*each {
		t.Fatalf("total %d, want %d", got, 2*workers*each)
	}
	cp, _ := l.Checkpoint(ctx)
	if want := uint64(len(w.setupRecords(t)) + workers*each); cp.Size != want || l.State().Size() != want {
		t.Fatalf("size %d, want %d", cp.Size, want)
	}
}

// TestCorruptionDetected tampers with a closed ledger file in several ways;
// each must make Open fail with ErrCorrupt.
func TestCorruptionDetected(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.db")
	l := openFileLedger(t, clean, w)
	log := fullLog(t, w)
	mustSubmitAll(t, l, log)
	l.Close()
	target := mustBytes(t, log[9])
	other, _ := NewInMemory(w.root, WithClock(fixedClock))
	otherCP, _ := other.Checkpoint(context.Background())
	other.Close()

	viaFrames := func(fn func(fr []rawFrame) []rawFrame) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, encodeFrames(fn(decodeFrames(t, raw))), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// records returns the positions of the record frames.
	records := func(fr []rawFrame) []int {
		var out []int
		for i, f := range fr {
			if f.typ == frameRecord {
				out = append(out, i)
			}
		}
		return out
	}
	lastCP := func(fr []rawFrame) int { return len(fr) - 1 }
	cases := []struct {
		name   string
		tamper func(t *testing.T, path string)
	}{
		{"flip a byte of a record in the file", func(t *testing.T, path string) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sig := []byte(strings.Split(string(target), `"signature":"`)[1][:20])
			i := bytes.Index(raw, sig)
			if i < 0 {
				t.Fatal("record not found in the file")
			}
			raw[i+5] ^= 0x01
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		// The cases below rewrite frames with valid checksums and header:
		// only the signed checkpoint can tell.
		{"rewrite a record validly signed", viaFrames(func(fr []rawFrame) []rawFrame {
			forged := mustBytes(t, sign(t, w.other, 20, &AgencyEvent{Topic: "relief/rice-kg", Digest: h(0x70), Amount: 9999}))
			fr[records(fr)[len(log)-6]].payload = forged
			return fr
		})},
		{"delete the last record", viaFrames(func(fr []rawFrame) []rawFrame {
			i := records(fr)[len(log)-1]
			return append(fr[:i:i], fr[i+1:]...)
		})},
		{"append a record", viaFrames(func(fr []rawFrame) []rawFrame {
			extra := rawFrame{frameRecord, mustBytes(t, sign(t, w.other, 30, &AgencyEvent{Topic: "t", Digest: h(9), Amount: 1}))}
			i := lastCP(fr)
			return append(fr[:i:i], extra, fr[i])
		})},
		{"swap two records", viaFrames(func(fr []rawFrame) []rawFrame {
			r := records(fr)
			a, b := r[len(log)-2], r[len(log)-3]
			fr[a], fr[b] = fr[b], fr[a]
			return fr
		})},
		{"checkpoint signed by another key", viaFrames(func(fr []rawFrame) []rawFrame {
			fr[lastCP(fr)].payload = otherCP.Note
			return fr
		})},
		{"checkpoint size changed", viaFrames(func(fr []rawFrame) []rawFrame {
			cp := fr[lastCP(fr)].payload
			fr[lastCP(fr)].payload = bytes.Replace(cp, []byte(fmt.Sprintf("\n%d\n", len(log))), []byte(fmt.Sprintf("\n%d\n", len(log)-1)), 1)
			return fr
		})},
		{"checkpoint removed", viaFrames(func(fr []rawFrame) []rawFrame {
			return fr[:lastCP(fr)]
		})},
		{"frame of unknown type", viaFrames(func(fr []rawFrame) []rawFrame {
			fr[records(fr)[3]].typ = 'X'
			return fr
		})},
	}
	raw, _ := os.ReadFile(clean)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.db")
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			c.tamper(t, path)
			l, err := Open(path, w.ledgerKey, WithClock(fixedClock))
			if err == nil {
				l.Close()
				t.Fatal("tampered file opened")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
	// The untouched copy still opens.
	l = openFileLedger(t, clean, w)
	l.Close()
}

const crashEnv = "CIVICPROOF_LEDGER_CRASH_CHILD"

// crashChild runs in the child process: it appends records from several
// goroutines and prints "ACK <index> <leaf hash>" after each durable
// acknowledgement, until it is killed.
func crashChild(path string) {
	t := &testing.T{}
	w := newWorld(t)
	l, err := Open(path, w.ledgerKey, WithClock(fixedClock))
	if errors.Is(err, ErrNotExist) {
		l, err = Create(path, w.ledgerKey, WithClock(fixedClock))
	}
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	if l.State().Size() == 0 {
		if _, err := l.SubmitBatch(context.Background(), w.setupRecords(t)); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var d Hash
				rand.Read(d[:])
				sr, err := NewRecord(w.other.DID(), t0, &AgencyEvent{Topic: "crash", Digest: d, Amount: 1}).Sign(w.other)
				if err != nil {
					panic(err)
				}
				r, err := l.Submit(context.Background(), sr)
				if err != nil {
					fmt.Println("ERR", err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Fprintf(out, "ACK %d %s\n", r.Index, r.LeafHash)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCrashSafety kills a writing child process with SIGKILL, several times
// on the same file, and checks that every acknowledged record is present
// and the file verifies on reopen.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "ledger.db")
	acked := map[uint64]string{}
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		lines := make(chan string)
		go func() {
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a bounded number of acknowledgements (different each
		// round) or a bounded time, whichever comes first.
		target, n := 150+round*97, 0
		deadline := time.After(10 * time.Second)
	read:
		for n < target {
			select {
			case line, ok := <-lines:
				if !ok {
					break read
				}
				f := strings.Fields(line)
				if len(f) != 3 || f[0] != "ACK" {
					t.Fatalf("child: %s", line)
				}
				idx, _ := strconv.ParseUint(f[1], 10, 64)
				acked[idx] = f[2]
				n++
			case <-deadline:
				break read
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for line := range lines { // acknowledgements printed before death count too
			if f := strings.Fields(line); len(f) == 3 && f[0] == "ACK" {
				idx, _ := strconv.ParseUint(f[1], 10, 64)
				acked[idx] = f[2]
			}
		}
		cmd.Wait()
		if n == 0 {
			t.Fatalf("round %d: no acknowledgements", round)
		}

		l, err := Open(path, w.ledgerKey, WithClock(fixedClock))
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		ctx := context.Background()
		cp, _ := l.Checkpoint(ctx)
		for idx, lh := range acked {
			if idx >= cp.Size {
				t.Fatalf("round %d: acknowledged record %d missing (size %d)", round, idx, cp.Size)
			}
			sr, err := l.Record(ctx, idx)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := sr.LeafHash(); got.String() != lh {
				t.Fatalf("round %d: record %d differs from the acknowledged one", round, idx)
			}
		}
		t.Logf("round %d: %d acknowledged in total, log size %d", round, len(acked), cp.Size)
		l.Close()
	}
}
