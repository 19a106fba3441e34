package sdjwt_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/sdjwt"
	"github.com/civicproof/civicproof/identity"
)

// An agency issues a credential as an SD-JWT VC; the holder shows only the
// district to a verifier, bound to the verifier's audience and nonce.
func Example() {
	agency, _ := identity.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	holder := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
	s := credential.MustSchema("ResidenceCard", 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true})
	issuedAt := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	secret, _ := credential.NewHolderSecret(nil)
	c, err := credential.Sign(nil, agency, s, &credential.Request{
		HolderBinding: credential.HolderBinding(secret),
		Claims:        credential.Claims{"birthDate": "2000-02-29", "district": "Ward 3"},
		ValidUntil:    issuedAt.AddDate(5, 0, 0),
	}, 42, issuedAt)
	if err != nil {
		panic(err)
	}
	vc, err := sdjwt.Issue(nil, agency, c, holder.Public().(ed25519.PublicKey))
	if err != nil {
		panic(err)
	}
	pres, err := vc.Present(holder, []string{"district"}, "https://agency.example", "nonce-123", issuedAt)
	if err != nil {
		panic(err)
	}
	p, err := sdjwt.VerifyPresentation(pres, sdjwt.VerifyOptions{
		Audience: "https://agency.example", Nonce: "nonce-123",
		Trusted: []identity.DID{agency.DID()},
		Now:     func() time.Time { return issuedAt.Add(time.Minute) },
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("parts:", strings.Count(pres, "~")+1)
	fmt.Println("district:", string(p.Disclosed["district"]))
	_, hidden := p.Disclosed["birthDate"]
	fmt.Println("birthDate disclosed:", hidden)
	// Output:
	// parts: 3
	// district: "Ward 3"
	// birthDate disclosed: false
}
