package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func FuzzParseDID(f *testing.F) {
	f.Add("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	f.Add("did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p")
	f.Add("did:key:")
	f.Add("did:web:x")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDID(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDID) {
				t.Fatalf("error does not wrap ErrInvalidDID: %v", err)
			}
			return
		}
		pub, err := d.Ed25519()
		if err != nil {
			t.Fatal(err)
		}
		if DIDFromEd25519(pub) != d {
			t.Fatalf("round trip %q -> %q", s, DIDFromEd25519(pub))
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	k, _ := NewKeyFromSeed(make([]byte, 32))
	f.Add(k.Public().Bytes())
	f.Add(make([]byte, PublicKeySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePublicKey(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("error does not wrap ErrInvalidKey: %v", err)
			}
			return
		}
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatal("round trip differs")
		}
	})
}

func FuzzUnmarshalText(f *testing.F) {
	k, _ := NewKeyFromSeed(make([]byte, 32))
	pt, _ := k.Public().MarshalText()
	st, _ := k.MarshalText()
	f.Add(string(pt))
	f.Add(string(st))
	f.Fuzz(func(t *testing.T, s string) {
		var p PublicKey
		if err := p.UnmarshalText([]byte(s)); err == nil {
			out, _ := p.MarshalText()
			if string(out) != s {
				t.Fatalf("public key text round trip %q -> %q", s, out)
			}
		}
		var k PrivateKey
		if err := k.UnmarshalText([]byte(s)); err == nil {
			out, _ := k.MarshalText()
			if string(out) != s {
				t.Fatalf("private key text round trip %q -> %q", s, out)
			}
		}
	})
}

func FuzzParseDocument(f *testing.F) {
	k, _ := NewKeyFromSeed(make([]byte, 32))
	doc, _ := json.Marshal(NewDocument(k.Public()))
	f.Add(doc)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDocument(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidDocument) && !errors.Is(err, ErrInvalidDID) && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if _, err := d.PublicKey(); err != nil {
			t.Fatalf("accepted document has no valid key set: %v", err)
		}
	})
}
