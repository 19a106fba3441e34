package identity

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
)

// Sizes of the encodings produced by this package.
const (
	// SeedSize is the size of the secret from which a party's keys derive.
	SeedSize = 32
	// ZKPublicKeySize is the size of a compressed EdDSA-BN254 public key.
	ZKPublicKeySize = 32
	// PublicKeySize is the size of PublicKey.Bytes: Ed25519 || X25519 || ZK key.
	PublicKeySize = ed25519.PublicKeySize + 32 + ZKPublicKeySize
)

// zkKeyInfo separates the derivation of the ZK-friendly key from the
// Ed25519 key that uses the same seed.
const zkKeyInfo = "civicproof/v1/zk-eddsa-bn254-key"

// PrivateKey is one party's key set, derived from a single 32-byte seed:
//
//   - an Ed25519 key (RFC 8032) that signs ledger records and consent and
//     controls the party's did:key;
//   - an X25519 key for HPKE (RFC 9180) so that others can encrypt to the
//     party; it is the Montgomery form of the Ed25519 key, exactly as the
//     did:key method derives its key-agreement key;
//   - an EdDSA key on the twisted Edwards curve over BN254's scalar field
//     (gnark-crypto), which signs credentials so that a circuit can verify
//     the signature cheaply. It derives from the seed with HKDF-SHA-256.
//
// Keep the seed secret: whoever holds it holds all three keys.
type PrivateKey struct {
	seed []byte
	ed   ed25519.PrivateKey
	x    *ecdh.PrivateKey
	hpke hpke.PrivateKey
	zk   *eddsa.PrivateKey
	pub  *PublicKey
}

// PublicKey is the public half of a PrivateKey.
type PublicKey struct {
	ed   ed25519.PublicKey
	x    *ecdh.PublicKey
	hpke hpke.PublicKey
	zk   *eddsa.PublicKey
}

// GenerateKey makes a new key set from 32 bytes read from rand, or from
// crypto/rand if rand is nil.
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	if rand == nil {
		rand = cryptoRand{}
	}
	seed := make([]byte, SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("identity: reading key seed: %w", err)
	}
	return NewKeyFromSeed(seed)
}

type cryptoRand struct{}

func (cryptoRand) Read(p []byte) (int, error) { return rand.Read(p) }

// NewKeyFromSeed derives a key set deterministically from a 32-byte seed.
// It is meant for known-answer tests and for restoring a key from its seed;
// use GenerateKey for new keys.
func NewKeyFromSeed(seed []byte) (*PrivateKey, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("%w: seed is %d bytes, want %d", ErrInvalidKey, len(seed), SeedSize)
	}
	k := &PrivateKey{seed: bytes.Clone(seed)}
	k.ed = ed25519.NewKeyFromSeed(seed)

	// The X25519 scalar is the first half of SHA-512(seed), the same scalar
	// Ed25519 uses (RFC 8032 5.1.5); X25519 clamps it as RFC 7748 requires.
	h := sha512.Sum512(seed)
	x, err := ecdh.X25519().NewPrivateKey(h[:32])
	if err != nil {
		return nil, fmt.Errorf("identity: deriving X25519 key: %w", err)
	}
	k.x = x
	if k.hpke, err = hpke.NewDHKEMPrivateKey(x); err != nil {
		return nil, fmt.Errorf("identity: deriving HPKE key: %w", err)
	}

	zkSeed, err := hkdf.Key(sha256.New, seed, nil, zkKeyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("identity: deriving ZK key seed: %w", err)
	}
	if k.zk, err = eddsa.GenerateKey(bytes.NewReader(zkSeed)); err != nil {
		return nil, fmt.Errorf("identity: deriving ZK key: %w", err)
	}

	pub := &PublicKey{
		ed: k.ed.Public().(ed25519.PublicKey),
		x:  x.PublicKey(),
		zk: &k.zk.PublicKey,
	}
	if pub.hpke, err = hpke.NewDHKEMPublicKey(pub.x); err != nil {
		return nil, fmt.Errorf("identity: deriving HPKE public key: %w", err)
	}
	k.pub = pub
	return k, nil
}

// Seed returns a copy of the 32-byte seed the key set derives from.
func (k *PrivateKey) Seed() []byte { return bytes.Clone(k.seed) }

// Public returns the public key set.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// DID returns the party's did:key identifier.
func (k *PrivateKey) DID() DID { return k.pub.DID() }

// Ed25519 returns the Ed25519 signing key.
func (k *PrivateKey) Ed25519() ed25519.PrivateKey { return k.ed }

// ZK returns the EdDSA-BN254 key that signs credentials.
func (k *PrivateKey) ZK() *eddsa.PrivateKey { return k.zk }

// Equal reports whether k and o hold the same seed, in constant time.
func (k *PrivateKey) Equal(o *PrivateKey) bool {
	return o != nil && subtle.ConstantTimeCompare(k.seed, o.seed) == 1
}

// ParsePublicKey parses the 96-byte encoding made by PublicKey.Bytes and
// validates every part: the Ed25519 point decodes, the X25519 key is the one
// that Ed25519 key maps to, and the ZK key is a point of the BN254 twisted
// Edwards curve's prime-order subgroup. It returns an error wrapping
// ErrInvalidKey otherwise.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("%w: public key is %d bytes, want %d", ErrInvalidKey, len(b), PublicKeySize)
	}
	pub, err := newPublicKey(b[:32], b[64:])
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pub.x.Bytes(), b[32:64]) {
		return nil, fmt.Errorf("%w: X25519 key does not match the Ed25519 key", ErrInvalidKey)
	}
	return pub, nil
}

// newPublicKey builds a key set from an Ed25519 key and, if zk is not nil, a
// compressed ZK key. The X25519 key is derived from the Ed25519 key.
func newPublicKey(ed, zk []byte) (*PublicKey, error) {
	xb, err := ed25519ToX25519(ed)
	if err != nil {
		return nil, err
	}
	x, err := ecdh.X25519().NewPublicKey(xb)
	if err != nil {
		return nil, fmt.Errorf("%w: X25519 key: %v", ErrInvalidKey, err)
	}
	pub := &PublicKey{ed: ed25519.PublicKey(bytes.Clone(ed)), x: x}
	if pub.hpke, err = hpke.NewDHKEMPublicKey(x); err != nil {
		return nil, fmt.Errorf("%w: HPKE key: %v", ErrInvalidKey, err)
	}
	if zk != nil {
		if pub.zk, err = parseZKPublicKey(zk); err != nil {
			return nil, err
		}
	}
	return pub, nil
}

// ParseZKPublicKey parses a compressed EdDSA-BN254 public key and checks that
// it is on the curve and in the prime-order subgroup.
func ParseZKPublicKey(b []byte) (*eddsa.PublicKey, error) { return parseZKPublicKey(b) }

func parseZKPublicKey(b []byte) (pk *eddsa.PublicKey, err error) {
	if len(b) != ZKPublicKeySize {
		return nil, fmt.Errorf("%w: ZK public key is %d bytes, want %d", ErrInvalidKey, len(b), ZKPublicKeySize)
	}
	// gnark-crypto's decoder is not documented as panic-free on arbitrary
	// bytes; contain it so that bad input only ever yields an error.
	defer func() {
		if r := recover(); r != nil {
			pk, err = nil, fmt.Errorf("%w: ZK public key: %v", ErrInvalidKey, r)
		}
	}()
	pk = new(eddsa.PublicKey)
	if _, err := pk.SetBytes(b); err != nil {
		return nil, fmt.Errorf("%w: ZK public key: %v", ErrInvalidKey, err)
	}
	if !bytes.Equal(pk.Bytes(), b) {
		return nil, fmt.Errorf("%w: ZK public key is not canonically encoded", ErrInvalidKey)
	}
	return pk, nil
}

// Bytes returns the 96-byte encoding Ed25519 || X25519 || compressed ZK key.
func (p *PublicKey) Bytes() []byte {
	out := make([]byte, 0, PublicKeySize)
	out = append(out, p.ed...)
	out = append(out, p.x.Bytes()...)
	if p.zk != nil {
		out = append(out, p.zk.Bytes()...)
	}
	return out
}

// DID returns the did:key identifier of the Ed25519 key.
func (p *PublicKey) DID() DID { return DIDFromEd25519(p.ed) }

// Ed25519 returns the Ed25519 verification key.
func (p *PublicKey) Ed25519() ed25519.PublicKey { return p.ed }

// X25519 returns the X25519 key used for HPKE.
func (p *PublicKey) X25519() *ecdh.PublicKey { return p.x }

// ZK returns the EdDSA-BN254 verification key, or nil if this key set was
// resolved from a did:key alone (the ZK key is not part of a did:key).
func (p *PublicKey) ZK() *eddsa.PublicKey { return p.zk }

// Equal reports whether p and q are the same key set.
func (p *PublicKey) Equal(q *PublicKey) bool {
	return q != nil && bytes.Equal(p.Bytes(), q.Bytes())
}

// MarshalBinary returns the seed: the whole key set derives from it.
func (k *PrivateKey) MarshalBinary() ([]byte, error) { return k.Seed(), nil }

// UnmarshalBinary restores a key set from its 32-byte seed.
func (k *PrivateKey) UnmarshalBinary(b []byte) error {
	nk, err := NewKeyFromSeed(b)
	if err != nil {
		return err
	}
	*k = *nk
	return nil
}

// MarshalText encodes the seed as multibase base58btc over the multicodec
// ed25519-priv prefix (0x1300), the usual text form of an Ed25519 secret.
func (k *PrivateKey) MarshalText() ([]byte, error) {
	return []byte(encodeMultikey(codecEd25519Priv, k.seed)), nil
}

// UnmarshalText parses the form made by MarshalText.
func (k *PrivateKey) UnmarshalText(text []byte) error {
	seed, err := decodeMultikey(string(text), codecEd25519Priv, SeedSize)
	if err != nil {
		return err
	}
	return k.UnmarshalBinary(seed)
}

// MarshalBinary returns Bytes.
func (p *PublicKey) MarshalBinary() ([]byte, error) {
	if p.zk == nil {
		return nil, fmt.Errorf("%w: key set has no ZK key", ErrInvalidKey)
	}
	return p.Bytes(), nil
}

// UnmarshalBinary parses the form made by MarshalBinary, like ParsePublicKey.
func (p *PublicKey) UnmarshalBinary(b []byte) error {
	np, err := ParsePublicKey(b)
	if err != nil {
		return err
	}
	*p = *np
	return nil
}

// MarshalText encodes Bytes as multibase base58btc over the private-use
// multicodec CodecKeySet.
func (p *PublicKey) MarshalText() ([]byte, error) {
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return []byte(encodeMultikey(CodecKeySet, b)), nil
}

// UnmarshalText parses the form made by MarshalText.
func (p *PublicKey) UnmarshalText(text []byte) error {
	b, err := decodeMultikey(string(text), CodecKeySet, PublicKeySize)
	if err != nil {
		return err
	}
	return p.UnmarshalBinary(b)
}
