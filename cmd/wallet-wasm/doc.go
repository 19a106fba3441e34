// Command wallet-wasm is civicproof's citizen wallet for the browser,
// built with
//
//	GOOS=js GOARCH=wasm go build -o wallet.wasm ./cmd/wallet-wasm
//
// (webwallet.BuildWASM runs exactly this). Loaded with Go's wasm_exec.js,
// it installs globalThis.civicproof, whose functions return Promises:
//
//	init(config)             pins: ledger origin and key, citizen API base,
//	                         circuit digest; returns nothing
//	unlock(pass, sealed)     opens (or, with sealed empty, creates) the wallet
//	                         from its encrypted bytes; returns the new bytes
//	loadKeys(pk, cs)         the proving key and compiled circuit (bytes the
//	                         page fetched and caches); checks the circuit
//	                         digest and that the key is official on the ledger
//	receive(offer)           picks up an OpenID4VCI offer; returns the new bytes
//	request(requestURI)      fetches and checks a request object and the
//	                         agency's accreditation; returns what to show
//	accept()                 grants consent, anchors it, proves, posts the
//	                         answer; returns the verifier's result and timings
//	refuse()                 forgets the shown request; nothing is sent
//	accessLog()              the citizen's verified access log
//	withdraw(grantID)        withdraws a grant on the ledger
//
// The wallet's credentials, holder secret and master secret are kept in
// credential/wallet's format, encrypted under the passphrase (Argon2id,
// XChaCha20-Poly1305); the page stores the bytes in IndexedDB. Pairwise
// identities per agency and issuer come from package holder. Grants are
// kept for the page's session only (their receipts are on the ledger).
package main
