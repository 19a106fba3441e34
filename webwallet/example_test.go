package webwallet_test

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/civicproof/civicproof/webwallet"
)

// An agency (or the citizen's trusted host) serves the page with the
// wallet's build products and the pins it vouches for.
func ExampleHandler() {
	pub, _, _ := ed25519.GenerateKey(nil)
	h, err := webwallet.Handler(webwallet.Config{
		LedgerOrigin: "ledger.example", LedgerKey: pub, CitizenBase: "https://ledger.example/citizen",
		Agencies: []webwallet.Agency{{Label: "the Venue Licensing Agency", SessionURL: "/licensing/sessions", Template: "age"}},
	}, webwallet.Files{WASM: []byte("\x00asm"), WasmExec: []byte("//"), ProvingKey: []byte("pk"), ConstraintSystem: []byte("cs")})
	if err != nil {
		fmt.Println(err)
		return
	}
	for path, want := range map[string]string{"/": "Accept and prove", "/config.json": `"ledgerOrigin":"ledger.example"`, "/keys/0000000000000000/pk.bin": "pk"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(path, rec.Code, rec.Header().Get("Cache-Control"), strings.Contains(string(body), want))
	}
	// Unordered output:
	// / 200  true
	// /config.json 200 no-cache true
	// /keys/0000000000000000/pk.bin 200 public, max-age=31536000, immutable true
}
