// Package consent makes a citizen's consent enforceable: agencies sign
// presentation requests, citizens sign grants that allow exactly the facts
// a purpose needs, grant receipts are anchored on the ledger, withdrawal
// takes effect for every later verification, and the verifier's gate
// accepts a presentation only under a live grant that covers it, writing
// an access record the citizen can list and check.
//
// # Standards
//
// Purposes and legal bases are W3C Data Privacy Vocabulary (DPV 2.x,
// https://w3id.org/dpv) terms where DPV has one — dpv:ServiceProvision,
// dpv:IdentityVerification, dpv:AgeVerification, dpv:EnforceSecurity, ...;
// dpv:Consent, dpv:LegalObligation, dpv:VitalInterest, and dpv-gdpr:A6-1-e
// for a public task — and documented civicproof terms otherwise
// (civicproof:BenefitEligibility, civicproof:ResidenceCheck, ...; see
// Purpose). A grant moves through the DPV consent lifecycle (State):
// requested, given, refused, withdrawn by the citizen, revoked by the
// agency, expired. Receipts carry the fields of ISO/IEC TS 27560 and the
// Kantara Consent Receipt Specification where they fit, canonicalized with
// RFC 8785 (JCS) and hashed with SHA-256.
//
// # Objects
//
//   - Request: agency DID, purpose, legal basis, notice version and hash,
//     what it asks of each credential (a Query: accepted credential types,
//     disclosed slots, predicates — the first credential's in Types,
//     Disclose and Predicates, up to two more in Also; MaxCredentials
//     credentials and MaxPredicates predicates in all, answered by one
//     proof of one holder), the issuer choice (hidden by default:
//     RevealIssuer asks the holder to name and prove each issuer),
//     nullifier scope name, 32-byte nonce, issue and expiry times; signed
//     by the agency under the identity domain "consent.request". The
//     proof's scope is the name bound to the agency (ZKScope,
//     zkp.AgencyScope), so an agency asking in another agency's scope name
//     gets nullifiers unrelated to that agency's.
//   - Grant: citizen DID (pairwise per agency), optional guardian, agency,
//     purpose, legal basis, notice, the types, disclosures and predicates
//     allowed at each credential position (the same shape as a request:
//     Also for positions 2 and 3, parts named with PartAt), whether
//     issuers may be revealed, the one nullifier scope it covers, validity window,
//     optional use limit, random salt; signed by
//     the citizen or guardian ("consent.grant"). Its id is
//     ledger.GrantID(citizen, SHA-256 of its canonical bytes), so it
//     commits to the citizen and the ledger refuses its receipt from anyone
//     else; its Receipt's hash is anchored with a consent-receipt ledger
//     record (Anchor).
//   - Presentation: the zero-knowledge proof, the grant it relies on, the
//     type of each credential proven (and its issuer, only when the
//     request reveals issuers), and the grant signer's signature over
//     request, grant and proof ("consent.presentation"), so only the
//     grant's holder can use it.
//
// Each has a compact binary encoding (magic, version, fields in fixed
// order; the signed bytes) and a JSON form. Decoders are strict — unknown
// fields, trailing data, unsorted or duplicate sets and non-canonical
// encodings are refused with ErrMalformed — and never panic. Requests and
// grants of several credentials or with issuers hidden are written in
// format version 3; those of one credential revealing the issuer keep
// format version 2 byte for byte (and their receipts version 2), so
// signatures, ids and receipts made before version 3 stay valid
// (testdata/vectors-format2.json); version 1 is refused.
//
// # Presentation proofs, version 1 and version 2
//
// A version 2 proof (package zkp's v2 circuit, one compiled shape per
// number of credentials) covers every credential of the request at once,
// all bound to the same holder secret, with one nullifier. For each
// credential it shows that the signing key is a leaf of the issuer-set
// root of the credential's type — the ledger's Poseidon2 tree of the keys
// accredited for the type, each with its validity window and its issuer's
// revocation root — that the key was valid on the credential's issuance
// day, and that the credential is not revoked under that leaf's root.
// With the issuer hidden (the default) the verifier learns only the set
// root: which agency issued the credential stays private, and a key
// rotation does not invalidate what the old key signed while it was
// current. With RevealIssuer the proof also carries the signing key and
// the presentation names the issuer.
//
// A version 1 proof covers one credential, carries its issuer's key and
// is made against that issuer's latest revocation root. Until version 1
// keys are retired it still answers a one-credential request that
// reveals the issuer (RevealIssuer), and only such a request: the gate
// refuses a presentation that names an issuer — as every version 1
// presentation does — for a request that hides issuers (ErrMalformed),
// before reading the proof, and Present refuses to prove for such a
// request (ErrMalformed: answer it with PresentV2). Its issuer's key rotation still requires
// re-issuing: a version 1 proof does not show that its key was valid
// when the credential was issued.
//
// # Checks
//
// Covers is the wallet's check before proving: it names exactly what a
// grant lacks (a *CoverageError listing missing types, disclosures and
// predicates, or purpose, agency, expiry, withdrawal, use limit).
// Predicates must match exactly: consent to "age >= 18" is not consent to
// "age >= 21".
//
// Gate.Verify is the agency's single check of a presentation: request,
// nonce (issued and unused), the credential types (at each position one
// the request lists there: ErrTypeNotRequested otherwise — a grant
// narrows what the citizen allows and never widens what the request
// asks), grant signature and ledger status, coverage position by
// position, the official verifying key, then for a version 2 proof each
// credential's issuer-set root — one the ledger has had for the type,
// current or superseded less than WithMaxSetRootAge ago (default 24
// hours; ErrStaleRoot otherwise) — with no lookup of an issuer when
// issuers are hidden (the root proves accreditation and the key's
// window), and when they are revealed the named issuer's accreditation
// (ErrNotAccredited) and that the proven key is one of its keys; for a
// version 1 proof the issuer's accreditation and its revocation root's
// freshness (WithMaxRootAge); the zero-knowledge proof (ZKSystem, over
// package zkp's circuits), and the nullifier policy: one claim per scope by default (ErrNullifierUsed), or
// repeats allowed and recorded (WithNullifierPolicy). Every
// refusal has its own sentinel error; gate state changes and the
// access-record is written only when all checks pass. Cheap checks run
// before the proof, so malformed or unauthorized presentations cost little.
//
// Gate.VerifyBatch checks many presentations at once: each pair gets
// Verify's checks before the proof, the surviving proofs are verified
// together (ZKSystem: one multi-pairing per verifying key with random
// coefficients of 127 random bits, zkp.VerifyBatch, falling back to one-by-one to
// find a bad proof), and the accepted ones are committed in batch order,
// so the nonce, use-limit and nullifier rules hold within a batch (a
// repeated nonce is ErrReplay, a repeated nullifier ErrNullifierUsed).
// Each pair gets its own result or error with Verify's sentinels; a
// refused pair changes nothing. On one core of this 2-core machine with
// nothing else running,
//
//	go test ./consent -run '^$' -bench 'GateVerifyBatchV2/batch=64' -benchtime 12x -cpu 1 -count 3
//
// gives, for real one-credential version 2 proofs in batches of 64 (the
// ledger append left out), 3,473 to 3,877 presentations/s over six runs,
// median about 3,510: above the target of 3,000 per core in every run.
// Before the four changes below, nine runs gave 2,087 to 3,105, median
// about 2,870. Each saves a share of the then 350 µs a presentation:
//
//   - version 2 proofs carry uncompressed points (zkp, Point encodings),
//     so decoding takes no square roots: about 22 µs;
//   - the statement digests of a batch are finished together
//     (zkhash.SumAll computes their width-16 Poseidon2 permutations on
//     vectors across the batch): about 15–20 µs;
//   - Ed25519 signing and verification run on curve25519-voi (package
//     identity, same accept/refuse answers as crypto/ed25519): the
//     presentation's check 41 → 28 µs, the access record's signature
//     17.5 → 10.3 µs;
//   - the gate computes a presentation's request and grant ids once.
//
// Of the remaining 260–290 µs, zkp.VerifyBatchV2 takes about 210 µs
// (4,650–4,800 proofs/s alone, BenchmarkVerifyBatchV2: the Miller loop
// and its lines about 100 µs, decoding with the batched subgroup checks
// about 28 µs, the digest about 35 µs, the coefficient products about
// 16 µs) and the gate's own checks and access record the rest
// (BenchmarkGate/gate/overhead-only, presentations one at a time with
// their proof results replayed: 72 µs).
//
// Version 1 proofs are checked against the issuer's current ZK key: after
// an issuer rotates its key, holders of its credentials need them
// re-issued or a version 2 proof, whose issuer-set leaf limits the old key
// to the days it was current (a key rotated out as compromised leaves the
// set at once).
//
// # Threats guarded against
//
// An agency asking for more than the citizen agreed to, or for another
// purpose; a holder answering with a credential type the request did not
// ask for (a diploma's slot 0 is not a birth date); use after withdrawal, expiry or exhaustion of a use limit;
// replay of a presentation; a stolen grant (the presentation must be
// signed by the grant's signer); a guardian without a guardianship record;
// credentials of non-accredited issuers, proofs for unofficial keys, stale
// revocation roots; double claims within a scope; an agency linking a
// citizen across agencies by asking in another agency's scope name (the
// scope is bound to the requesting agency, and a grant covers only the
// scope it names: ErrScopeMismatch; cases in testdata/scope); an agency
// learning which issuer (which registry, which clinic) a credential comes
// from, unless the request says so and the citizen consents
// (Grant.RevealIssuer). Nothing personal reaches
// the ledger: grant ids and receipt hashes, statement hashes (request id,
// types, issuers when named, proof hash — no claim values) and hashed
// nullifiers.
//
// # Cost
//
// Measured on a shared 2-core AMD EPYC (BenchmarkGate, Groth16 on BN254):
// the gate's own checks — request, nonce, presentation signature, grant
// status, coverage, accreditation, key and root lookups, signing the
// access record — take about 65 µs per presentation, under 10% of one
// Groth16 verification (0.65–0.72 ms). Appending the access record adds
// about 0.1 ms on the in-memory ledger and about 0.5 ms on the durable
// embedded ledger (an fsync per group commit, shared by concurrent
// verifications). A grant's signature and anchored receipt are checked
// once per gate, then remembered; requests the gate issued are recognized
// by their id instead of re-verifying the gate's own signature.
//
// With proofs of the full presentation circuit (BenchmarkGateReal, quiet
// machine): bare Groth16 verification 0.73 ms; the gate's own checks
// (BenchmarkGate/gate/overhead-only, proof results replayed) 69 µs, 9.5%
// of it, mostly the presentation's Ed25519 signature check and the signing
// of the access record; the full gate on the in-memory ledger about
// 1.0 ms, about 1,000 presentations/s per core. Measured again after
// Ed25519 moved to curve25519-voi, on the shared machine: overhead-only
// 72 µs over three runs (88–105 µs just before, in the same conditions).
//
// The wallet side is Present (a version 1 proof, for requests that
// reveal the issuer) and PresentV2 (a version
// 2 proof of the request's credentials, built with HeldV2 from the
// ledger's issuer sets, or, in a wallet without the ledger's state, with
// HeldV2From from a type's whole set as IssuerSetOf exports it — package
// httpapi serves it — after rebuilding its root; CanAnswerV2 checks
// without proving): each proves
// with a zkp.ProvingKey and signs the presentation; check coverage first
// with CheckRequest.
package consent
