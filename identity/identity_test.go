package identity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// deterministicKey returns the key set of a seed made of one repeated byte.
func deterministicKey(t testing.TB, b byte) *PrivateKey {
	t.Helper()
	k, err := NewKeyFromSeed(bytes.Repeat([]byte{b}, SeedSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/keys.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Desc, Seed, DID, PublicKey, Text, Signature string
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vectors {
		t.Run(v.Desc, func(t *testing.T) {
			seed, _ := hex.DecodeString(v.Seed)
			k, err := NewKeyFromSeed(seed)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.DID().String(); got != v.DID {
				t.Errorf("DID = %s, want %s", got, v.DID)
			}
			if got := hex.EncodeToString(k.Public().Bytes()); got != v.PublicKey {
				t.Errorf("public key = %s, want %s", got, v.PublicKey)
			}
			text, _ := k.Public().MarshalText()
			if string(text) != v.Text {
				t.Errorf("text = %s, want %s", text, v.Text)
			}
			if got := hex.EncodeToString(k.Sign("vector/test", []byte("hello"))); got != v.Signature {
				t.Errorf("signature = %s, want %s", got, v.Signature)
			}
			pub, _ := hex.DecodeString(v.PublicKey)
			parsed, err := ParsePublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			if !parsed.Equal(k.Public()) {
				t.Error("parsed public key differs")
			}
		})
	}
}

// The RFC 8032 test 1 key and the did:key specification's Ed25519 example
// (whose derived X25519 key the specification publishes).
func TestDIDKeySpecVectors(t *testing.T) {
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	k, _ := NewKeyFromSeed(seed)
	if got := hex.EncodeToString(k.Ed25519().Public().(ed25519.PublicKey)); got != "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" {
		t.Errorf("RFC 8032 public key = %s", got)
	}

	const did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	const x25519 = "z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"
	doc, err := KeyResolver{}.Resolve(context.Background(), DID(did))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.KeyAgreement[0].ID; got != did+"#"+x25519 {
		t.Errorf("keyAgreement = %s, want %s#%s", got, did, x25519)
	}
	if got := doc.Authentication[0].ID; got != did+"#"+did[len("did:key:"):] {
		t.Errorf("authentication = %s", got)
	}
}

// The X25519 key derived from the seed (the HPKE private key) must be the
// one the birational map gives from the Ed25519 public key alone.
func TestX25519DerivationsAgree(t *testing.T) {
	for i := range 64 {
		k := deterministicKey(t, byte(i))
		x, err := ed25519ToX25519(k.Public().Ed25519())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, k.x.PublicKey().Bytes()) {
			t.Fatalf("seed %d: X25519 from public key differs from X25519 from seed", i)
		}
	}
}

func TestParseDID(t *testing.T) {
	good := deterministicKey(t, 7).DID().String()
	for _, tc := range []struct {
		desc, in string
		wantErr  error
	}{
		{"valid", good, nil},
		{"spec example", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", nil},
		{"empty", "", ErrInvalidDID},
		{"other method", "did:web:example.org", ErrInvalidDID},
		{"not a did", "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", ErrInvalidDID},
		{"wrong multibase prefix", "did:key:u7QE", ErrInvalidDID},
		{"bad base58 alphabet", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2do0", ErrInvalidDID},
		{"x25519 key is not an Ed25519 did:key", "did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p", ErrInvalidDID},
		{"truncated", good[:len(good)-3], ErrInvalidDID},
		{"padded", good + "11", ErrInvalidDID},
		{"fragment", good + "#key-1", ErrInvalidDID},
		{"p256 did:key", "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv", ErrInvalidDID},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			d, err := ParseDID(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ParseDID(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			}
			if err == nil && d.String() != tc.in {
				t.Errorf("ParseDID round trip = %q", d)
			}
		})
	}
}

// A did:key whose y coordinate names no point of the curve is refused.
func TestParseDIDOffCurve(t *testing.T) {
	var found int
	for i := range 256 {
		pub := bytes.Repeat([]byte{byte(i)}, 32)
		pub[31] &= 0x7f
		if _, err := ed25519ToX25519(pub); err != nil {
			found++
			d := DIDFromEd25519(pub)
			if _, err := ParseDID(d.String()); !errors.Is(err, ErrInvalidDID) {
				t.Fatalf("off-curve key accepted: %v", err)
			}
		}
	}
	if found == 0 {
		t.Fatal("no off-curve candidate among 256: the curve check cannot be working")
	}
}

func TestSignDomainSeparation(t *testing.T) {
	k := deterministicKey(t, 1)
	other := deterministicKey(t, 2)
	msg := []byte("revocation root 42")
	sig := k.Sign("ledger.record/revocation-root", msg)
	if err := k.Public().Verify("ledger.record/revocation-root", msg, sig); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	if err := VerifyDID(k.DID(), "ledger.record/revocation-root", msg, sig); err != nil {
		t.Fatalf("valid signature refused through DID: %v", err)
	}
	for _, tc := range []struct {
		desc   string
		pub    *PublicKey
		domain string
		msg    []byte
		sig    []byte
	}{
		{"other domain", k.Public(), "ledger.record/access", msg, sig},
		// The length prefix keeps "a"+"bc" apart from "ab"+"c".
		{"domain/message boundary moved", k.Public(), "ledger.record/revocation-root4", []byte("revocation root 42")[1:], sig},
		{"other message", k.Public(), "ledger.record/revocation-root", []byte("revocation root 43"), sig},
		{"other key", other.Public(), "ledger.record/revocation-root", msg, sig},
		{"truncated signature", k.Public(), "ledger.record/revocation-root", msg, sig[:63]},
		{"empty domain", k.Public(), "", msg, sig},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if err := tc.pub.Verify(tc.domain, tc.msg, tc.sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify = %v, want ErrBadSignature", err)
			}
		})
	}
	// A plain Ed25519 signature of the message is not a civicproof signature.
	plain := ed25519.Sign(k.Ed25519(), msg)
	if err := k.Public().Verify("ledger.record/revocation-root", msg, plain); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("plain signature accepted: %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	alice, bob := deterministicKey(t, 3), deterministicKey(t, 4)
	ct, err := alice.Public().Seal([]byte("credential/delivery"), []byte("secret credential"))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := alice.Open([]byte("credential/delivery"), ct)
	if err != nil || string(pt) != "secret credential" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		desc string
		key  *PrivateKey
		info string
		ct   []byte
	}{
		{"wrong recipient", bob, "credential/delivery", ct},
		{"wrong info", alice, "consent/grant", ct},
		{"tampered", alice, "credential/delivery", tampered},
		{"truncated", alice, "credential/delivery", ct[:20]},
		{"empty", alice, "credential/delivery", nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := tc.key.Open([]byte(tc.info), tc.ct); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestKeyEncodings(t *testing.T) {
	k := deterministicKey(t, 5)
	text, err := k.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var k2 PrivateKey
	if err := k2.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if !k2.Equal(k) || !k2.Public().Equal(k.Public()) {
		t.Fatal("private key text round trip differs")
	}
	bin, _ := k.MarshalBinary()
	var k3 PrivateKey
	if err := k3.UnmarshalBinary(bin); err != nil || !k3.Equal(k) {
		t.Fatalf("private key binary round trip: %v", err)
	}
	ptext, _ := k.Public().MarshalText()
	var p PublicKey
	if err := p.UnmarshalText(ptext); err != nil || !p.Equal(k.Public()) {
		t.Fatalf("public key text round trip: %v", err)
	}
	// A private key's text is not a public key's text, and vice versa.
	if err := p.UnmarshalText(text); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("public key parsed from private key text: %v", err)
	}
	if err := k2.UnmarshalText(ptext); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("private key parsed from public key text: %v", err)
	}
}

// TestBadLengths cuts and pads every encoding.
func TestBadLengths(t *testing.T) {
	k := deterministicKey(t, 6)
	pub := k.Public().Bytes()
	for n := 0; n <= len(pub)+2; n++ {
		b := make([]byte, n)
		copy(b, pub)
		_, err := ParsePublicKey(b)
		if n == len(pub) {
			if err != nil {
				t.Fatalf("full key refused: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("ParsePublicKey(%d bytes) = %v, want ErrInvalidKey", n, err)
		}
	}
	for n := 0; n <= SeedSize+2; n++ {
		_, err := NewKeyFromSeed(make([]byte, n))
		if (n == SeedSize) != (err == nil) {
			t.Fatalf("NewKeyFromSeed(%d bytes) = %v", n, err)
		}
	}
	for n := 0; n <= 34; n++ {
		_, err := ParseZKPublicKey(append(bytes.Clone(k.ZK().PublicKey.Bytes()), make([]byte, 2)...)[:n])
		if (n == ZKPublicKeySize) != (err == nil) {
			t.Fatalf("ParseZKPublicKey(%d bytes) = %v", n, err)
		}
	}
}

func TestParsePublicKeyRejects(t *testing.T) {
	k, other := deterministicKey(t, 8), deterministicKey(t, 9)
	good := k.Public().Bytes()
	mix := bytes.Clone(good)
	copy(mix[32:64], other.Public().Bytes()[32:64])
	offZK := bytes.Clone(good)
	for i := 64; i < 96; i++ {
		offZK[i] = 0xff
	}
	offZK[95] = 0x3f
	for _, tc := range []struct {
		desc string
		b    []byte
	}{
		{"X25519 of another key", mix},
		{"ZK key not on curve", offZK},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := ParsePublicKey(tc.b); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ParsePublicKey = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestDocument(t *testing.T) {
	k := deterministicKey(t, 10)
	doc := NewDocument(k.Public())
	if len(doc.VerificationMethod) != 3 {
		t.Fatalf("document lists %d methods, want 3", len(doc.VerificationMethod))
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseDocument(data)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := parsed.PublicKey()
	if err != nil || !pub.Equal(k.Public()) {
		t.Fatalf("document key set differs: %v", err)
	}

	other := NewDocument(deterministicKey(t, 11).Public())
	swapped := *doc
	swapped.VerificationMethod = append([]VerificationMethod{}, doc.VerificationMethod...)
	swapped.VerificationMethod[0] = other.VerificationMethod[0]
	swapped.VerificationMethod[0].Controller = doc.ID
	foreign := *doc
	foreign.VerificationMethod = append([]VerificationMethod{}, doc.VerificationMethod...)
	foreign.VerificationMethod[2].Controller = other.ID
	for _, tc := range []struct {
		desc string
		doc  *Document
	}{
		{"Ed25519 key of another party", &swapped},
		{"method controlled by another party", &foreign},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := tc.doc.PublicKey(); !errors.Is(err, ErrInvalidDocument) {
				t.Fatalf("PublicKey = %v, want ErrInvalidDocument", err)
			}
		})
	}
	for _, bad := range []string{`{}`, `[]`, `{"@context":["https://www.w3.org/ns/did/v1"],"id":"did:key:z6Mk"}`, string(data) + `{}`,
		strings.Replace(string(data), `"authentication"`, `"unknownField":1,"authentication"`, 1)} {
		if _, err := ParseDocument([]byte(bad)); !errors.Is(err, ErrInvalidDocument) {
			t.Errorf("ParseDocument(%.40q) = %v, want ErrInvalidDocument", bad, err)
		}
	}
}

func TestKeyResolver(t *testing.T) {
	k := deterministicKey(t, 12)
	doc, err := KeyResolver{}.Resolve(context.Background(), k.DID())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := doc.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if pub.ZK() != nil {
		t.Error("offline did:key resolution invented a ZK key")
	}
	if !bytes.Equal(pub.X25519().Bytes(), k.Public().X25519().Bytes()) {
		t.Error("resolved X25519 key differs from the party's")
	}
	// What is sealed to a resolved did:key opens with the party's key.
	ct, err := pub.Seal([]byte("i"), []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open([]byte("i"), ct); err != nil {
		t.Fatal(err)
	}
	if _, err := (KeyResolver{}).Resolve(context.Background(), "did:web:example.org"); !errors.Is(err, ErrInvalidDID) {
		t.Fatalf("Resolve(did:web) = %v, want ErrInvalidDID", err)
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Equal(b) {
		t.Fatal("two generated keys are equal")
	}
	if _, err := GenerateKey(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Fatal("GenerateKey accepted a short random source")
	}
	c, _ := GenerateKey(bytes.NewReader(bytes.Repeat([]byte{6}, 32)))
	if !c.Equal(deterministicKey(t, 6)) {
		t.Fatal("GenerateKey is not the seed's key")
	}
}

func BenchmarkSign(b *testing.B) {
	k := deterministicKey(b, 1)
	msg := make([]byte, 256)
	b.ReportAllocs()
	for b.Loop() {
		k.Sign("bench", msg)
	}
}

func BenchmarkVerify(b *testing.B) {
	k := deterministicKey(b, 1)
	msg := make([]byte, 256)
	sig := k.Sign("bench", msg)
	b.ReportAllocs()
	for b.Loop() {
		if err := k.Public().Verify("bench", msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDID(b *testing.B) {
	d := deterministicKey(b, 1).DID().String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDID(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePublicKey(b *testing.B) {
	pub := deterministicKey(b, 1).Public().Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePublicKey(pub); err != nil {
			b.Fatal(err)
		}
	}
}

// oversizedDID is a syntactically plausible did:key of n bytes: the
// prefix and base58 digits, the worst case for the decoder.
func oversizedDID(n int) string {
	return "did:key:z" + strings.Repeat("6Mk", n/3+1)[:n-len("did:key:z")]
}

// TestOversizedInputs: inputs over the caps are refused with ErrTooLong
// before any decoding, by every entry point that takes a DID, a multibase
// key or a document; inputs cut or padded around a valid one are refused
// with the right sentinel and never accepted.
func TestOversizedInputs(t *testing.T) {
	ctx := context.Background()
	did := oversizedDID(1 << 20)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"ParseDID", func() error { _, err := ParseDID(did); return err }(), ErrInvalidDID},
		{"DID.Ed25519", func() error { _, err := DID(did).Ed25519(); return err }(), ErrInvalidDID},
		{"VerifyDID", VerifyDID(DID(did), "d", nil, make([]byte, 64)), ErrInvalidDID},
		{"KeyResolver", func() error { _, err := KeyResolver{}.Resolve(ctx, DID(did)); return err }(), ErrInvalidDID},
		{"PublicKey.UnmarshalText", new(PublicKey).UnmarshalText([]byte(did[len("did:key:"):])), ErrInvalidKey},
		{"PrivateKey.UnmarshalText", new(PrivateKey).UnmarshalText([]byte(did[len("did:key:"):])), ErrInvalidKey},
		{"ParseDocument", func() error { _, err := ParseDocument(make([]byte, MaxDocumentSize+1)); return err }(), ErrInvalidDocument},
		{"ParseDocument with a long DID", func() error {
			doc, _ := json.Marshal(NewDocument(deterministicKey(t, 3).Public()))
			long := oversizedDID(MaxDocumentSize / 16)
			b := bytes.ReplaceAll(doc, []byte(deterministicKey(t, 3).DID()), []byte(long))
			if len(b) > MaxDocumentSize {
				t.Fatalf("test document is %d bytes, over the cap", len(b))
			}
			_, err := ParseDocument(b)
			return err
		}(), ErrInvalidDocument},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) || !errors.Is(c.err, ErrTooLong) {
			t.Errorf("%s: %v, want %v and ErrTooLong", c.name, c.err, c.want)
		}
	}
	// Cut and pad a valid DID up to one past the cap.
	valid := string(deterministicKey(t, 4).DID())
	for n := 0; n <= MaxDIDLength+1; n++ {
		s := (valid + strings.Repeat("z", MaxDIDLength+1))[:n]
		_, err := ParseDID(s)
		switch {
		case n == len(valid):
			if err != nil {
				t.Fatalf("valid DID refused: %v", err)
			}
		case !errors.Is(err, ErrInvalidDID):
			t.Fatalf("ParseDID(%d bytes) = %v, want ErrInvalidDID", n, err)
		case (n > MaxDIDLength) != errors.Is(err, ErrTooLong):
			t.Fatalf("ParseDID(%d bytes) = %v: ErrTooLong exactly above %d", n, err, MaxDIDLength)
		}
	}
	// Cut and pad a key set's text form likewise.
	text, _ := deterministicKey(t, 5).Public().MarshalText()
	for n := 0; n <= MaxMultibaseLength+1; n++ {
		s := (string(text) + strings.Repeat("z", MaxMultibaseLength+1))[:n]
		err := new(PublicKey).UnmarshalText([]byte(s))
		switch {
		case n == len(text):
			if err != nil {
				t.Fatalf("valid key text refused: %v", err)
			}
		case !errors.Is(err, ErrInvalidKey):
			t.Fatalf("UnmarshalText(%d bytes) = %v, want ErrInvalidKey", n, err)
		case (n > MaxMultibaseLength) != errors.Is(err, ErrTooLong):
			t.Fatalf("UnmarshalText(%d bytes) = %v: ErrTooLong exactly above %d", n, err, MaxMultibaseLength)
		}
	}
}

// BenchmarkParseDIDOversized: refusing a 1 MiB did:key (7.5 s before the
// length cap, quadratic base58 decoding).
func BenchmarkParseDIDOversized(b *testing.B) {
	d := oversizedDID(1 << 20)
	for b.Loop() {
		if _, err := ParseDID(d); !errors.Is(err, ErrInvalidDID) {
			b.Fatal(err)
		}
	}
}

// TestDocumentCutAndPad: every prefix of a DID document and the document
// with bytes appended (a stray ']' or '}' included) are refused.
func TestDocumentCutAndPad(t *testing.T) {
	doc, err := json.Marshal(NewDocument(deterministicKey(t, 7).Public()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseDocument(doc); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(doc); i++ {
		if _, err := ParseDocument(doc[:i]); !errors.Is(err, ErrInvalidDocument) {
			t.Fatalf("prefix %d: %v, want ErrInvalidDocument", i, err)
		}
	}
	for _, pad := range []string{"]", "}", "x", "{}", "\x00"} {
		if _, err := ParseDocument(append(bytes.Clone(doc), pad...)); !errors.Is(err, ErrInvalidDocument) {
			t.Fatalf("padded with %q: %v, want ErrInvalidDocument", pad, err)
		}
	}
}
