package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
)

// BenchmarkVerifyHTTP measures presentations verified per second through
// the direct_post handler over a loopback HTTP connection: strict
// decoding, the gate (request, consent, accreditation, official key,
// revocation root, Groth16 verification) and the access record written to
// an in-memory ledger. Each verification answers its own request, so b.N
// presentations are proven before the timer starts: run it with a fixed
// count (-benchtime 40x).
func BenchmarkVerifyHTTP(b *testing.B) {
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
	e := newEnvOn(b, w, httpapi.Options{})
	type answer struct{ state, body string }
	answers := make([]answer, b.N)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2) // one prover per core
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
			answers[i] = answer{ro.State, url.Values{"state": {ro.State}, "vp_token": {string(pj)}}.Encode()}
		}()
	}
	wg.Wait()
	b.ResetTimer()
	for i := range b.N {
		resp, err := http.Post(e.url("/verifier/response"), "application/x-www-form-urlencoded", strings.NewReader(answers[i].body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "presentations/s")
}
