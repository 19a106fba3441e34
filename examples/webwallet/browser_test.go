package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findBrowser returns Chromium's or Chrome's path, or "".
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser clicks the whole demo through in headless Chromium: unlock a
// new wallet, collect a credential, see the wallet refuse an unaccredited
// agency before asking anything, read the licensing agency's request and
// refuse it, then accept it (the proof is made in the browser and the
// agency verifies it), read the access log verified against the ledger,
// withdraw the consent, and reload the page to find the wallet in
// IndexedDB and the keys in the Cache API. It logs the proof time, the
// bundle size and the load times, and writes the request and access-log
// screenshots (to docs/ with CIVICPROOF_UPDATE_SCREENSHOTS=1).
//
// Skipped in -short mode (the race pass): it builds the wasm and proves in
// a browser, a minute or two; the full pass runs it.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: runs in the full pass (one wasm build and a proof in headless Chromium)")
	}
	browser := findBrowser()
	if browser == "" {
		if os.Getenv("CIVICPROOF_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium or Chrome found and CIVICPROOF_REQUIRE_BROWSER=1 (apt-get install chromium)")
		}
		t.Skip("SKIPPED browser test: no Chromium or Chrome found (apt-get install chromium)")
	}
	shots := t.TempDir()
	if os.Getenv("CIVICPROOF_UPDATE_SCREENSHOTS") == "1" {
		shots = filepath.Join("..", "..", "docs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	urlc := make(chan string, 1)
	errc := make(chan error, 1)
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	go func() { errc <- run(ctx, "127.0.0.1:0", devnull, func(u string) { urlc <- u }) }()
	var url string
	select {
	case url = <-urlc:
	case err := <-errc:
		t.Fatalf("demo: %v", err)
	case <-ctx.Done():
		t.Fatal("demo did not start")
	}

	actx, acancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(900, 1100),
		chromedp.UserDataDir(t.TempDir()))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	status := func(want string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`document.getElementById("status").textContent.includes(`+quote(want)+`)`,
			chromedp.WithPollingTimeout(5*time.Minute))
	}
	var (
		text    string
		reqShot []byte
		logShot []byte
		timings map[string]any
		hidden  bool
	)
	unlock := chromedp.Steps(
		chromedp.WaitVisible(chromedp.ID("pass")),
		chromedp.SendKeys(chromedp.ID("pass"), "correct horse battery"),
		chromedp.Click(chromedp.ID("unlock-btn")),
		status("Wallet ready."),
	)
	steps := []struct {
		name string
		act  chromedp.Action[chromedp.Void]
	}{
		{"open the page and a new wallet", chromedp.Steps(chromedp.Navigate(url), unlock)},
		{"collect a credential", chromedp.Steps(chromedp.Click(chromedp.ID("receive-btn")), status("Credential received"))},
		{"an unaccredited agency is refused before anything is shown", chromedp.Steps(
			chromedp.Click(chromedp.ID("visit-1")), status("not accredited"),
			into(&hidden, chromedp.Evaluate[bool](`document.getElementById("request").hidden`)),
		)},
		{"the licensing agency's request in plain language", chromedp.Steps(
			chromedp.Click(chromedp.ID("visit-0")), chromedp.WaitVisible(chromedp.ID("request")),
			into(&text, chromedp.Text(chromedp.ID("request"))), into(&reqShot, chromedp.CaptureScreenshot()),
		)},
		{"refuse", chromedp.Steps(chromedp.Click(chromedp.ID("refuse-btn")), status("Request refused."),
			chromedp.Click(chromedp.CSS("#result .home-btn")))},
		{"accept: prove in the browser, the agency verifies", chromedp.Steps(
			chromedp.Click(chromedp.ID("visit-0")), chromedp.WaitVisible(chromedp.ID("accept-btn")),
			chromedp.Click(chromedp.ID("accept-btn")), status("Proof accepted."),
			into(&timings, chromedp.Evaluate[map[string]any](`window.civicproofTimings`)),
			chromedp.Click(chromedp.CSS("#result .home-btn")),
		)},
		{"the access log, verified against the ledger", chromedp.Steps(
			chromedp.Click(chromedp.ID("log-btn")), status("Access log verified."),
			into(&logShot, chromedp.CaptureScreenshot()),
		)},
		{"withdraw", chromedp.Steps(chromedp.Click(chromedp.CSS(".withdraw-btn")), status("Consent withdrawn."),
			chromedp.WaitVisible(chromedp.ID("log")))},
	}
	for _, s := range steps {
		start := time.Now()
		_, err := chromedp.Run(bctx, s.act)
		t.Logf("%s: %v", s.name, time.Since(start).Round(time.Millisecond))
		if err != nil {
			st, _ := chromedp.Run(bctx, chromedp.Text(chromedp.ID("status")))
			t.Fatalf("%s: %v (page status: %q)", s.name, err, st)
		}
		switch s.name {
		case "an unaccredited agency is refused before anything is shown":
			if !hidden {
				t.Fatal("the unaccredited agency's request was shown")
			}
		case "the licensing agency's request in plain language":
			for _, want := range []string{"Venue Licensing Agency", "Ministry of Digital Affairs", "Identity Verification",
				"Legal Obligation", "your birthDate is on or before", "Nothing", "30 days"} {
				if !strings.Contains(text, want) {
					t.Errorf("request screen lacks %q:\n%s", want, text)
				}
			}
		}
	}
	logText, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("log-list")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logText, "Venue Licensing Agency — consent withdrawn") || !strings.Contains(logText, "Identity Verification") {
		t.Fatalf("access log after withdrawal:\n%s", logText)
	}
	first := timings

	// Reload: the wallet comes from IndexedDB, the keys from the cache.
	var (
		creds  string
		second map[string]any
	)
	if err := chromedp.Do(bctx, chromedp.Navigate(url), unlock, into(&creds, chromedp.Text(chromedp.ID("creds"))),
		into(&second, chromedp.Evaluate[map[string]any](`window.civicproofTimings`))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(creds, "holds 1 credential") || second["keysCached"] != true {
		t.Fatalf("after reload: %q, timings %v", creds, second)
	}
	for name, b := range map[string][]byte{"webwallet-request.png": reqShot, "webwallet-access-log.png": logShot} {
		if err := os.WriteFile(filepath.Join(shots, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("proof in headless Chromium: %v ms (accept to result %v ms)", first["proveMs"], first["acceptMs"])
	t.Logf("first load: wasm %v ms, unlock (Argon2id) %v ms, keys downloaded+checked %v ms", first["wasmMs"], first["unlockMs"], first["keysMs"])
	t.Logf("second load: wasm %v ms, unlock %v ms, keys from cache+checked %v ms", second["wasmMs"], second["unlockMs"], second["keysMs"])
	t.Logf("screenshots in %s", shots)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// into runs a and stores its value in dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}
