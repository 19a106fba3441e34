// Package credential turns an agency's records about a citizen into
// verifiable credentials the citizen holds and can later prove facts about.
//
// # Standards
//
//   - W3C Verifiable Credentials Data Model 2.0: a Credential's JSON form is
//     a VC 2.0 document (@context https://www.w3.org/ns/credentials/v2 and
//     https://w3id.org/civicproof/v1, type, issuer, validFrom, validUntil,
//     credentialSchema, credentialSubject, credentialStatus, proof).
//   - W3C VC Data Integrity 1.0 and its EdDSA Cryptosuites 1.0
//     (eddsa-jcs-2022): the document's proof set holds a DataIntegrityProof
//     by the issuer's Ed25519 key (its did:key Multikey id, proofPurpose
//     assertionMethod) beside the BN254 proof, so any W3C verifier checks
//     it (interop/ checks it with @digitalbazaar/vc 7.3.0).
//     VerifyDataIntegrity verifies eddsa-jcs-2022 documents made by other
//     implementations when their issuer's did:key is trusted.
//     eddsa-rdfc-2022 (RDF canonicalization) is not implemented.
//   - JSON-LD 1.1: the shipped context https://w3id.org/civicproof/v1
//     (contexts/civicproof-v1.jsonld, served offline with the W3C contexts
//     by LoadContext) defines every term civicproof writes; expansion in
//     safe mode drops nothing (checked with jsonld.js 9.0.0).
//   - SD-JWT VC (RFC 9901): package credential/sdjwt issues the same
//     credential as an SD-JWT VC and verifies its presentations.
//   - RFC 8785 (JCS): a Schema's hash is SHA-256 of its canonical JSON.
//   - RFC 9180 (HPKE, through package identity): Seal and Open deliver a
//     credential to its holder.
//   - EdDSA on the twisted Edwards curve over BN254's scalar field with
//     Poseidon2: the issuer's signature is over one field element,
//     Core.Message(), so that a circuit can verify it. Sign also signs
//     Core.MessageV2() (the same commitments plus the issuance day, the
//     claims folded in) for presentation proofs v2; the document carries
//     it as proofValueV2, and ParseCredential checks it against validFrom's
//     day.
//
// H(tag, x₁, …, xₙ) in this documentation is civicproof's one algebraic
// hash, the same outside and inside circuits: Poseidon2 over BN254's
// scalar field with gnark-crypto's parameters, used as a sponge whose
// capacity lane starts at tag·2³² + n, so that every use (claims,
// disclosure leaves, holder binding, strings, type ids…) has its own
// small constant tag and inputs of different lengths never collide.
//
// # Model
//
// A Schema is a named, versioned list of typed claims (date, integer,
// unsigned, bool, enum, string, bytes), each on a fixed one of NumSlots
// slots. Schema.Encode turns claims into Slots deterministically (see
// ClaimDef.Encode; dates are days since 1970-01-01 and integers are
// order-preserving 64-bit values, so a proof can compare them; strings and
// bytes are hashed with HashBytes; absent claims hold AbsentValue). Bad
// claims are refused with ErrInvalidClaim before anything is signed.
//
// The holder keeps a secret and gives the issuer only HolderBinding(secret).
// Issuer.Issue signs a Core (type id, slots, salts, holder binding, expiry
// day, random revocation index) and anchors the credential on the ledger
// as a hash only (credential-issued record). Verifier.Verify checks the
// signature, the anchor, the issuer's key and accreditation at issuance,
// expiry and revocation against the latest published root. A Registry
// holds the issuer's revocation tree (credential/revocation) and
// Issuer.PublishRevocations publishes its root; Issuer.Supersede corrects a
// credential and links old to new on the ledger. Credential.Disclose
// reveals chosen claims with their salts so that a verifier without a ZK
// verifier can check them (Disclosure). Package credential/wallet keeps the
// holder's secret and credentials encrypted at rest.
//
// # Threats
//
// Forged or altered claims (the issuer's signature covers every slot, each
// salted); issuance by an agency that was not accredited for the type
// (checked on the ledger at the anchor's position); use of revoked,
// corrected or expired credentials; personal data on the ledger (only a
// salted hash is anchored); lending a credential (the holder binding, which
// zero-knowledge presentations check). A Disclosure does not prove
// possession of the holder secret and links all disclosures of one
// credential (same signature and revocation index): use a zero-knowledge
// presentation when that matters.
//
// ValidFrom and the holder DID in the document are not covered by the
// issuer's ZK signature (the Data Integrity proof covers the whole
// document); the trusted issuance time is that of the ledger anchor.
// ParseCredential refuses a document whose two proofs disagree
// (ErrProofMismatch): a Data Integrity proof by another key than the
// issuer's did:key, or made at another time than validFrom.
//
// # Cost
//
// Signing costs one Message (a handful of Poseidon2 permutations: claims
// commitment, 16 disclosure leaves, the disclosure root and the message)
// and one EdDSA signature; issuance adds one fsynced ledger record and,
// with a file registry, one fsynced bbolt transaction. Revoking updates the
// 16 nodes of the leaf's path in the 4-ary revocation tree (height 16,
// 2^32 indices).
//
// Measured on a shared 2-core AMD EPYC (go test ./credential/... -run XXX
// -bench . -benchtime 200x): Sign 0.43 ms, Issue (in-memory ledger and
// registry) 0.88 ms, Issue with a file registry 4.6 ms (two fsyncs),
// Registry.Revoke 0.13 ms (2.6 ms with a file registry), a witness 1 µs,
// ParseCredential (JSON plus signature check) 0.88 ms, Verifier.Verify
// 1.1 ms; revocation.Tree.Revoke 0.19 ms, Witness.Verify 0.16 ms (height
// 12; at height 16, go test ./credential/revocation -run '^$' -bench
// 'Revoke|Verify' -benchtime 2000x under load average 5.6: Revoke 0.44
// ms, Verify 0.19 ms); opening a wallet with the default argon2id
// parameters 106 ms.
//
// The eddsa-jcs-2022 proof adds 481 bytes to a document (3,627 bytes
// compact with both proofs for an eight-claim schema) and one JCS
// canonicalization plus an Ed25519 signature to Sign and to
// ParseCredential. On the same machine under heavy load from other jobs
// (go test ./credential -run XXX -bench 'VerifyDataIntegrity' -benchtime
// 200x), VerifyDataIntegrity of that document took 1.1–1.4 ms.
package credential
