package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
)

// BenchmarkVerifyHTTP measures presentations verified per second through
// the direct_post handler over loopback HTTP: strict decoding, the gate
// (request, consent, accreditation, official key, revocation root,
// Groth16 verification) and the access record written to an in-memory
// ledger. Each verification answers its own request, so b.N presentations
// are proven before the timer starts: run it with a fixed count
// (-benchtime 64x).
//
//	serial                one client, one answer at a time
//	clients=32/batch=off  32 concurrent clients, each answer verified alone
//	clients=32/batch=on   32 concurrent clients, Options.Batch{MaxSize: 64, MaxWait: 2ms}
//
// The clients run in the benchmark's process, so with -cpu 1 they share
// the one core with the server. presentations/cpu-s divides by the CPU
// time the process used (server and clients, GC included) rather than
// the wall clock: the rate per core, which other load on a shared
// machine does not dilute.
func BenchmarkVerifyHTTP(b *testing.B) {
	b.Run("serial", func(b *testing.B) { benchVerifyHTTP(b, 1, httpapi.Batch{}) })
	b.Run("clients=32/batch=off", func(b *testing.B) { benchVerifyHTTP(b, 32, httpapi.Batch{}) })
	b.Run("clients=32/batch=on", func(b *testing.B) {
		benchVerifyHTTP(b, 32, httpapi.Batch{MaxSize: 64, MaxWait: 2 * time.Millisecond})
	})
}

func benchVerifyHTTP(b *testing.B, clients int, batch httpapi.Batch) {
	b.Setenv("XDG_CACHE_HOME", demo.TestKeyCache())
	ctx := context.Background()
	lk, _ := identity.GenerateKey(nil)
	root, _ := identity.GenerateKey(nil)
	l, err := ledger.NewInMemory(lk, ledger.WithOrigin(demo.Origin))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	w := &demo.World{Ledger: l, LedgerKey: lk, Root: root, Now: time.Now}
	if _, err := w.Submit(ctx, root, &ledger.GovernanceInit{Name: "Bench Ministry"}); err != nil {
		b.Fatal(err)
	}
	e := newEnvOn(b, w, httpapi.Options{Batch: batch})
	b.Cleanup(func() { e.verifier.Close() })
	answers := make([]string, b.N)
	var wg sync.WaitGroup
	// Prove with every core whatever -cpu says; measure with -cpu's.
	procs := runtime.GOMAXPROCS(runtime.NumCPU())
	sem := make(chan struct{}, runtime.NumCPU()) // one prover per core
	for i := range b.N {
		h := e.pickUp(b) // one citizen per answer: a nullifier counts once per scope
		ro := e.session(b)
		g := e.consentTo(b, h, ro)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			pj, err := json.Marshal(e.present(b, h, ro, g))
			if err != nil {
				b.Error(err)
				return
			}
			answers[i] = url.Values{"state": {ro.State}, "vp_token": {string(pj)}}.Encode()
		}()
	}
	wg.Wait()
	runtime.GOMAXPROCS(procs)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer hc.CloseIdleConnections()
	var next atomic.Int64
	cpu0 := cpuTime()
	b.ResetTimer()
	var cw sync.WaitGroup
	for range clients {
		cw.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				resp, err := hc.Post(e.url("/verifier/response"), "application/x-www-form-urlencoded", strings.NewReader(answers[i]))
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	cw.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "presentations/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		// Per second of CPU time used by the process (server and clients):
		// the per-core rate, which a shared machine's load does not dilute.
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "presentations/cpu-s")
	}
}
