package webwallet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/civicproof/civicproof/zkp"
)

//go:embed page
var page embed.FS

// WalletPackage is the import path of the wallet's main package, which
// BuildWASM compiles.
const WalletPackage = "github.com/civicproof/civicproof/cmd/wallet-wasm"

// Agency is a verifier the page offers to visit (a demo convenience: a
// real agency shows its own link).
type Agency struct {
	Label      string `json:"label"`
	SessionURL string `json:"sessionUrl"` // httpapi verifier's {base}/sessions
	Template   string `json:"template"`
}

// Config is what the page and wallet are given. The ledger key and
// circuit digest are the wallet's trust anchors: whoever serves the page
// chooses them, so a production wallet is served by (or compiled with)
// a party the citizen trusts.
type Config struct {
	LedgerOrigin  string
	LedgerKey     ed25519.PublicKey
	CitizenBase   string   // httpapi citizen endpoints
	CircuitDigest [32]byte // of the proving key's circuit shape (Files.SetKeys)
	OfferURL      string   // optional: GET returns an httpapi.CredentialOffer
	Agencies      []Agency // optional: verifiers to visit
	// ProverHeapMB is the heap the wallet lets a proof grow to before Go's
	// garbage collector runs while proving (0: 512 MiB; negative: the
	// collector's default pacing). For today's presentation circuit the
	// two measured the same (see the package documentation).
	ProverHeapMB int
}

type pageConfig struct {
	LedgerOrigin  string   `json:"ledgerOrigin"`
	LedgerKey     string   `json:"ledgerKey"`
	CitizenBase   string   `json:"citizenBase"`
	CircuitDigest string   `json:"circuitDigest"`
	OfferURL      string   `json:"offerUrl,omitempty"`
	Agencies      []Agency `json:"agencies"`
	KeysURL       string   `json:"keysUrl"`
	ProverHeapMB  int      `json:"proverHeapMB,omitempty"`
}

// Files are the build products the handler serves.
type Files struct {
	WASM             []byte // the wallet (BuildWASM)
	WasmExec         []byte // Go's wasm_exec.js of the same toolchain (BuildWASM)
	ProvingKey       []byte // zkp.ProvingKey.WriteTo
	ConstraintSystem []byte // zkp.WriteConstraintSystem
}

// Handler serves the wallet page at "/", its script, worker and style,
// the wasm and wasm_exec.js, config.json, and the proving key and compiled circuit
// under /keys/<circuit digest>/ (immutable: the page caches them with the
// Cache API). Mount it at the root of its own origin.
func Handler(cfg Config, f Files) (http.Handler, error) {
	if len(cfg.LedgerKey) != ed25519.PublicKeySize || cfg.LedgerOrigin == "" || cfg.CitizenBase == "" {
		return nil, errors.New("webwallet: ledger origin, key and citizen base are required")
	}
	if len(f.WASM) == 0 || len(f.WasmExec) == 0 || len(f.ProvingKey) == 0 || len(f.ConstraintSystem) == 0 {
		return nil, errors.New("webwallet: wasm, wasm_exec.js, proving key and circuit are required")
	}
	d := hex.EncodeToString(cfg.CircuitDigest[:])
	pc := pageConfig{LedgerOrigin: cfg.LedgerOrigin, LedgerKey: base64.StdEncoding.EncodeToString(cfg.LedgerKey),
		CitizenBase: cfg.CitizenBase, CircuitDigest: d, OfferURL: cfg.OfferURL, Agencies: cfg.Agencies,
		KeysURL: "/keys/" + d[:16], ProverHeapMB: cfg.ProverHeapMB}
	if pc.Agencies == nil {
		pc.Agencies = []Agency{}
	}
	cj, err := json.Marshal(pc)
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(page, "page")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	static := http.FileServerFS(sub)
	mux.Handle("GET /", static)
	blob := func(b []byte, ctype string, immutable bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			if immutable {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
		}
	}
	mux.Handle("GET /config.json", blob(cj, "application/json", false))
	mux.Handle("GET /wallet.wasm", blob(f.WASM, "application/wasm", false))
	mux.Handle("GET /wasm_exec.js", blob(f.WasmExec, "text/javascript", false))
	mux.Handle("GET "+pc.KeysURL+"/pk.bin", blob(f.ProvingKey, "application/octet-stream", true))
	mux.Handle("GET "+pc.KeysURL+"/circuit.cs", blob(f.ConstraintSystem, "application/octet-stream", true))
	return secureHeaders(mux), nil
}

// secureHeaders: no framing, no sniffing, no referrer, and a content
// security policy that lets the page run only its own scripts and the
// wasm ('wasm-unsafe-eval').
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// BuildWASM compiles the wallet with the go command on PATH
// (GOOS=js GOARCH=wasm go build -trimpath -ldflags=-s -w WalletPackage) into
// dir, run from the current directory's module (which must require
// civicproof or be it), and returns the wasm with the toolchain's
// wasm_exec.js. It takes about 10 s the first time and a few seconds
// once the build cache is warm.
func BuildWASM(ctx context.Context, dir string) (*Files, error) {
	out := filepath.Join(dir, "wallet.wasm")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, WalletPackage)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("webwallet: building the wallet: %w\n%s", err, b)
	}
	root, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("webwallet: go env GOROOT: %w", err)
	}
	var f Files
	if f.WASM, err = os.ReadFile(out); err != nil {
		return nil, err
	}
	gr := strings.TrimSpace(string(root))
	if f.WasmExec, err = os.ReadFile(filepath.Join(gr, "lib", "wasm", "wasm_exec.js")); err != nil {
		if f.WasmExec, err = os.ReadFile(filepath.Join(gr, "misc", "wasm", "wasm_exec.js")); err != nil {
			return nil, fmt.Errorf("webwallet: wasm_exec.js: %w", err)
		}
	}
	return &f, nil
}

// SetKeys fills the proving key and the compiled circuit (of pk's circuit
// shape: the wallet proves version 2 with a key of zkp.ShapeV2(backend, 1))
// the page serves, and returns the circuit digest to pin in Config.
func (f *Files) SetKeys(pk *zkp.ProvingKey) ([32]byte, error) {
	var pkb, csb bytes.Buffer
	if _, err := pk.WriteTo(&pkb); err != nil {
		return [32]byte{}, fmt.Errorf("webwallet: proving key: %w", err)
	}
	s := pk.CircuitShape()
	if _, err := zkp.WriteConstraintSystemShape(&csb, s); err != nil {
		return [32]byte{}, err
	}
	f.ProvingKey, f.ConstraintSystem = pkb.Bytes(), csb.Bytes()
	return s.CircuitDigest()
}
