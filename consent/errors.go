package consent

import "errors"

// Errors about encodings and signatures.
var (
	// ErrMalformed is returned for a request, grant or presentation whose
	// encoding or shape is wrong (unknown field, bad length, unsorted or
	// duplicate set, out-of-range slot, trailing bytes, unknown code...).
	ErrMalformed = errors.New("consent: malformed")
	// ErrBadSignature is returned when a request, grant or presentation
	// signature does not verify; the error also wraps identity's
	// ErrBadSignature.
	ErrBadSignature = errors.New("consent: bad signature")
	// ErrExpired is returned for a request past its expiry (or not yet
	// valid).
	ErrExpired = errors.New("consent: request expired")
)

// Errors of the verifier's gate, one per refused condition.
var (
	// ErrForeignRequest: the request was not made by this gate's agency.
	ErrForeignRequest = errors.New("consent: request is not this agency's")
	// ErrUnknownNonce: the request's nonce was never issued by this gate.
	ErrUnknownNonce = errors.New("consent: unknown nonce")
	// ErrReplay: the request's nonce has already been answered.
	ErrReplay = errors.New("consent: nonce already used")
	// ErrTypeNotRequested: the presentation proves a credential type that
	// the request does not ask for. The request's types are part of what
	// the verifier asserts; a grant never widens them.
	ErrTypeNotRequested = errors.New("consent: credential type not asked for by the request")
	// ErrNotAccredited: the issuer is not accredited for the credential type.
	ErrNotAccredited = errors.New("consent: issuer not accredited for the credential type")
	// ErrUnofficialKey: the proof was made for a verifying key that is not
	// the official one on the ledger.
	ErrUnofficialKey = errors.New("consent: verifying key is not the official one")
	// ErrStaleRoot: the issuer's revocation root is missing or older than
	// the gate's freshness bound (version 1 proofs), or a version 2
	// proof's issuer-set root is not one the ledger has had for the
	// credential type, or was superseded longer ago than the gate's window
	// (WithMaxSetRootAge).
	ErrStaleRoot = errors.New("consent: revocation root missing or stale")
	// ErrBadProof: the zero-knowledge proof does not verify (wraps zkp's error).
	ErrBadProof = errors.New("consent: proof does not verify")
	// ErrClockSkew: the wallet's clock and the agency's differ by more
	// than ClockSkew: a request issued after the wallet's now (its clock is
	// behind), refused by Request.Verify, CheckRequest and Present before
	// anything is proven. A proof dated outside the gate's tolerance (see
	// Gate.Verify) is ErrBadProof: a proof does not state its date, so the
	// gate cannot tell a skewed clock from a forged proof.
	ErrClockSkew = errors.New("consent: clock differs from the agency's beyond the tolerance")
	// ErrNullifierUsed: this credential holder already claimed in this scope.
	ErrNullifierUsed = errors.New("consent: nullifier already used in this scope")
)

// Errors about consent itself.
var (
	// ErrNoConsent: no grant anchored on the ledger backs the presentation.
	ErrNoConsent = errors.New("consent: no consent grant")
	// ErrConsentWithdrawn: the citizen withdrew the whole grant.
	ErrConsentWithdrawn = errors.New("consent: grant withdrawn")
	// ErrConsentRevoked: the agency revoked the grant.
	ErrConsentRevoked = errors.New("consent: grant revoked by the agency")
	// ErrConsentExpired: the grant is outside its validity window.
	ErrConsentExpired = errors.New("consent: grant expired")
	// ErrUseLimit: the grant's use limit is reached.
	ErrUseLimit = errors.New("consent: grant use limit reached")
	// ErrPurposeMismatch: the grant is for another purpose or legal basis.
	ErrPurposeMismatch = errors.New("consent: purpose mismatch")
	// ErrAgencyMismatch: the grant is for another agency.
	ErrAgencyMismatch = errors.New("consent: grant is for another agency")
	// ErrScopeMismatch: the grant names another nullifier scope than the
	// request's (for example an agency asking in a scope name the citizen
	// consented to for something else).
	ErrScopeMismatch = errors.New("consent: grant is for another scope")
	// ErrNotCovered: the request asks for a credential type, disclosure or
	// predicate the grant does not allow (or a part was withdrawn).
	ErrNotCovered = errors.New("consent: request not covered by the grant")
	// ErrNoGuardianship: a grant signed by a guardian without a guardianship
	// relation on the ledger.
	ErrNoGuardianship = errors.New("consent: no guardianship relation")
)
