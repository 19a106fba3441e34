// Command wallet-wasm is civicproof's citizen wallet for the browser,
// built with
//
//	GOOS=js GOARCH=wasm go build -o wallet.wasm ./cmd/wallet-wasm
//
// (webwallet.BuildWASM adds -trimpath -ldflags="-s -w"). Loaded with Go's
// wasm_exec.js — by the web wallet in a dedicated Web Worker, so that a
// proof never blocks the page — it installs globalThis.civicproof, whose
// functions return Promises:
//
//	init(config)             pins: ledger origin and key, citizen API base,
//	                         circuit digest; optional proverHeapMB (see below)
//	unlock(pass, sealed, sealedGrants)
//	                         opens (or, with sealed empty, creates) the wallet
//	                         from its encrypted bytes and restores the grants
//	                         stored with it; returns the new bytes
//	loadKeys(pk, cs)         the proving key and compiled circuit (bytes the
//	                         page fetched and caches) of the one-credential
//	                         version 2 circuit; checks the circuit digest,
//	                         that the key is of the circuit's shape and that
//	                         it is official on the ledger
//	receive(offer)           picks up an OpenID4VCI offer; returns the new bytes
//	request(requestURI)      fetches and checks a request object and the
//	                         agency's accreditation; returns what to show
//	accept()                 grants consent, anchors it, fetches the
//	                         credential type's whole issuer set (the server
//	                         learns the type, not the issuer), proves with
//	                         version 2 (issuer hidden unless the request
//	                         reveals it), posts the answer; returns the
//	                         verifier's result and timings
//	refuse()                 forgets the shown request and posts the
//	                         OpenID4VP error response access_denied (with the
//	                         request's state) to its response_uri
//	accessLog()              the citizen's access log verified against the
//	                         ledger (or the last verified one, marked cached,
//	                         when the ledger cannot be reached)
//	withdraw(grantID)        withdraws a grant on the ledger
//	grants()                 the grants and last verified log, sealed, for
//	                         the page to store
//
// The wallet's credentials, holder secret and master secret are kept in
// credential/wallet's format, encrypted under the passphrase (Argon2id,
// XChaCha20-Poly1305); the page stores the bytes in IndexedDB. Pairwise
// identities per agency and issuer come from package holder. The grants
// the citizen gave and the last verified access log are sealed with
// AES-256-GCM under a key derived (HKDF-SHA-256) from the master secret,
// so they open only once the passphrase has opened the wallet; the page
// stores them next to the wallet and they survive a reload.
//
// While proving, the garbage collector is paused until the heap reaches
// proverHeapMB (default 512; negative keeps Go's default pacing). For
// today's presentation circuit this measured no different from the
// default pacing in headless Chromium (the wasm memory stayed at 153 MB
// either way: a proof allocates too little for the collector to matter);
// it bounds the cost for larger circuits. The constraint system and
// proving key are decoded once, by loadKeys, and kept; the page transfers
// their bytes to the worker rather than copying them.
package main
