// Package holder is the citizen's agent: it keeps one master secret, from
// which it derives a separate identity for every agency the citizen deals
// with, and uses those pairwise identities for everything it does — being
// issued credentials, giving and withdrawing consent, presenting proofs and
// listing the access log — without the caller choosing a DID. CanAnswer
// tells a wallet, before it asks the citizen to consent, whether a stored
// credential answers a request at all (CanAnswerV2 for a request answered
// by a version 2 proof). Exposure audits a ledger for what
// it shows of the holder: any record carrying a DID an issuer delivered a
// credential to (none, while the identities stay pairwise), and the records
// each pairwise DID signed.
//
// # Pairwise identities
//
// The identity for a counterparty is identity.NewKeyFromSeed(seed) (an
// Ed25519 signing key, its X25519 key and a did:key) with
//
//	seed = HKDF-SHA-256(master, salt = none,
//	                    info = "civicproof/holder/v1/pairwise" 0x00 role 0x00 counterparty DID)
//
// (RFC 5869, crypto/hkdf), where role is "agency" (consent and
// presentations to a verifier) or "issuer" (the subject DID and sealing
// key of credentials an issuer delivers). The master secret is 32 random
// bytes kept in the wallet file and its backups (wallet.Store.MasterSecret),
// so every identity is restored with the backup. A guardian acting for a
// ward signs with its own pairwise identity for the agency and names the
// ward's pairwise DID for the same agency (ConsentOptions.Ward).
//
// The proofs' holder secret (holder binding and nullifier, package zkp)
// stays one secret per wallet, so that one proof can cover several
// credentials of the holder; the nullifier is unlinkable across agencies
// because the scope it is computed in is bound to the requesting agency
// (zkp.AgencyScope).
//
// # Threats guarded against
//
// Linking a citizen across agencies through identifiers: the public
// ledger's consent receipts, withdrawals and access records, and whatever
// each agency receives, carry a different DID for every agency; the DID an
// issuer delivered a credential to never signs consent, so an issuer
// reading the ledger cannot see which agency checked its citizen. The
// linkability test of this package checks this for one citizen, three
// credentials from two issuers and three agencies, value by value.
// Version 1 proofs reveal the issuer's key to the verifier, so the gate
// accepts them only for requests that reveal issuers, and Present given a
// version 1 key refuses any other request before proving
// (consent.ErrMalformed) rather than show the issuer; version 2 proofs
// (below) hide it unless the request reveals issuers, and the linkability
// test proves with them: no agency receives any issuer's DID or key, only
// the public issuer-set root of the credential's type. Not covered:
// every issuer sees the same holder binding (a commitment to the one
// holder secret), so colluding issuers can link their own records of the
// citizen.
//
// # Version 2 requests
//
// A request may ask for up to three credentials (consent.Request.Also),
// answered by one proof that binds them to the same holder secret, and
// hides each credential's issuer unless it sets RevealIssuer. Given a
// proving key of a version 2 shape (zkp.ShapeV2 for the request's number
// of credentials), Present picks one distinct stored credential per
// position, of a type the request and the grant accept there, takes the
// leaf of the key that signed it from its type's current issuer set on
// the ledger (valid on its issuance day, carrying the issuer's latest
// revocation root; consent.HeldV2) with its path, pairs it with the
// stored revocation witness, and proves against those roots. A gate
// accepts a root while it is current and for a window after it is
// superseded (consent.WithMaxSetRootAge, 24 hours by default), so a
// wallet refreshes witnesses (wallet.Store.Refresh) and presents again
// after the issuer set changes; the set's history lets old credentials
// outlive a key rotation without re-issuance.
//
// # Defaults and costs
//
// Grants last DefaultValidity (30 days) with no use limit unless
// ConsentOptions says otherwise. Deriving an identity costs one HKDF and
// one key set derivation (Ed25519, X25519, and the unused ZK key):
// 0.12–0.28 ms on a shared 2-core machine (BenchmarkIdentityFor);
// identities are cached. Present costs
// one Groth16 proof (package zkp).
//
// The package imports no storage engine of its own: Store is satisfied by
// credential/wallet's file store, and a browser wallet can plug in its own.
// It does not yet build for GOOS=js GOARCH=wasm: bbolt does not, and it is
// still imported through package ledger's embedded store and package
// credential's file-backed issuer registry (OpenRegistry). Nothing in this
// package needs either.
package holder
