package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"filippo.io/edwards25519"
)

// These tests pin verifyEd25519 and signEd25519 to crypto/ed25519: the same
// (pub, msg, sig) triples accepted and refused, the same signature bytes.
// Inputs are built with filippo.io/edwards25519; the expected answer is
// always crypto/ed25519's, never a constant.

const testDomain = "test/ed25519"

var (
	// groupOrder is ℓ = 2^252 + 27742317777372353535851937790883648493.
	groupOrder, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	// fieldPrime is p = 2^255 - 19.
	fieldPrime = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
)

// smallOrderHex are the canonical encodings of the eight points of order
// dividing 8 (the torsion subgroup): identity, order 2, two of order 4
// and four of order 8. TestSmallOrderPoints checks each one.
var smallOrderHex = []string{
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// littleEndian32 encodes n, which must be below 2^256, in 32 bytes.
func littleEndian32(n *big.Int) []byte {
	out := make([]byte, 32)
	be := n.Bytes()
	for i, b := range be {
		out[len(be)-1-i] = b
	}
	return out
}

func fromLittleEndian(b []byte) *big.Int {
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	return new(big.Int).SetBytes(be)
}

func smallOrderPoints(t testing.TB) []*edwards25519.Point {
	t.Helper()
	var out []*edwards25519.Point
	for _, h := range smallOrderHex {
		p, err := new(edwards25519.Point).SetBytes(mustHex(t, h))
		if err != nil {
			t.Fatalf("small-order encoding %s does not decode: %v", h, err)
		}
		if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1 {
			t.Fatalf("%s is not of small order", h)
		}
		if !bytes.Equal(p.Bytes(), mustHex(t, h)) {
			t.Fatalf("%s is not canonical", h)
		}
		out = append(out, p)
	}
	return out
}

// TestSmallOrderPoints checks the table above: eight distinct points, all
// killed by the cofactor, with exactly one identity.
func TestSmallOrderPoints(t *testing.T) {
	pts := smallOrderPoints(t)
	for i := range pts {
		for j := range i {
			if pts[i].Equal(pts[j]) == 1 {
				t.Fatalf("points %d and %d are equal", i, j)
			}
		}
	}
	if pts[0].Equal(edwards25519.NewIdentityPoint()) != 1 {
		t.Fatal("first point is not the identity")
	}
}

// nonCanonicalEncodings returns every 32-byte string whose y, ignoring the
// sign bit, is at least p (y = p + i for i < 19), with and without the sign
// bit: the only non-canonical y encodings there are. Some decode (y mod p is
// a valid coordinate, including the small-order y = 0 and y = 1), some do not.
func nonCanonicalEncodings() [][]byte {
	var out [][]byte
	for i := int64(0); i < 19; i++ {
		b := littleEndian32(new(big.Int).Add(fieldPrime, big.NewInt(i)))
		out = append(out, b)
		neg := bytes.Clone(b)
		neg[31] |= 0x80
		out = append(out, neg)
	}
	return out
}

// lowYEncodings returns the canonical encodings with y < 19 and either sign
// bit: the y values that non-canonical encodings alias. For y = 1 (x = 0,
// the identity) the set sign bit is the "negative zero" form RFC 8032 says
// to refuse.
func lowYEncodings() [][]byte {
	var out [][]byte
	for i := int64(0); i < 19; i++ {
		b := littleEndian32(big.NewInt(i))
		out = append(out, b)
		neg := bytes.Clone(b)
		neg[31] |= 0x80
		out = append(out, neg)
	}
	return out
}

type ed25519Case struct {
	desc     string
	pub, sig []byte
	msg      []byte // the application message; the signed bytes are SignedBytes(testDomain, msg)
}

// checkAgainstStdlib runs one case through verifyEd25519 and Verify and
// fails unless both give crypto/ed25519's answer. It returns that answer.
func checkAgainstStdlib(t *testing.T, c ed25519Case) bool {
	t.Helper()
	signed := SignedBytes(testDomain, c.msg)
	want := ed25519.Verify(c.pub, signed, c.sig)
	if got := verifyEd25519(c.pub, signed, c.sig); got != want {
		t.Errorf("%s: %s verify = %v, crypto/ed25519 = %v\npub %x\nsig %x\nmsg %x",
			c.desc, ed25519Implementation, got, want, c.pub, c.sig, c.msg)
	}
	err := Verify(c.pub, testDomain, c.msg, c.sig)
	switch {
	case want && err != nil:
		t.Errorf("%s: Verify = %v, want nil", c.desc, err)
	case !want && !errors.Is(err, ErrBadSignature):
		t.Errorf("%s: Verify = %v, want ErrBadSignature", c.desc, err)
	}
	return want
}

// signWith makes a signature of SignedBytes(testDomain, msg) under the
// public key encoding pubEnc whose discrete logarithm is a (for A = [a]B + T
// with T of small order, the signature is the honest one for [a]B), with
// nonce r.
func signWith(t testing.TB, pubEnc []byte, a, r *edwards25519.Scalar, msg []byte) []byte {
	t.Helper()
	R := new(edwards25519.Point).ScalarBaseMult(r)
	h := sha512.New()
	h.Write(R.Bytes())
	h.Write(pubEnc)
	h.Write(SignedBytes(testDomain, msg))
	k, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	S := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	return append(R.Bytes(), S.Bytes()...)
}

func scalarFrom(t testing.TB, label string) *edwards25519.Scalar {
	t.Helper()
	h := sha512.Sum512([]byte(label))
	s, err := edwards25519.NewScalar().SetUniformBytes(h[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifyMatchesStdlib compares verifyEd25519 with crypto/ed25519.Verify
// on the edge cases where Ed25519 implementations are known to disagree
// (ed25519-speccheck, ZIP 215, Wycheproof): malleable and out-of-range S,
// small-order and mixed-order A and R, non-canonical encodings, the
// negative-zero sign bit, cofactored against cofactorless equations.
func TestVerifyMatchesStdlib(t *testing.T) {
	t.Logf("implementation: %s", ed25519Implementation)
	key := deterministicKey(t, 1)
	pub := key.Public().Ed25519()
	msg := []byte("message")
	sig := key.Sign(testDomain, msg)
	accepted, refused := 0, 0
	check := func(c ed25519Case) bool {
		ok := checkAgainstStdlib(t, c)
		if ok {
			accepted++
		} else {
			refused++
		}
		return ok
	}
	mustAccept := func(c ed25519Case) {
		t.Helper()
		if !check(c) {
			t.Errorf("%s: crypto/ed25519 refuses a case built to verify; the case is wrong", c.desc)
		}
	}
	mustRefuse := func(c ed25519Case) {
		t.Helper()
		if check(c) {
			t.Errorf("%s: crypto/ed25519 accepts a case built to fail; the case is wrong", c.desc)
		}
	}

	mustAccept(ed25519Case{"valid", pub, sig, msg})
	mustAccept(ed25519Case{"valid, empty message", pub, key.Sign(testDomain, nil), nil})

	// Every single-bit change of the signature, the key and the message.
	for i := range len(sig) * 8 {
		s := bytes.Clone(sig)
		s[i/8] ^= 1 << (i % 8)
		mustRefuse(ed25519Case{fmt.Sprintf("signature bit %d flipped", i), pub, s, msg})
	}
	for i := range len(pub) * 8 {
		p := bytes.Clone(pub)
		p[i/8] ^= 1 << (i % 8)
		mustRefuse(ed25519Case{fmt.Sprintf("key bit %d flipped", i), p, sig, msg})
	}
	for i := range len(msg) * 8 {
		m := bytes.Clone(msg)
		m[i/8] ^= 1 << (i % 8)
		mustRefuse(ed25519Case{fmt.Sprintf("message bit %d flipped", i), pub, sig, m})
	}

	// S out of range: S + kℓ is the same scalar mod ℓ, so a verifier that
	// reduces S would accept it. Both must refuse.
	S := fromLittleEndian(sig[32:])
	limit := new(big.Int).Lsh(big.NewInt(1), 256)
	for k := int64(1); ; k++ {
		sk := new(big.Int).Add(S, new(big.Int).Mul(big.NewInt(k), groupOrder))
		if sk.Cmp(limit) >= 0 {
			break
		}
		s := append(bytes.Clone(sig[:32]), littleEndian32(sk)...)
		mustRefuse(ed25519Case{fmt.Sprintf("S + %dℓ", k), pub, s, msg})
	}
	for _, v := range []struct {
		desc string
		s    *big.Int
	}{
		{"S = ℓ", groupOrder},
		{"S = ℓ + 1", new(big.Int).Add(groupOrder, big.NewInt(1))},
		{"S = ℓ - 1", new(big.Int).Sub(groupOrder, big.NewInt(1))},
		{"S = 0", new(big.Int)},
		{"S = 2^253 - 1", new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 253), big.NewInt(1))},
		{"S = 2^256 - 1", new(big.Int).Sub(limit, big.NewInt(1))},
	} {
		s := append(bytes.Clone(sig[:32]), littleEndian32(v.s)...)
		check(ed25519Case{v.desc, pub, s, msg})
	}

	// Degenerate signatures and keys.
	zeroSig := make([]byte, 64)
	identity := mustHex(t, smallOrderHex[0])
	mustRefuse(ed25519Case{"all-zero signature", pub, zeroSig, msg})
	check(ed25519Case{"all-zero signature, all-zero key", make([]byte, 32), zeroSig, msg})
	check(ed25519Case{"all-zero signature, identity key", identity, zeroSig, msg})
	mustRefuse(ed25519Case{"R = identity", pub, append(bytes.Clone(identity), sig[32:]...), msg})
	mustRefuse(ed25519Case{"R = identity, S = 0", pub, append(bytes.Clone(identity), make([]byte, 32)...), msg})
	// With A = identity and S = 0, [S]B - [k]A is the identity whatever k
	// is: the canonical identity verifies, its other encodings must not.
	mustAccept(ed25519Case{"A = identity, R = identity, S = 0", identity, append(bytes.Clone(identity), make([]byte, 32)...), msg})
	for _, r := range append(nonCanonicalEncodings(), lowYEncodings()...) {
		check(ed25519Case{fmt.Sprintf("A = identity, R = %x, S = 0", r), identity, append(bytes.Clone(r), make([]byte, 32)...), msg})
	}

	// Keys and nonces of small order, of mixed order and non-canonically
	// encoded. For A of small order, [S]B - [k]A = [s]B - [k]A: the
	// signature (R = [s]B + T, S = s) verifies without the cofactor
	// exactly when [k]A = -T, which holds for some messages and not
	// others. Non-canonical A are hashed as given, so they verify too.
	small := smallOrderPoints(t)
	s := scalarFrom(t, "nonce")
	sB := new(edwards25519.Point).ScalarBaseMult(s)
	var keys [][]byte
	for _, h := range smallOrderHex {
		keys = append(keys, mustHex(t, h))
	}
	keys = append(keys, nonCanonicalEncodings()...)
	keys = append(keys, lowYEncodings()...)
	var nonces [][]byte
	for _, T := range small {
		nonces = append(nonces, new(edwards25519.Point).Add(sB, T).Bytes())
		nonces = append(nonces, T.Bytes())
	}
	nonces = append(nonces, nonCanonicalEncodings()...)
	nonces = append(nonces, lowYEncodings()...)
	scalars := [][]byte{make([]byte, 32), s.Bytes()}
	messages := 4
	if testing.Short() {
		messages = 2
	}
	smallAccepted := 0
	for ai, a := range keys {
		for ri, r := range nonces {
			for si, sc := range scalars {
				for m := range messages {
					c := ed25519Case{
						desc: fmt.Sprintf("A #%d %x, R #%d %x, S #%d, message %d", ai, a, ri, r, si, m),
						pub:  a,
						sig:  append(bytes.Clone(r), sc...),
						msg:  fmt.Appendf(nil, "small order %d", m),
					}
					if check(c) {
						smallAccepted++
					}
				}
			}
		}
	}
	if smallAccepted == 0 {
		t.Error("no small-order case verifies: the table does not reach acceptance")
	}

	// Mixed-order A = [a]B + T: an honest signature for [a]B verifies
	// cofactorless only when [k]T is the identity, so about one message in
	// ord(T) verifies (a cofactored verifier would accept every one).
	a := scalarFrom(t, "mixed-order key")
	aB := new(edwards25519.Point).ScalarBaseMult(a)
	mixedAccepted, mixedRefused := 0, 0
	for ti, T := range small[1:] {
		A := new(edwards25519.Point).Add(aB, T).Bytes()
		for m := range 24 {
			msg := fmt.Appendf(nil, "mixed order %d", m)
			r := scalarFrom(t, fmt.Sprintf("mixed nonce %d %d", ti, m))
			c := ed25519Case{fmt.Sprintf("A = [a]B + T%d, message %d", ti+1, m), A, signWith(t, A, a, r, msg), msg}
			if check(c) {
				mixedAccepted++
			} else {
				mixedRefused++
			}
		}
	}
	if mixedAccepted == 0 || mixedRefused == 0 {
		t.Errorf("mixed-order keys: %d accepted, %d refused; the table must reach both", mixedAccepted, mixedRefused)
	}
	// The same with the honest key: every signature verifies.
	A := aB.Bytes()
	for m := range 4 {
		msg := fmt.Appendf(nil, "mixed order %d", m)
		mustAccept(ed25519Case{fmt.Sprintf("A = [a]B, message %d", m), A, signWith(t, A, a, scalarFrom(t, fmt.Sprint(m)), msg), msg})
	}

	t.Logf("%d cases: %d accepted, %d refused (%d small-order, %d mixed-order accepted)",
		accepted+refused, accepted, refused, smallAccepted, mixedAccepted)
}

// TestVerifyBadLengths checks the length checks that run before any curve
// arithmetic, with the sentinel errors callers test for.
func TestVerifyBadLengths(t *testing.T) {
	k := deterministicKey(t, 2)
	pub := k.Public().Ed25519()
	sig := k.Sign(testDomain, []byte("m"))
	for n := 0; n <= 66; n++ {
		s := make([]byte, n)
		copy(s, sig)
		err := Verify(pub, testDomain, []byte("m"), s)
		if (n == ed25519.SignatureSize) != (err == nil) {
			t.Fatalf("signature of %d bytes: %v", n, err)
		}
		if err != nil && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("signature of %d bytes: %v, want ErrBadSignature", n, err)
		}
		if n != ed25519.SignatureSize && verifyEd25519(pub, SignedBytes(testDomain, []byte("m")), s) {
			t.Fatalf("verifyEd25519 accepts a %d-byte signature", n)
		}
	}
	for n := 0; n <= 34; n++ {
		p := make([]byte, n)
		copy(p, pub)
		err := Verify(p, testDomain, []byte("m"), sig)
		if (n == ed25519.PublicKeySize) != (err == nil) {
			t.Fatalf("key of %d bytes: %v", n, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("key of %d bytes: %v, want ErrInvalidKey", n, err)
		}
	}
}

// TestSignMatchesStdlib checks that signatures are crypto/ed25519's, byte
// for byte, across keys and message lengths.
func TestSignMatchesStdlib(t *testing.T) {
	lengths := []int{0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 1000, 1 << 16}
	for seed := range 16 {
		k := deterministicKey(t, byte(seed))
		for _, n := range lengths {
			msg := bytes.Repeat([]byte{byte(seed*7 + n)}, n)
			want := ed25519.Sign(k.Ed25519(), SignedBytes(testDomain, msg))
			if got := k.Sign(testDomain, msg); !bytes.Equal(got, want) {
				t.Fatalf("seed %d, %d-byte message: Sign = %x, crypto/ed25519 = %x", seed, n, got, want)
			}
			if got := signEd25519(k.Ed25519(), msg); !bytes.Equal(got, ed25519.Sign(k.Ed25519(), msg)) {
				t.Fatalf("seed %d, %d-byte message: signEd25519 differs from crypto/ed25519", seed, n)
			}
		}
	}
}

// FuzzVerifyMatchesStdlib checks verifyEd25519 against crypto/ed25519.Verify.
// In raw mode (mode even) the key is data[0:32] and the signature
// data[32:96], zero-padded: almost all such inputs are refused. In mutate
// mode (mode odd) data[0:32] is a seed whose key signs msg, and the rest
// of data is a list of (position, xor mask) pairs applied to key||signature,
// so that the fuzzer explores near-valid signatures; bit 1 of mode adds ℓ
// to S, bit 2 replaces the key with a small-order point (data[0] & 7
// picks it).
func FuzzVerifyMatchesStdlib(f *testing.F) {
	f.Add(uint8(0), make([]byte, 96), []byte("m"))
	f.Add(uint8(1), make([]byte, 32), []byte("m"))
	f.Add(uint8(1), append(make([]byte, 32), 40, 1), []byte("m"))
	f.Add(uint8(1), append(make([]byte, 32), 95, 0x10), []byte{})
	f.Add(uint8(3), bytes.Repeat([]byte{7}, 32), []byte("out of range S"))
	f.Add(uint8(5), bytes.Repeat([]byte{3}, 34), []byte("small order"))
	k := deterministicKey(f, 1)
	f.Add(uint8(0), append(bytes.Clone(k.Public().Ed25519()), ed25519.Sign(k.Ed25519(), []byte("x"))...), []byte("x"))
	small := make([][]byte, len(smallOrderHex))
	for i, h := range smallOrderHex {
		small[i] = mustHex(f, h)
	}
	f.Fuzz(func(t *testing.T, mode uint8, data, msg []byte) {
		var pub, sig []byte
		if mode&1 == 0 {
			buf := make([]byte, 96)
			copy(buf, data)
			pub, sig = buf[:32], buf[32:]
		} else {
			seed := make([]byte, 32)
			copy(seed, data)
			priv := ed25519.NewKeyFromSeed(seed)
			buf := append(bytes.Clone(priv.Public().(ed25519.PublicKey)), ed25519.Sign(priv, msg)...)
			if mode&2 != 0 {
				S := new(big.Int).Add(fromLittleEndian(buf[64:]), groupOrder)
				copy(buf[64:], littleEndian32(S))
			}
			if mode&4 != 0 {
				copy(buf[:32], small[seed[0]&7])
			}
			if len(data) > 32 {
				muts := data[32:]
				for i := 0; i+1 < len(muts); i += 2 {
					buf[int(muts[i])%len(buf)] ^= muts[i+1]
				}
			}
			pub, sig = buf[:32], buf[32:]
		}
		want := ed25519.Verify(pub, msg, sig)
		if got := verifyEd25519(pub, msg, sig); got != want {
			t.Fatalf("%s verify = %v, crypto/ed25519 = %v\npub %x\nsig %x\nmsg %x", ed25519Implementation, got, want, pub, sig, msg)
		}
	})
}
