package credential

import "errors"

// Sentinel errors. Errors returned by this package wrap one or more of these
// (test with errors.Is) together with a message naming the step that failed.
var (
	// ErrInvalidSchema is returned for a schema that breaks a rule of
	// NewSchema: bad name or version, duplicate claim names or slots, a slot
	// out of range, bounds or enum values that do not fit the claim type.
	ErrInvalidSchema = errors.New("credential: invalid schema")

	// ErrInvalidClaim is returned for claims that do not fit their schema.
	// It is always returned together with one of ErrUnknownClaim,
	// ErrMissingClaim, ErrClaimType or ErrClaimRange saying what was wrong.
	ErrInvalidClaim = errors.New("credential: invalid claim")
	// ErrUnknownClaim: a claim name the schema does not define.
	ErrUnknownClaim = errors.New("credential: unknown claim")
	// ErrMissingClaim: a required claim is absent.
	ErrMissingClaim = errors.New("credential: missing required claim")
	// ErrClaimType: a value of the wrong Go or JSON type for the claim type.
	ErrClaimType = errors.New("credential: wrong claim type")
	// ErrClaimRange: a value outside the claim's range, enum list or length.
	ErrClaimRange = errors.New("credential: claim out of range")

	// ErrMalformed is returned when decoding a credential document, a
	// disclosure or a status list that is not well formed or whose parts
	// contradict each other (claims that do not match the schema, a schema
	// that does not match its hash, bad field-element or signature encodings).
	ErrMalformed = errors.New("credential: malformed document")

	// ErrExpired is returned for a credential whose validUntil day is before
	// the verifier's today.
	ErrExpired = errors.New("credential: expired")
	// ErrNotYetValid is returned for a credential whose validFrom is after
	// the verifier's clock.
	ErrNotYetValid = errors.New("credential: not yet valid")
	// ErrRevoked is returned for a credential revoked under the issuer's
	// latest published revocation root.
	ErrRevoked = errors.New("credential: revoked")
	// ErrStaleRoot is returned when the issuer's latest published revocation
	// root is older than the verifier's MaxRootAge, or when a revocation
	// witness was computed for a different root.
	ErrStaleRoot = errors.New("credential: revocation root too old")
	// ErrNotAccredited is returned when the issuer was not accredited for
	// the credential type at the ledger position where the credential was
	// anchored.
	ErrNotAccredited = errors.New("credential: issuer not accredited for this type")
	// ErrNotAnchored is returned when the ledger holds no credential-issued
	// record for the credential's commitment.
	ErrNotAnchored = errors.New("credential: issuance not anchored on the ledger")
	// ErrUnknownIssuer is returned when the ledger does not know the issuer's
	// key set, or the credential names a ZK key other than the issuer's.
	ErrUnknownIssuer = errors.New("credential: unknown issuer key")
	// ErrIndexExhausted is returned when a revocation registry cannot find a
	// free revocation index.
	ErrIndexExhausted = errors.New("credential: no free revocation index")
)

// ErrHolderMismatch is returned when a holder secret is not the one a
// credential is bound to.
var ErrHolderMismatch = errors.New("credential: holder secret does not match the credential's binding")

// ErrInvalidRequest is returned for an issuance request that cannot be
// signed: zero holder binding, bad holder DID, validUntil before issuance,
// revocation index out of range.
var ErrInvalidRequest = errors.New("credential: invalid issuance request")

var (
	// ErrUnknownIndex is returned when revoking an index the registry never
	// handed out.
	ErrUnknownIndex = errors.New("credential: unknown revocation index")
	// ErrCorruptRegistry is returned when a registry file does not decode.
	ErrCorruptRegistry = errors.New("credential: registry file corrupt")
	// ErrBadWitness is returned when a revocation witness does not lead to
	// the issuer's latest published root (computed for another root: the
	// holder must refresh it from the issuer's status list).
	ErrBadWitness = errors.New("credential: revocation witness does not match the latest root")
	// ErrSuperseded is returned (with ErrRevoked) for a credential that a
	// correction replaced.
	ErrSuperseded = errors.New("credential: superseded by a corrected credential")
	// ErrSchemaNotRegistered is returned when the ledger holds no
	// schema-register record of the schema's (name, version) with its hash.
	ErrSchemaNotRegistered = errors.New("credential: schema not registered on the ledger")
	// ErrProofMismatch is returned for a document whose proofs disagree:
	// its Data Integrity proof is not by the issuer's own did:key key, or
	// not made at the issuance time, while its BN254 proof names the
	// issuer.
	ErrProofMismatch = errors.New("credential: the document's proofs disagree")
)
