package identity

import (
	"encoding/binary"
	"fmt"

	"github.com/multiformats/go-multibase"
	"github.com/multiformats/go-multicodec"
)

// Multicodec codes of the keys this package encodes. Ed25519 and X25519 use
// their registered codes. No code is registered for an EdDSA public key on
// BN254's twisted Edwards curve or for a whole key set, so those use codes
// from the private-use range 0x300000–0x3fffff of the multicodec table.
const (
	CodecEd25519Pub = uint64(multicodec.Ed25519Pub) // 0xed
	CodecX25519Pub  = uint64(multicodec.X25519Pub)  // 0xec
	// CodecZKEdDSABN254Pub marks a compressed EdDSA public key on the
	// twisted Edwards curve over the BN254 scalar field (gnark-crypto
	// encoding: y little-endian with the sign of x in the top bit).
	CodecZKEdDSABN254Pub = uint64(0x3cb254)
	// CodecKeySet marks PublicKey.Bytes (Ed25519 || X25519 || ZK key).
	CodecKeySet = uint64(0x3cb255)

	codecEd25519Priv = uint64(multicodec.Ed25519Priv) // 0x1300
)

// encodeMultikey returns multibase base58btc('z') of varint(codec) || key.
func encodeMultikey(codec uint64, key []byte) string {
	buf := binary.AppendUvarint(nil, codec)
	buf = append(buf, key...)
	s, err := multibase.Encode(multibase.Base58BTC, buf)
	if err != nil {
		// Base58BTC is always a known encoding.
		panic("identity: multibase base58btc unavailable: " + err.Error())
	}
	return s
}

// decodeMultikey parses multibase base58btc of varint(codec) || key and
// checks the codec and the key length.
func decodeMultikey(s string, wantCodec uint64, wantLen int) ([]byte, error) {
	codec, key, err := splitMultikey(s)
	if err != nil {
		return nil, err
	}
	if codec != wantCodec {
		return nil, fmt.Errorf("%w: multicodec 0x%x, want 0x%x", ErrInvalidKey, codec, wantCodec)
	}
	if len(key) != wantLen {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d", ErrInvalidKey, len(key), wantLen)
	}
	return key, nil
}

// splitMultikey decodes a base58btc multibase string and splits off its
// multicodec varint prefix.
func splitMultikey(s string) (codec uint64, key []byte, err error) {
	if len(s) > MaxMultibaseLength {
		return 0, nil, fmt.Errorf("%w: %w: multibase key is %d bytes, at most %d", ErrInvalidKey, ErrTooLong, len(s), MaxMultibaseLength)
	}
	if len(s) == 0 || s[0] != 'z' {
		return 0, nil, fmt.Errorf("%w: multibase prefix must be 'z' (base58btc)", ErrInvalidKey)
	}
	enc, raw, err := multibase.Decode(s)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: multibase: %v", ErrInvalidKey, err)
	}
	if enc != multibase.Base58BTC {
		return 0, nil, fmt.Errorf("%w: multibase encoding is not base58btc", ErrInvalidKey)
	}
	codec, n := binary.Uvarint(raw)
	if n <= 0 || n > 9 {
		return 0, nil, fmt.Errorf("%w: bad multicodec varint", ErrInvalidKey)
	}
	// Multiformats varints must be minimally encoded.
	if len(binary.AppendUvarint(nil, codec)) != n {
		return 0, nil, fmt.Errorf("%w: multicodec varint is not minimally encoded", ErrInvalidKey)
	}
	return codec, raw[n:], nil
}
