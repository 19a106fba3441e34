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
	// ErrTooLong is returned (together with ErrInvalidDID, ErrInvalidKey
	// or ErrInvalidDocument) for an input longer than its documented cap
	// (MaxDIDLength, MaxMultibaseLength, MaxDocumentSize). Caps are checked
	// before any decoding, so an oversized input costs nothing to refuse.
	ErrTooLong = errors.New("identity: input too long")
)

// Length caps, checked before decoding. Base58 decoding takes time
// quadratic in its input (a 1 MiB DID took 7.5 s to refuse before these
// caps), so nothing reaches the decoder longer than this.
const (
	// MaxDIDLength is the longest DID accepted. A did:key for an Ed25519
	// key is 56 bytes; the cap leaves room for other key types.
	MaxDIDLength = 128
	// MaxMultibaseLength is the longest multibase key string accepted
	// (a key set, PublicKey.MarshalText, is 137 bytes).
	MaxMultibaseLength = 256
	// MaxDocumentSize is the largest DID document JSON ParseDocument
	// accepts.
	MaxDocumentSize = 64 << 10
)
