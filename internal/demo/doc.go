// Package demo holds the helpers shared by civicproof's runnable examples:
// Main (the -dir flag, a temporary directory, exit status 1 with
// "<name> FAILED: <err>"), plain-language narration on stdout with
// numbered steps (Narrator, Step, Run, and Finish: the steps, the timings
// and "<name>: all steps passed."), a progress line on stderr while a
// slow step runs, step timings, and TestRun, the body of each example's
// test.
//
// World is a demo's ledger and governance root (Start opens it and prints
// the demo's banner), with the moves every demo makes on it: registering
// and accrediting agencies, issuers, proving keys of the one-credential
// version 2 presentation circuit (Shape; Keys and KeysStep, cached by
// circuit digest so that a second run skips setup), gates, a credential
// issued into a wallet (Hold, HoldingOf, HoldingV2Of), a consent given and
// anchored after the wallet checked the request (Consent), and the
// wallet's answer under a consent (Prove: status, coverage, a version 2
// proof against the type's issuer set, the issuer hidden unless the
// request reveals it).
//
// Cost: negligible besides the proving-key setup of a first run; the cache
// writes files atomically (temp file + rename) under
// os.UserCacheDir()/civicproof/<fingerprint>.
package demo
