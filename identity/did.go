package identity

import (
	"crypto/ed25519"
	"fmt"
	"strings"
)

// DID is a decentralized identifier. Parties in civicproof are named by
// did:key identifiers over their Ed25519 key (https://w3c-ccg.github.io/did-key-spec/):
//
//	did:key:z6Mk...   = "did:key:" + multibase(base58btc, varint(0xed) || 32-byte key)
//
// A DID is a string so that it can key maps and appear in JSON; construct it
// with ParseDID or DIDFromEd25519, which guarantee a well-formed value.
type DID string

const didKeyPrefix = "did:key:"

// DIDFromEd25519 returns the did:key of an Ed25519 public key.
func DIDFromEd25519(pub ed25519.PublicKey) DID {
	return DID(didKeyPrefix + encodeMultikey(CodecEd25519Pub, pub))
}

// ParseDID parses and fully validates a did:key identifier for an Ed25519
// key: the method, the multibase prefix and alphabet, the multicodec, the
// key length and the point itself. Errors wrap ErrInvalidDID, and also
// ErrTooLong for a string longer than MaxDIDLength (refused before
// decoding).
func ParseDID(s string) (DID, error) {
	if _, err := DID(s).Ed25519(); err != nil {
		return "", err
	}
	return DID(s), nil
}

// String returns the identifier.
func (d DID) String() string { return string(d) }

// Ed25519 returns the Ed25519 public key named by a did:key, validating it
// as ParseDID does.
func (d DID) Ed25519() (ed25519.PublicKey, error) {
	s := string(d)
	if len(s) > MaxDIDLength {
		return nil, fmt.Errorf("%w: %w: %d bytes, at most %d", ErrInvalidDID, ErrTooLong, len(s), MaxDIDLength)
	}
	if !strings.HasPrefix(s, didKeyPrefix) {
		if strings.HasPrefix(s, "did:") {
			return nil, fmt.Errorf("%w: unsupported DID method in %q (only did:key)", ErrInvalidDID, truncate(s))
		}
		return nil, fmt.Errorf("%w: %q does not start with %q", ErrInvalidDID, truncate(s), didKeyPrefix)
	}
	msid := s[len(didKeyPrefix):]
	if i := strings.IndexAny(msid, "#?/;"); i >= 0 {
		return nil, fmt.Errorf("%w: did:key must not carry a path, query or fragment", ErrInvalidDID)
	}
	key, err := decodeMultikey(msid, CodecEd25519Pub, ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDID, err)
	}
	if _, err := ed25519ToX25519(key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDID, err)
	}
	return ed25519.PublicKey(key), nil
}

// fragment returns the multibase part of a did:key, used as the fragment of
// its first verification method.
func (d DID) fragment() string { return strings.TrimPrefix(string(d), didKeyPrefix) }

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func bytesReader(b []byte) *strings.Reader { return strings.NewReader(string(b)) }
