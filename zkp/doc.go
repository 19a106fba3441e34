// Package zkp makes and checks zero-knowledge presentation proofs: a
// citizen's wallet proves facts about a signed credential (package
// credential) to a verifier without showing the credential, and the
// verifier learns only what its request asked for.
//
// # What a proof establishes
//
// One gnark circuit over BN254 serves every schema and every request of up
// to MaxPredicates predicates. A proof that verifies against a Statement
// establishes that the prover knows a credential and a holder secret such
// that:
//
//  1. the issuer whose key the statement names signed the credential's
//     message: EdDSA on BN254's twisted Edwards curve over the Poseidon2
//     commitment to the type, the claims (salted), the disclosure root,
//     the holder binding, the expiry day and the revocation index
//     (credential.Core.Message), and the type is the requested one;
//  2. the prover knows the holder secret whose binding
//     (credential.HolderBinding) the issuer signed, so a credential cannot
//     be lent without the secret;
//  3. the credential is not expired (the verifier's today is at most the
//     signed expiry day, both 64-bit day numbers) and not revoked: the
//     leaf at the signed revocation index is zero in the issuer's 4-ary
//     Poseidon2 revocation tree (credential/revocation, height 16, 2^32 indices) under
//     the statement's root;
//  4. every predicate of the request holds on its claim slot;
//  5. every slot the request discloses holds the value the proof carries;
//  6. the proof's nullifier is Poseidon2(secret, scope) (Nullifier), the
//     same for every proof of one holder in one scope and unlinkable
//     across scopes, so a verifier can refuse a second claim. The scope
//     element is AgencyScope(agency DID, scope name), computed outside the
//     circuit by wallet and verifier alike, so two agencies never share a
//     scope and never receive the same nullifier for one holder.
//
// # Version 2
//
// Presentation proofs v2 (StatementV2, RequestV2, HoldingV2, ProveV2,
// VerifyV2, VerifyBatchV2) replace v1 as what the library proves with;
// the v1 API above stays until every caller has moved. One v2 circuit
// serves every schema; it is compiled in one shape per number of
// credentials N = 1, 2, 3 (ShapeV2), each with its own keys registered
// under its own name ("civicproof/presentation/v2-n1/groth16" …), so a
// one-credential request never pays for three. A v2 proof that verifies
// against a StatementV2 of N credentials establishes that the prover
// knows a holder secret s and N credentials such that:
//
//  1. one holder: the holder binding each issuer signed is
//     H(TagHolder, s) (credential.HolderBinding), the same s for all N, so
//     credentials of two holders cannot be combined;
//  2. signed: credential i's message v2 (credential.Core.MessageV2: its
//     type, salt, claim slots, disclosure root, holder binding, expiry day,
//     revocation index and issuance day) carries a valid EdDSA signature
//     by a key A_i, and its type is the requested type i;
//  3. accredited: the leaf H(TagIssuerLeaf, A_i, From, Until,
//     RevocationRoot) is in the type's issuer set, the 4-ary Poseidon2
//     tree of internal/issuerset (4 levels, 256 keys), under the root the
//     statement names for type i (IssuerSets[i], from the ledger);
//  4. valid when issued: From ≤ IssuanceDay ≤ Until (64-bit days; a key
//     rotated out or suspended keeps signing nothing new, what it signed
//     while current stays provable);
//  5. not expired: the verifier's today is at most the signed expiry day;
//  6. not revoked: the leaf at the signed revocation index is zero in the
//     issuer's revocation tree (credential/revocation, 16 levels, 2^32
//     indices) under the RevocationRoot of that issuer's leaf, so the
//     revocation root is the one the ledger put in the issuer set, not one
//     the verifier has to look up per issuer;
//  7. issuer form, per credential: in the issuer-revealing form the proof
//     carries A_i as a disclosed value and the circuit constrains it equal
//     to the leaf's key; in the issuer-hiding form those values are zero
//     and the verifier learns only items 2–6 of some accredited key;
//  8. every predicate holds: K = MaxPredicates = 4 positions in total over
//     the N credentials, each naming (credential, slot), lowered as in v1;
//  9. every slot the request discloses, per credential, holds the value
//     the proof carries;
//  10. the nullifier is H(TagNullifier, s, scope), once per proof.
//
// Nothing makes the N credentials distinct: a request that names one type
// twice can be answered with one credential twice.
//
// The in-circuit EdDSA check is the cofactored equation of gnark's
// std/signature/eddsa, [8]([S]G − [H(R, A, msg)]A − R) = O, computed with
// two cheaper scalar multiplications (a fixed-base one for [S]G, S taken
// as 252 bits; a windowed one for [H]A, H by its canonical bits) and
// without eddsa.Verify's S < ℓ test: that test makes signatures
// non-malleable for whoever sees them, while here the signature is a
// private witness and (R, S) satisfies the equation exactly when
// (R, S mod ℓ) does.
//
// The public input is again one Poseidon2 digest, zkhash.Hash with tag
// TagStatementV2, of, in this order:
//
//	Today, Scope, Flags,
//	for each credential i: Type_i, IssuerSet_i,
//	for each of the K = 4 predicate positions: Meta, Vals[0], …, Vals[7],
//	zeros up to a multiple of zkhash.Rate (15): 45 values for N = 1, 2, 3,
//	then Nonce, Nullifier,
//	for each credential i: IssuerX_i, IssuerY_i, Disclosed_i[0], …, Disclosed_i[15]
//
// where Flags has credential i's disclosure mask at bit 17i and its
// reveal bit at bit 17i+16, Meta = slot + 16·credential + 64·range +
// 128·set + 256·ne, Vals are a range's bounds (Vals[0], Vals[1]), a set
// (padded as in v1) or the value Ne excludes (Vals[0]), and unused
// positions and values not disclosed or revealed are zero (65, 83 and
// 101 values for N = 1, 2, 3). The first part is what the verifier fixes
// per request and day; the verifier keeps the sponge state after it
// (zkhash.Sponge, a bounded cache keyed by the prefix itself, safe for
// concurrent use) and hashes only the per-proof part (two permutations
// for N = 1 instead of five) in VerifyV2 and VerifyBatchV2.
//
// A RequestV2 encodes as "CPRQ" version 2 (RequestV2.MarshalBinary): the
// number of credentials, per credential its type, mask and issuer form,
// the nonce and scope, then the predicates, each naming its credential;
// its JSON form is Request's with a "credentials" list ({"type",
// "disclose", "revealIssuer"}) and a "cred" per predicate. A ProofV2
// encodes as
//
//	"CPZ2" | backend (1) | N (1) | key fingerprint (32) | nullifier (32)
//	| per credential: issuer-set root (32) | form (1) | mask (2)
//	  | key X, Y (64, revealing form only) | 32 bytes per disclosed slot
//	| backend proof (Groth16: 256 bytes, or 128 compressed)
//
// (361 bytes for one hidden-issuer credential disclosing nothing, 233
// with compressed points; see Point encodings); its
// JSON form is {"shape", "fingerprint", "proof": hex of the binary form}.
// InspectV2 reads the shape, fingerprint and issuer-set roots without
// verifying, so a verifier can pick the key and refuse stale roots first.
// Both decoders are strict (canonical elements, known forms, a revealed
// key on the curve, no trailing data, bounded size) and fuzzed
// (fuzz_v2_test.go). Keys of v2 shapes encode as "CPVK" version 2 (the
// backend, circuit version and N follow the version byte), constraint
// systems as "CPCS" version 2 (WriteConstraintSystemShape); key caches
// name v2 files "<backend>-v2n<N>-<digest>.pk" (KeyCache.LoadOrSetupShapeUnsafe);
// production Groth16 keys of a v2 shape come from NewCeremonyShape, whose
// transcript names the shape (VerifyTranscriptShape). The Solidity
// verifier of a v2 key is the same contract (one public input):
// ProofV2.MarshalSolidity and StatementInputV2 give its arguments.
//
// Sizes (testdata/constraints.csv; revocation trees of 2^32): v1 16,553
// R1CS; v2 N = 1 15,986, N = 2 28,589, N = 3 41,192 (budgets 20,000 and
// 45,000); PLONK 52,466 (v1) and 53,271, 91,500, 129,729 (v2). One
// credential's core in v2 (signature, issuer-set path, window,
// revocation path) is 11,869 constraints. The v2 signature check splits
// its two scalar multiplications (fixed-base windows for [S]G, a 2-bit
// windowed double-and-add for [H]A: about 4,430 constraints against 5,330 for
// gnark's joint double-and-add), which keeps N = 1 under 2^14
// constraints, so its Groth16 FFT domain and H-query are half the size.
//
// Measured on the shared 2-core machine under heavy load (load average
// 10–12; absolute times are several times the quiet figures below, ratios
// are what to read), with
//
//	go test ./zkp -run '^$' -bench '^BenchmarkProveV1V2$' -benchtime 5x -cpu 2
//	go test ./zkp -run '^$' -bench '^BenchmarkVerify$/^groth16$' -benchtime 50x -cpu 1
//	go test ./zkp -run '^$' -bench '^Benchmark(VerifyV2|VerifyBatch|VerifyBatchV2|DigestV2)$' -benchtime 50x -cpu 1
//
// Groth16 Prove in one run: v1 2.03 s, v2 N = 1 2.40 s (1.18×; an
// earlier run under load 14–17 gave 3.32 s against 3.33 s), N = 2 2.44 s,
// N = 3 4.00 s. Verify: v1 5.0 ms, v2 N = 1 2.9 ms. Batches of 64 on one
// core: v1 765 proofs/s, v2 N = 1 905 proofs/s. The v2 statement digest
// costs 0.39 ms with the cached prefix against 0.96 ms hashed in full
// (BenchmarkDigestV2); the CPU profile of a v2 batch puts about a third of
// each proof's cost in the digest, the rest in the subgroup-checked point
// decoding and the pairing part. A proof is 256 bytes of Groth16
// (uncompressed points, see Point encodings; these figures were measured
// with compressed ones) plus its envelope: 393 bytes for one credential
// disclosing one slot, 428 and 463 bytes for two and three (128 fewer
// each with compressed points).
//
// The design DESIGN.md asks to weigh, a per-type tree of issued
// credential commitments (2^32 leaves, a leaf changing when its
// credential is revoked or superseded), would replace that core with the
// message hash and one 16-level path: 5,464 constraints
// (alternativeCircuit in the tests), 7,303 fewer per credential. v2 keeps
// the issuer set anyway: its root changes only when a key is accredited,
// rotated or suspended or an agency publishes a revocation root, not on
// each of the nation's issuances, so proofs are made against a root that
// stays stable for days and a holder needs no path refresh after
// every issuance of its type (a refresh the holder would have to fetch
// without revealing its leaf to the node it asks), and the ledger needs
// no per-type tree write on every issuance.
//
// # The public input
//
// The circuit has a single public input, a Poseidon2 digest of every
// public value (civicproof's Poseidon2 hash H, as package credential
// defines it, with the statement's own tag), so Groth16
// verification costs the same whatever the request asks. Its preimage is,
// in this order (69 field elements):
//
//	IssuerX, IssuerY, Type, Today, Root, Nonce, Scope, Nullifier, Mask,
//	Disclosed[0], …, Disclosed[15],
//	for each of the K = 4 predicate positions: Meta, Lo, Hi, Set[0], …, Set[7]
//
// where Mask has bit i set when slot i is disclosed, Disclosed[i] is zero
// for slots not disclosed, Meta = slot + 16·range + 32·set + 64·ne, and
// unused predicate positions are all zero. Inside the circuit these values
// are private wires constrained to hash to the digest. The verifier
// computes the digest from its own statement and the nullifier and
// disclosed values the proof carries (Verify), so it never trusts a value
// it did not choose or check.
//
// # Predicates
//
// A Predicate is lowered to one of three circuit forms (Predicate.lower):
//
//   - Ordered operators become an inclusive 64-bit range [lo, hi], checked
//     by v − lo and hi − v both fitting in 64 bits: Lt A is [0, A−1] (A > 0),
//     Le A is [0, A], Gt A is [A+1, 2⁶⁴−1] (A < 2⁶⁴−1), Ge A is [A, 2⁶⁴−1]
//     and InRange is [A, B] (A ≤ B). They apply to ordered slot values:
//     credential.DayValue, credential.IntValue (order-preserving for signed
//     integers) and unsigned numbers.
//   - Eq is a one-value set; InSet takes 1 to MaxSetSize (8) values,
//     padded to 8 by repeating the last, and is checked by the product of
//     (v − sᵢ) being zero. Hashed strings (credential.HashString) compare
//     this way.
//   - Ne is v − Set[0] ≠ 0.
//
// A request the circuit cannot express (more than four predicates, a slot
// out of range, an empty range, a bound on a set operator, …) is refused
// with ErrInvalidStatement before anything is proven.
//
// # Encodings
//
// A Proof encodes (MarshalBinary) as
//
//	"CPZ1" | backend (1) | verifying-key fingerprint (32) | revocation root (32)
//	| nullifier (32) | disclosure mask (2) | one 32-byte value per disclosed
//	slot | backend proof
//
// with field elements big-endian and canonical. The backend proof is
// Groth16's A, B, C compressed (128 bytes, as Prove writes them) or
// uncompressed (256 bytes; see Point encodings), or gnark's PLONK
// encoding (520 bytes here). A Groth16 proof from Prove is 231 bytes when
// nothing is disclosed and 32 bytes more per disclosed slot; its JSON
// form carries the same bytes in hex. Inspect reads the header (backend, fingerprint, root)
// without verifying, so a verifier can pick the key and the root first.
//
// A Request encodes as "CPRQ" version 1 (Request.MarshalBinary) or as JSON
// with field elements in 64 lowercase hex digits and operators by name;
// both decoders are strict (canonical elements, no trailing data, only
// requests the circuit can express). A Statement is never encoded: its
// encoding methods refuse with ErrInvalidStatement, since the verifier
// assembles it from its own trusted inputs.
//
// Decoders of proofs, requests, verifying keys and proving keys are
// fuzzed (fuzz_test.go, keyguard_test.go); a verifying key's length
// fields are checked against its size before gnark decodes it.
// ReadProvingKey trusts its input's points (it skips subgroup checks for
// speed): load proving keys only from a trusted store. Its length fields
// are bounded all the same (every vector, wire count and domain at most
// 2^19, four times the largest shape's domain), so a damaged or truncated
// key file is refused with ErrMalformed instead of making gnark allocate
// what a length says.
//
// # Point encodings
//
// A Groth16 backend proof is A||B||C in one of gnark-crypto's two point
// encodings: compressed (x and a sign in the top bits, A 32 | B 64 | C 32
// = 128 bytes) or uncompressed (x and y, A 64 | B 128 | C 64 = 256
// bytes, the coordinates iden3's snarkjs proofs and the EVM carry). The
// length names the form, and every point's flag (the top two bits of its
// first byte, 00 for uncompressed) must agree with it: a proof mixing the
// forms, or of any other length, is refused with ErrMalformed, as is a
// point that does not fill its slot exactly. Either form is checked the
// same way (points on the curve, B in G2; the batch path checks the B
// points together), and the point at infinity decodes in either form as
// it always has (a proof with A, B or C at infinity fails with
// ErrBadProof).
//
// ProveV2 writes uncompressed points: 128 more bytes per proof, against
// the three square roots a compressed proof costs every verifier, about
// 21 µs a proof (5 µs for A and for C, 11 µs for B, measured with
// gnark-crypto's SetBytes). BenchmarkGroth16Proofs decodes a batch of 64
// in 27 µs a proof uncompressed against 52 µs compressed:
//
//	go test ./zkp -run '^$' -bench Groth16Proofs -benchtime 200x -cpu 1 -count 3
//
// Prove keeps writing v1 proofs compressed, the form of the existing v1
// fixtures (the EVM calldata fixture among them); compressed proofs, v1
// or v2, are still accepted.
//
// # Backends and keys
//
// Groth16 is the default: the smallest proofs, the fastest verification,
// and a verifying key of 370 bytes; its keys are specific to the circuit.
// PLONK needs only a universal KZG setup, at the price of a circuit about
// three times larger in constraints, proving about ten times slower, and a
// proof about 2.5 times larger (measured figures below).
//
// A VerifyingKey's Fingerprint is SHA-256("civicproof/zkp/verifying-key/v1"
// || 0x00 || MarshalBinary()). Agencies register official keys on the
// ledger under Backend.Shape() ("civicproof/presentation/v1/groth16" or
// ".../plonk") with that fingerprint; every proof names the fingerprint of
// the key it was made for, and Verify refuses a proof made for another key
// or backend with ErrWrongKey. CircuitDigest identifies the compiled
// circuit, for caches of proving keys. testdata/constraints.csv pins the
// constraint counts: a test fails when the circuit changes size, so that
// a change of the circuit (and hence of every key) is deliberate.
//
// Prove compiles the circuit on first use (about 1 s in WebAssembly). A
// wallet that cannot afford it loads the compiled constraint system
// instead: WriteConstraintSystem writes it (1.4 MB for Groth16) with its
// circuit digest, and LoadConstraintSystem installs it for the process
// after checking it against a digest the wallet trusts, refusing any other
// with ErrCircuitMismatch (17 ms natively,
// go test ./zkp -run '^$' -bench LoadConstraintSystem -benchtime 3x).
// The zkp package and what it imports build for GOOS=js GOARCH=wasm.
//
// SetupUnsafe makes a key pair in one process; whoever runs it could keep
// the setup's secret and forge proofs, so it is for tests and demos.
// Production Groth16 keys come from a Ceremony, gnark's multi-party setup
// (powers of τ, then the circuit-specific phase), safe if any one
// contributor of each phase discards its randomness; each phase is sealed
// with a public random beacon, and anyone can check the published
// transcript with VerifyTranscript and obtain the same verifying key and
// fingerprint. PLONK keys for production would use a public KZG SRS from
// an existing powers-of-τ ceremony; loading one is not implemented here.
//
// # On-chain verification
//
// VerifyingKey.ExportSolidity writes gnark's Groth16 verifier contract;
// its verifyProof(bytes proof, uint256[1] input) takes
// Proof.MarshalSolidity (256 bytes: A, B, C uncompressed in EIP-197 order)
// and StatementInput (the statement digest for this statement and proof,
// 32 bytes), so an EVM caller needs nothing else. interop/test/evm.test.js
// compiles the exported contract with solc-js 0.8.37, deploys it in
// @ethereumjs/vm 10.1.3 (Cancun) and checks that a real proof is accepted
// and a tampered proof or input refused: verifyProof costs 196,202 gas of
// execution (about 214,650 for the whole transaction, whose calldata is
// 356 bytes; the exact figure moves by a few gas with the number of zero
// bytes in the proof); the contract is about 5 KB, deployed for about 1.13
// million gas.
//
// # Batch verification
//
// VerifyBatch checks many Groth16 proofs under one key with one
// multi-pairing over a random linear combination (coefficients of 127
// random bits from crypto/rand, so that a bad proof passes with probability at most
// 2⁻¹²⁷; see VerifyBatch for the equation and the argument), and falls
// back to checking each proof alone when the combination fails, so a
// refused proof is always refused by Verify's own check and reported with
// Verify's sentinels. A prover who cannot predict the coefficients cannot
// make two bad proofs cancel (TestVerifyBatchCoefficients shows that
// equal coefficients would let them). One bad proof costs the batch its
// speed-up: the batch check, then one check per proof.
//
// The batch path does once per batch what a single check does per proof:
// the B points' subgroup checks (gnark-crypto's test, the seed
// multiplication in affine coordinates with one shared inversion per
// step), their Miller-loop lines (evaluated by MillerLoopFixedQ together
// with the key's −δ, −γ, β lines, computed once per key) and the products
// rᵢAᵢ = [aᵢ]Aᵢ + [bᵢ]φ(Aᵢ) (coefficients drawn in GLV form, see
// VerifyBatch: two 64-bit halves in width-5 signed windows sharing their
// doublings, over tables made affine together); the
// digest's width-16 Poseidon2 permutation runs on 16-lane vectors
// (package zkhash), and the digests of a batch are finished together
// (zkhash.SumAll: the permutations of all the batch's statements on
// vectors across the batch, 35 µs a proof against about 50 µs). On an
// idle core,
//
//	go test ./zkp -run '^$' -bench 'VerifyBatchV2/batch=64' -benchtime 200x -cpu 1
//
// gave 3,461–3,516 proofs/s before these changes and 3,969–4,295 after
// (nine runs; about 240 µs a proof: 60 µs Miller loop, 36 µs lines,
// 21 µs rᵢAᵢ, 38–60 µs digest, 47 µs decoding with the subgroup checks),
// against 1,120–1,220 proofs/s for VerifyV2 one at a time. Since ProveV2
// writes uncompressed points (see Point encodings), the same command with
// -count 3, run twice alternately on this code and on the code before the
// change (load average about 1), gave 4,554–4,827 proofs/s against
// 4,038–4,311 (about 212 µs a proof against 234 µs), and VerifyV2 one at
// a time 1,175–1,239 against 1,104–1,195. With the digests finished
// together as well, four runs gave 4,653–4,800 proofs/s; the CPU profile
// of one (4,800/s) puts about 100 µs a proof in the Miller loop and its
// lines, 35 µs in the digest, 28 µs in decoding with the subgroup checks
// and 16 µs in the coefficient products.
//
// # Quiet by default, and a key cache
//
// gnark logs every compile, setup, proof and verification to stdout
// through its package-level logger. zkp silences that logger while its own
// calls into gnark run and restores it afterwards; nothing changes at
// import. LogGnark(true) lets gnark's lines through again.
//
// A KeyCache keeps proving keys on disk under the backend and the
// CircuitDigest, so that a changed circuit never loads an old key; the zero
// KeyCache is the user's cache directory. LoadOrSetupUnsafe loads a key or
// makes one with SetupUnsafe (tests and demos only).
//
// # Measured costs
//
// On a shared 2-core AMD EPYC, with
//
//	go test ./zkp -run '^$' -bench . -benchtime 5x
//
// Groth16: 16,553 R1CS constraints (testdata/constraints.csv); the
// figures that follow were measured with the height-12 revocation tree
// (15,445 R1CS and 49,110 SCS constraints) and not yet re-measured for
// height 16: Prove 173 ms (12 MB allocated);
// Verify 0.77 ms; SetupUnsafe 1.65 s; a proof 263 bytes with one slot
// disclosed; proving key 4.9 MB, read in 7 ms; verifying key 370 bytes,
// parsed in 0.44 ms. PLONK: 52,466 SCS constraints; Prove 1.69 s (265 MB
// allocated); Verify 1.39 ms; a proof 655 bytes with one slot disclosed;
// proving key 8.5 MB, read in 13 ms; verifying key 34,350 bytes, parsed
// in 0.27 ms. Inspect: 0.6 µs.
//
// Ceremony of the Groth16 keys (domain 2¹⁵ since the height-16 tree; the
// figures below were measured at 2¹⁴ and roughly double at 2¹⁵), with
//
//	CIVICPROOF_FULL_CEREMONY=1 go test ./zkp -run TestCeremonyPresentation -v
//
// a phase-1 contribution takes 4 s and adds 3.1 MB to the transcript;
// SealPhase1 after three contributions 42 s (mostly gnark's phase-2
// initialisation); a phase-2 contribution 0.7 s and 1.0 MB; Finish 1.4 s;
// VerifyTranscript of the resulting 12.5 MB transcript 42 s.
package zkp
