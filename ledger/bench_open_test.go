//go:build linux

package ledger

import (
	"crypto/ed25519"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	openRecords = flag.Int("open-records", 100_000, "log size for BenchmarkOpenLarge (e.g. 1000000)")
	openSizes   = flag.String("open-sizes", "100000", "comma-separated log sizes for BenchmarkOpenScale (e.g. 1000000,10000000)")
	openReplay  = flag.Bool("open-replay", false, "BenchmarkOpenScale: remove the index before each open (a full replay rebuilds it)")
)

// benchRecord is the i-th generated record: an agency event, an anchored
// credential, a consent receipt of the citizen to the verifier, or an
// access record under the receipt before it, in turn; its bytes are
// signed in the generator's worker goroutines.
func benchRecord(w *world, i int) (*SignedRecord, error) {
	var d Hash
	binary.BigEndian.PutUint64(d[8:], uint64(i))
	switch i % 4 {
	case 1:
		d[0] = 0x71
		return NewRecord(w.issuer.DID(), t0, &CredentialIssued{Commitment: d, Type: "Age"}).Sign(w.issuer)
	case 2:
		d[0] = 0x72
		return NewRecord(w.citizen.DID(), t0, &ConsentReceipt{Grant: GrantID(w.citizen.DID(), d), Content: d, Agency: w.verifier.DID(), Receipt: d}).Sign(w.citizen)
	case 3:
		var c Hash
		c[0] = 0x72
		binary.BigEndian.PutUint64(c[8:], uint64(i-1))
		d[0] = 0x73
		return NewRecord(w.verifier.DID(), t0, &AccessRecord{Grant: GrantID(w.citizen.DID(), c), Purpose: "dpv:ServiceProvision", Statement: d, Nullifier: d}).Sign(w.verifier)
	default:
		d[0] = 0x77
		return NewRecord(w.other.DID(), t0, &AgencyEvent{Topic: "relief/rice-kg", Digest: d, Amount: 1}).Sign(w.other)
	}
}

// writeLargeLedger writes a ledger file of the setup records plus n
// generated records (benchRecord) straight to disk, in commits of 4096
// records, as the engine would have written them; it leaves the index to
// the first Open.
func writeLargeLedger(b *testing.B, path string, n int) {
	w := newWorld(b)
	signer, _, err := newNoteSigner(DefaultOrigin, w.ledgerKey.Ed25519())
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rng := rangeFactory.NewEmptyRange(0)
	var count uint64
	body := appendFrame(nil, frameGenesis, genesisPayload(DefaultOrigin, []byte(w.ledgerKey.Ed25519().Public().(ed25519.PublicKey))))
	end := int64(headerSize)
	flush := func(leaves [][]byte) {
		for _, l := range leaves {
			body = appendFrame(body, frameRecord, l)
			lh := leafHash(l)
			if err := rng.Append(lh[:], nil); err != nil {
				b.Fatal(err)
			}
			count++
		}
		root, _ := rootOf(rng)
		cp, err := signCheckpoint(signer, count, root)
		if err != nil {
			b.Fatal(err)
		}
		body = appendFrame(body, frameCheckpoint, cp.Note)
		if _, err := f.WriteAt(body, end); err != nil {
			b.Fatal(err)
		}
		end += int64(len(body))
		body = body[:0]
	}
	var setup [][]byte
	for _, sr := range w.setupRecords(b) {
		setup = append(setup, mustBytes(b, sr))
	}
	flush(setup)
	const chunk = 4096
	for i := 0; i < n; i += chunk {
		m := min(chunk, n-i)
		leaves := make([][]byte, m)
		var wg sync.WaitGroup
		for g := range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := g; j < m; j += runtime.GOMAXPROCS(0) {
					sr, err := benchRecord(w, i+j)
					if err != nil {
						panic(err)
					}
					leaves[j], _ = sr.Bytes()
				}
			}()
		}
		wg.Wait()
		flush(leaves)
	}
	if _, err := f.WriteAt(encodeHeader(slot{gen: 1, end: uint64(end), count: count}), 0); err != nil {
		b.Fatal(err)
	}
}

// benchFormat names the generated ledgers' format in their cache
// directory: change it when the log or index format changes.
const benchFormat = "v3"

// cachedLargeLedger returns the path of a ledger of n generated records
// with its index, under os.TempDir, generating it the first time (which
// at 10^7 records takes minutes).
func cachedLargeLedger(b *testing.B, n int) string {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("civicproof-bench-open-%s-%d", benchFormat, n))
	path := filepath.Join(dir, "ledger.db")
	done, logDone := filepath.Join(dir, "complete"), filepath.Join(dir, "log-complete")
	if _, err := os.Stat(done); err == nil {
		return path
	}
	var logT time.Duration
	if _, err := os.Stat(logDone); err != nil {
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		writeLargeLedger(b, path, n)
		logT = time.Since(t)
		if err := os.WriteFile(logDone, nil, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	removeIndex(path)
	t := time.Now()
	l, err := Open(path, newWorld(b).ledgerKey, WithClock(fixedClock))
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("generated %d records in %s: log %s, index by full replay %s\n", n, dir, logT.Round(time.Millisecond), time.Since(t).Round(time.Millisecond))
	if err := os.WriteFile(done, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// peakRSS resets the process's peak resident set (Linux clear_refs) and
// returns a function reading it back, in MB.
func peakRSS() func() float64 {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return func() float64 {
		b, err := os.ReadFile("/proc/self/status")
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
		return 0
	}
}

// BenchmarkOpenScale opens ledgers of -open-sizes generated records (mixed
// kinds, see benchRecord), each generated once and cached under
// os.TempDir with its index. Open reads the index head, checks it against
// the log's signed checkpoint and the tree index, and reads the log's
// tail after it (empty here). It reports the peak RSS of the process
// during Open (VmHWM, reset before), the RSS and Go heap after, and then
// answers a sample of queries, which must hit the on-disk store.
func BenchmarkOpenScale(b *testing.B) {
	w := newWorld(b)
	for _, f := range strings.Split(*openSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			path := cachedLargeLedger(b, n)
			fi, _ := os.Stat(path)
			var peak, rss, heap float64
			if *openReplay {
				// On a copy: the cached index stays.
				cp := filepath.Join(b.TempDir(), "ledger.db")
				raw, err := os.ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(cp, raw, 0o600); err != nil {
					b.Fatal(err)
				}
				path = cp
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if *openReplay {
					removeIndex(path)
				}
				runtime.GC()
				debug.FreeOSMemory()
				read := peakRSS()
				b.StartTimer()
				l, err := Open(path, w.ledgerKey, WithClock(fixedClock))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				peak = read()
				if !*openReplay && !strings.Contains(l.LoadReport(), "from the index") {
					b.Fatalf("not opened from the index: %s", l.LoadReport())
				}
				st := l.State()
				for k := 0; k < 1000; k++ {
					j := (k * 7919) % n
					var d Hash
					binary.BigEndian.PutUint64(d[8:], uint64(j))
					switch j % 4 {
					case 1:
						d[0] = 0x71
						if _, err := st.Credential(d); err != nil {
							b.Fatal(err)
						}
					case 2:
						d[0] = 0x72
						if _, err := st.Grant(GrantID(w.citizen.DID(), d)); err != nil {
							b.Fatal(err)
						}
					}
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				rss, heap = rssMB(), float64(ms.HeapInuse)/(1<<20)
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
			b.ReportMetric(peak, "peak-RSS-MB")
			b.ReportMetric(rss, "RSS-MB")
			b.ReportMetric(heap, "heap-MB")
		})
	}
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize()) / (1 << 20)
}

// BenchmarkOpenLarge opens a ledger of -open-records agency events (plus
// the setup records) generated in the benchmark. replay: no snapshot, Open
// reads and checks every frame, decodes every record, rebuilds the tree
// and the state and checks the signed root. snapshot: Open loads the
// snapshot written by the previous Close, checks it against the signed
// checkpoint, and reads the log checking every frame's CRC-32C without
// replaying it. It reports records/s, the file sizes and the process RSS
// and Go heap with the ledger open.
func BenchmarkOpenLarge(b *testing.B) {
	path := filepath.Join(b.TempDir(), "large.db")
	writeLargeLedger(b, path, *openRecords)
	fi, _ := os.Stat(path)
	w := newWorld(b)
	for _, mode := range []string{"replay", "snapshot"} {
		b.Run(mode, func(b *testing.B) {
			debug.FreeOSMemory()
			var rss, heap float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if mode == "replay" {
					removeIndex(path)
				}
				b.StartTimer()
				l, err := Open(path, w.ledgerKey, WithClock(fixedClock))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if mode == "snapshot" && !strings.Contains(l.LoadReport(), "from the index") {
					b.Fatalf("not opened from the snapshot: %s", l.LoadReport())
				}
				debug.FreeOSMemory()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				rss, heap = rssMB(), float64(ms.HeapInuse)/(1<<20)
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(*openRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
			if si, err := os.Stat(idxPath(path)); err == nil {
				b.ReportMetric(float64(si.Size())/(1<<20), "snap-MB")
			}
			b.ReportMetric(rss, "RSS-MB")
			b.ReportMetric(heap, "heap-MB")
		})
	}
}
