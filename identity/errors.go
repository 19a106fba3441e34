package identity

import "errors"

var (
	// ErrBadSignature is returned when a signature does not verify for the
	// given key, domain and message.
	ErrBadSignature = errors.New("identity: bad signature")
	// ErrInvalidDID is returned for a string that is not a valid did:key
	// identifier for an Ed25519 key.
	ErrInvalidDID = errors.New("identity: invalid DID")
	// ErrInvalidKey is returned for key bytes or text that do not encode a
	// valid key (wrong length, wrong codec, point not on the curve, ...).
	ErrInvalidKey = errors.New("identity: invalid key")
	// ErrNotFound is returned by a Resolver that knows nothing of a DID.
	ErrNotFound = errors.New("identity: DID not found")
	// ErrDecrypt is returned when a ciphertext cannot be opened with a key.
	ErrDecrypt = errors.New("identity: cannot decrypt")
	// ErrInvalidDocument is returned for a DID document that is malformed
	// or inconsistent with its DID.
	ErrInvalidDocument = errors.New("identity: invalid DID document")
)
