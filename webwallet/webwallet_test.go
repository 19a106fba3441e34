package webwallet_test

import (
	"crypto/ed25519"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/webwallet"
)

func TestHandlerRefusesMissingPins(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	files := webwallet.Files{WASM: []byte("w"), WasmExec: []byte("e"), ProvingKey: []byte("p"), ConstraintSystem: []byte("c")}
	good := webwallet.Config{LedgerOrigin: "o", LedgerKey: pub, CitizenBase: "https://x/citizen"}
	for _, tc := range []struct {
		desc  string
		cfg   webwallet.Config
		files webwallet.Files
	}{
		{"no-ledger-key", webwallet.Config{LedgerOrigin: "o", CitizenBase: "b"}, files},
		{"no-origin", webwallet.Config{LedgerKey: pub, CitizenBase: "b"}, files},
		{"no-citizen-base", webwallet.Config{LedgerOrigin: "o", LedgerKey: pub}, files},
		{"no-wasm", good, webwallet.Files{WasmExec: []byte("e"), ProvingKey: []byte("p"), ConstraintSystem: []byte("c")}},
		{"no-circuit", good, webwallet.Files{WASM: []byte("w"), WasmExec: []byte("e"), ProvingKey: []byte("p")}},
	} {
		if _, err := webwallet.Handler(tc.cfg, tc.files); err == nil {
			t.Errorf("%s: accepted", tc.desc)
		}
	}
	h, err := webwallet.Handler(good, files)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("CSP %q", csp)
	}
	if body := rec.Body.String(); !strings.Contains(body, `id="accept-btn"`) || !strings.Contains(body, `id="refuse-btn"`) {
		t.Fatal("page lacks Accept and Refuse")
	}
	// The wasm runs in the worker, under the same policy.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/worker.js", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `importScripts("wasm_exec.js")`) || rec.Header().Get("Content-Security-Policy") != csp {
		t.Fatalf("worker.js: %d, CSP %q", rec.Code, rec.Header().Get("Content-Security-Policy"))
	}
}
