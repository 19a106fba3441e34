package sdjwt_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential/sdjwt"
	"github.com/civicproof/civicproof/identity"
)

// FuzzVerifyPresentation feeds arbitrary text to the parser and verifier:
// never a panic, and whatever verifies must carry the trusted issuer.
func FuzzVerifyPresentation(f *testing.F) {
	w := newWorld(f)
	good, err := w.sd.Present(w.holder, []string{"district"}, "aud", "nonce", w.clock)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(w.sd.String())
	f.Add("a.b.c~~")
	f.Add("~")
	opts := sdjwt.VerifyOptions{Audience: "aud", Nonce: "nonce", Trusted: []identity.DID{w.agency.DID()},
		Now: func() time.Time { return w.clock }}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := sdjwt.VerifyPresentation(s, opts); err == nil && p.Issuer != w.agency.DID() {
			t.Fatalf("verified a presentation by %s", p.Issuer)
		}
		if c, err := sdjwt.Parse(s); err == nil {
			if _, err := c.Present(ed25519.NewKeyFromSeed(make([]byte, 32)), nil, "a", "n", w.clock); err == nil && !c.Claims.HolderKey.Equal(ed25519.NewKeyFromSeed(make([]byte, 32)).Public()) {
				t.Fatal("presented with a key that is not bound")
			}
		}
	})
}

func BenchmarkVerifyPresentation(b *testing.B) {
	w := newWorld(b)
	pres, err := w.sd.Present(w.holder, []string{"district", "birthDate"}, "aud", "nonce", w.clock)
	if err != nil {
		b.Fatal(err)
	}
	opts := sdjwt.VerifyOptions{Audience: "aud", Nonce: "nonce", Trusted: []identity.DID{w.agency.DID()},
		Now: func() time.Time { return w.clock }}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sdjwt.VerifyPresentation(pres, opts); err != nil {
			b.Fatal(err)
		}
	}
}
