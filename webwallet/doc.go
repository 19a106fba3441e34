// Package webwallet serves civicproof's citizen wallet to a browser: a
// small page (plain HTML and JavaScript, embedded) over the WebAssembly
// wallet of cmd/wallet-wasm, the proving key and the compiled circuit
// (the one-credential version 2 presentation circuit: the agency learns
// the credential type's issuer-set root, not the issuer).
//
// The page shows an agency's request in plain language before anything is
// proven — who asks (the agency's name as registered on the ledger, after
// the wallet verified the request object's signature and the agency's
// accreditation), purpose and legal basis, what is proven, what is
// disclosed, how long the consent lasts — with Accept and Refuse; shows
// progress while proving, the result, the citizen's access log verified
// against the ledger's signed checkpoint, and a Withdraw button per grant.
//
// The wasm wallet runs in a dedicated Web Worker (worker.js): the page
// talks to it by messages (byte arrays transferred, not copied), so the
// seconds of a proof never block the page's thread, which keeps painting
// the progress and answering input. Refusing a request tells the agency:
// the wallet posts the OpenID4VP error response access_denied to the
// request's response_uri, and nothing else.
//
// Storage in the browser: the wallet (credentials, holder secret and
// master secret, credential/wallet's format under the passphrase) in
// IndexedDB; next to it the grants the citizen gave and the last access
// log verified against the ledger, sealed (AES-256-GCM) under a key the
// wallet derives from its master secret, so they survive a reload and
// open only with the passphrase; the proving key and compiled circuit in
// the Cache API under a URL naming the circuit digest, so they are
// downloaded once. The wallet
// refuses a compiled circuit whose digest is not the pinned one
// (zkp.ErrCircuitMismatch) and a proving key whose verifying key is not
// official on the ledger.
//
// Threats: the page runs under a content security policy allowing only
// its own scripts and the wasm; nothing leaves the device before Accept
// except the fetch of the request and of ledger records. The server that
// serves the page pins the ledger key and circuit digest: it is trusted as
// much as any web wallet's host (an app store build would pin them).
//
// BuildWASM compiles the wallet with the go command at run time; Handler
// serves everything at the root of an origin.
//
// # Measured
//
// On this 2-core machine while otherwise idle, in headless Chromium
// (CIVICPROOF_BROWSER_PROOFS=10 go test -count=1 ./examples/webwallet -run
// TestBrowserProofTimes -v, ten proofs per setting): proving the full
// presentation circuit (version 2, one credential, issuer hidden, 15,986
// constraints, a 2^14 FFT domain) took 1.70–1.76 s at best, 1.86–1.90 s
// median and 2.03 s at worst, with Config.ProverHeapMB's collector pause
// and with Go's default pacing alike; the wasm memory stayed at 153 MB. The
// page's longest stall while proving was 29 ms: the wallet proves in a Web
// Worker (on the page's thread the page froze for the whole proof). The
// wallet is 28.9 MB of WebAssembly (6.3 MB gzipped). First load: wasm
// 0.9–1.1 s, unlocking a new wallet (Argon2id, 64 MiB, 3 passes) 0.6 s,
// proving key and circuit downloaded and checked 0.3–0.5 s; second load:
// wasm 0.6 s, unlock 0.8–1.0 s, keys from the Cache API and checked
// 0.16 s. Before the circuit's signature check shrank (16,884 constraints,
// a 2^15 domain) the same measurement gave 2.46 s at best and 2.5–3.1 s
// median.
package webwallet
