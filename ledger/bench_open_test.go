//go:build linux

package ledger

import (
	"crypto/ed25519"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var openRecords = flag.Int("open-records", 100_000, "log size for BenchmarkOpenLarge (e.g. 1000000)")

// writeLargeLedger writes a ledger file of the setup records plus n agency
// events straight to disk, in commits of 4096 records, as the engine
// would have written them.
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
					var d Hash
					d[0] = 0x77
					binary.BigEndian.PutUint64(d[8:], uint64(i+j))
					sr, err := NewRecord(w.other.DID(), t0, &AgencyEvent{Topic: "relief/rice-kg", Digest: d, Amount: 1}).Sign(w.other)
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
