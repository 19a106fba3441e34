// Package sdjwt issues civicproof credentials as SD-JWT VCs and verifies
// their presentations, for holders and verifiers outside the
// zero-knowledge world.
//
// Standards: RFC 9901 (Selective Disclosure for JWTs, SD-JWT) and the IETF
// SD-JWT-based Verifiable Credentials draft (SD-JWT VC: typ "dc+sd-jwt",
// "vct", "cnf"). The JWS layer (EdDSA over Ed25519, RFC 8037) is
// github.com/go-jose/go-jose/v4; only the SD-JWT layer (disclosures,
// digests, key binding) is written here.
//
// Issue turns an issued credential.Credential into an SD-JWT VC signed by
// the issuer's Ed25519 key (its did:key): each claim is a salted
// disclosure, the holder's Ed25519 key is bound in "cnf", and the
// credential's ledger anchor ("jti") and revocation index ("status") are
// always visible. The holder's Credential.Present reveals a chosen subset
// and adds a Key Binding JWT over the verifier's audience and nonce and
// the presented SD-JWT (sd_hash). VerifyPresentation checks everything a
// self-contained verifier can (issuer signature by a trusted did:key,
// disclosures, key binding, validity); Verifier.Verify adds the ledger:
// the anchor, the issuer's accreditation and the revocation state, with
// the holder's revocation witness, exactly as credential.Verifier.Verify.
//
// Threats guarded against: altered or invented claims (each disclosure's
// digest must be in the signed "_sd"), replay of a presentation to another
// verifier or later (aud, nonce, iat window), presentation by someone
// other than the holder (key binding), revoked or superseded credentials
// (ledger), oversized input (caps on sizes and counts). Not guarded: an
// SD-JWT VC is linkable across presentations (same signature, same jti);
// use the zero-knowledge presentations of package zkp where that matters.
//
// Defaults: salts of 128 bits from crypto/rand; a Key Binding JWT older
// than five minutes (or more than one minute in the future) is refused.
//
// Interoperability (interop/test/sdjwt.test.js): @sd-jwt/sd-jwt-vc 0.19.0
// verifies a civicproof presentation (signature, disclosures, key binding
// with nonce and aud), and VerifyPresentation verifies one that
// @sd-jwt/sd-jwt-vc issued and presented.
//
// Costs: for a three-claim credential the issued SD-JWT VC is 1,385 bytes
// and a presentation with one claim and the Key Binding JWT 1,553 bytes
// (1,636 with two). VerifyPresentation of a two-claim presentation took
// 1.1–1.4 ms on a shared 2-core machine under heavy load
// (go test ./credential/sdjwt -run XXX -bench . -benchtime 200x).
package sdjwt
