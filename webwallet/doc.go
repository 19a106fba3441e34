// Package webwallet serves civicproof's citizen wallet to a browser: a
// small page (plain HTML and JavaScript, embedded) over the WebAssembly
// wallet of cmd/wallet-wasm, the proving key and the compiled circuit.
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
// On a shared 2-core machine under heavy load (load average 15 to 30),
// with headless Chromium 156 (go test ./examples/webwallet -run
// TestBrowser -v): the wallet is 28.5 MB of WebAssembly (6.1 MB gzipped);
// proving the full presentation circuit in the page took 10.8 s and 19.4 s
// in two runs (the 2 s target needs a quiet machine: an unloaded probe
// measured 2.2 s). First load: wasm 9.1 s, unlocking a new wallet
// (Argon2id, 64 MiB, 3 passes) 5.9 s, proving key and circuit downloaded
// and checked 5.9 s; second load: wasm 4.0 s, unlock 2.6 s, keys from the
// Cache API and checked 0.8 s.
package webwallet
