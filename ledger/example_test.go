package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

func seededKey(b byte) *identity.PrivateKey {
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		panic(err)
	}
	return k
}

// A root authority founds the ledger, an agency registers and is
// accredited, and a client checks the agency's registration against a
// signed checkpoint without trusting the ledger.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ledgerKey, root, registry := seededKey(1), seededKey(2), seededKey(3)

	l, err := ledger.NewInMemory(ledgerKey, ledger.WithOrigin("ledger.example.gov"),
		ledger.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	defer l.Close()

	submit := func(key *identity.PrivateKey, p ledger.Payload) ledger.Receipt {
		sr, err := ledger.NewRecord(key.DID(), now, p).Sign(key)
		if err != nil {
			panic(err)
		}
		r, err := l.Submit(ctx, sr)
		if err != nil {
			panic(err)
		}
		return r
	}
	submit(root, &ledger.GovernanceInit{Name: "Ministry of Digital Affairs"})
	reg := submit(registry, &ledger.AgencyRegister{Key: registry.Public(), Name: "Civil Registry"})
	submit(root, &ledger.Accredit{Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{"Age"}})

	// An agency may not accredit itself.
	self, _ := ledger.NewRecord(registry.DID(), now, &ledger.Accredit{
		Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{"Residence"}}).Sign(registry)
	_, err = l.Submit(ctx, self)
	fmt.Println("self-accreditation refused:", errors.Is(err, ledger.ErrUnauthorized))

	// A client holding only the origin and the ledger's public key.
	v, _ := ledger.NewVerifier("ledger.example.gov", ledgerKey.Public().Ed25519())
	latest, _ := l.Checkpoint(ctx)
	cp, err := v.ParseCheckpoint(latest.Note)
	fmt.Println("checkpoint size:", cp.Size, err)
	rec, _ := l.Record(ctx, reg.Index)
	entry, _ := rec.Bytes()
	path, _ := l.InclusionProof(ctx, reg.Index, cp.Size)
	fmt.Println("registration included:", ledger.VerifyInclusion(cp, reg.Index, entry, path) == nil)
	fmt.Println("accredited for Age:", l.State().IsAccredited(registry.DID(), ledger.RoleIssuer, "Age"))
	// Output:
	// self-accreditation refused: true
	// checkpoint size: 3 <nil>
	// registration included: true
	// accredited for Age: true
}
