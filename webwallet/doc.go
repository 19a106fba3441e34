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
// Storage in the browser: the wallet (credentials, holder secret and
// master secret, credential/wallet's format under the passphrase) in
// IndexedDB; the proving key and compiled circuit in the Cache API under a
// URL naming the circuit digest, so they are downloaded once. The wallet
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
// serves everything at the root of an origin. Sizes and times are in the
// example's README section (examples/webwallet).
package webwallet
