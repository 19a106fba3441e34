package identity

import (
	"fmt"
	"math/big"
)

// Curve25519 constants for the birational map between the Ed25519 (twisted
// Edwards) and X25519 (Montgomery) forms of the same curve, RFC 7748 section 4.1.
var (
	p25519 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// d = -121665/121666 mod p
	d25519 = func() *big.Int {
		num := new(big.Int).Sub(p25519, big.NewInt(121665))
		den := new(big.Int).ModInverse(big.NewInt(121666), p25519)
		return num.Mul(num, den).Mod(num, p25519)
	}()
	pMinus1Half = new(big.Int).Rsh(new(big.Int).Sub(p25519, big.NewInt(1)), 1)
)

// ed25519ToX25519 maps an encoded Ed25519 public key to the X25519 public key
// of the same point, u = (1+y)/(1-y), as the did:key method does for its
// key-agreement key. It rejects encodings whose y is not canonical or that do
// not decode to a point on the curve.
func ed25519ToX25519(pub []byte) ([]byte, error) {
	if len(pub) != 32 {
		return nil, fmt.Errorf("%w: Ed25519 public key is %d bytes, want 32", ErrInvalidKey, len(pub))
	}
	le := make([]byte, 32)
	copy(le, pub)
	le[31] &= 0x7f // drop the sign bit of x
	y := new(big.Int).SetBytes(reverse(le))
	if y.Cmp(p25519) >= 0 {
		return nil, fmt.Errorf("%w: Ed25519 public key has non-canonical y", ErrInvalidKey)
	}
	// x² = (y² - 1) / (d·y² + 1) must be a square for the point to exist.
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, p25519)
	num := new(big.Int).Sub(y2, big.NewInt(1))
	num.Mod(num, p25519)
	den := new(big.Int).Mul(d25519, y2)
	den.Add(den, big.NewInt(1)).Mod(den, p25519)
	denInv := new(big.Int).ModInverse(den, p25519)
	if denInv == nil {
		return nil, fmt.Errorf("%w: Ed25519 public key is not on the curve", ErrInvalidKey)
	}
	x2 := num.Mul(num, denInv)
	x2.Mod(x2, p25519)
	if x2.Sign() != 0 && new(big.Int).Exp(x2, pMinus1Half, p25519).Cmp(big.NewInt(1)) != 0 {
		return nil, fmt.Errorf("%w: Ed25519 public key is not on the curve", ErrInvalidKey)
	}
	if x2.Sign() == 0 && pub[31]&0x80 != 0 {
		return nil, fmt.Errorf("%w: Ed25519 public key has non-canonical sign bit", ErrInvalidKey)
	}
	oneMinusY := new(big.Int).Sub(big.NewInt(1), y)
	oneMinusY.Mod(oneMinusY, p25519)
	inv := new(big.Int).ModInverse(oneMinusY, p25519)
	if inv == nil {
		// y = 1 is the identity point, which has no X25519 image and is
		// never a real public key.
		return nil, fmt.Errorf("%w: Ed25519 public key is the identity point", ErrInvalidKey)
	}
	u := new(big.Int).Add(big.NewInt(1), y)
	u.Mul(u, inv).Mod(u, p25519)
	out := make([]byte, 32)
	u.FillBytes(out)
	return reverse(out), nil
}

func reverse(b []byte) []byte {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}
