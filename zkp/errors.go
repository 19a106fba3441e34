package zkp

import "errors"

// Sentinel errors; errors of this package wrap one of them (errors.Is).
var (
	// ErrInvalidStatement: a request or statement the circuit cannot
	// express (too many predicates, a slot out of range, an empty range,
	// a set too large, no issuer key).
	ErrInvalidStatement = errors.New("zkp: invalid statement")
	// ErrUnsatisfied: the credential does not satisfy the statement (the
	// prover refuses before proving): wrong type, expired, revoked or a
	// witness for another root, a predicate false, a secret that is not
	// the credential's.
	ErrUnsatisfied = errors.New("zkp: credential does not satisfy the statement")
	// ErrBadProof: the proof does not verify against the statement.
	ErrBadProof = errors.New("zkp: proof does not verify")
	// ErrWrongKey: the proof was made with another verifying key or
	// backend than the one checking it.
	ErrWrongKey = errors.New("zkp: proof made for another verifying key")
	// ErrMalformed: bytes that do not decode as a proof, request or key.
	ErrMalformed = errors.New("zkp: malformed encoding")
)

// Sentinels of presentation proofs v2 (wrapped in ErrUnsatisfied by
// ProveV2 and CheckV2).
var (
	// ErrNotAccredited: the credential's signing key (its issuer-set leaf)
	// is not in the issuer set under the statement's root.
	ErrNotAccredited = errors.New("zkp: signing key is not in the issuer set")
	// ErrOutsideWindow: the credential was issued on a day outside its
	// signing key's window in the issuer set.
	ErrOutsideWindow = errors.New("zkp: credential issued outside its key's validity window")
)
