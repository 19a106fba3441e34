package credential_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

func key(b byte) *identity.PrivateKey {
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		panic(err)
	}
	return k
}

// An accredited registry office issues a birth certificate; a verifier
// checks it against the ledger; the office revokes it.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	root, office, citizen := key(1), key(2), key(3)

	l, err := ledger.NewInMemory(key(4), ledger.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer l.Close()
	submit := func(k *identity.PrivateKey, p ledger.Payload) {
		sr, _ := ledger.NewRecord(k.DID(), now, p).Sign(k)
		if _, err := l.Submit(ctx, sr); err != nil {
			panic(err)
		}
	}
	submit(root, &ledger.GovernanceInit{Name: "Ministry of Digital Affairs"})
	submit(office, &ledger.AgencyRegister{Key: office.Public(), Name: "Civil Registry"})
	submit(root, &ledger.Accredit{Agency: office.DID(), Role: ledger.RoleIssuer, Types: []string{"BirthCertificate"}})

	schema := credential.MustSchema("BirthCertificate", 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
	)
	issuer, err := credential.NewIssuer(office, l, credential.NewRegistry(), credential.IssuerOptions{Now: clock})
	if err != nil {
		panic(err)
	}
	if err := issuer.RegisterSchema(ctx, schema); err != nil {
		panic(err)
	}
	if _, err := issuer.PublishRevocations(ctx); err != nil {
		panic(err)
	}

	// The citizen keeps the secret and sends only its binding.
	secret, _ := credential.NewHolderSecret(nil)
	cred, err := issuer.Issue(ctx, schema, &credential.Request{
		Holder:        citizen.DID(),
		HolderBinding: credential.HolderBinding(secret),
		Claims:        credential.Claims{"birthDate": "1990-02-28", "district": "Hoan Kiem"},
		ValidUntil:    now.AddDate(10, 0, 0),
	})
	if err != nil {
		panic(err)
	}
	sealed, _ := credential.Seal(cred, citizen.Public())
	held, err := credential.Open(citizen, sealed)
	if err != nil {
		panic(err)
	}
	fmt.Println("bound to my secret:", held.CheckHolder(secret) == nil)

	verifier, _ := credential.NewVerifier(l.State(), credential.VerifierOptions{Now: clock, MaxRootAge: 24 * time.Hour})
	witness, _ := issuer.Registry().Witness(held.Core.RevocationIndex)
	fmt.Println("verify:", verifier.Verify(ctx, held, witness))

	_ = issuer.Revoke(held)
	_, _ = issuer.PublishRevocations(ctx)
	witness, _ = issuer.Registry().Witness(held.Core.RevocationIndex)
	fmt.Println("revoked:", errors.Is(verifier.Verify(ctx, held, witness), credential.ErrRevoked))
	// Output:
	// bound to my secret: true
	// verify: <nil>
	// revoked: true
}
