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

// A verifier checks the issuer-set root a presentation proof was made
// against: it must be one of the credential type's roots, and fresh — the
// current root, or one superseded less than the verifier's chosen window
// ago.
func ExampleState_IssuerSetRoot() {
	ctx := context.Background()
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ledgerKey, root, registry, tax := seededKey(1), seededKey(2), seededKey(3), seededKey(4)
	l, err := ledger.NewInMemory(ledgerKey, ledger.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}
	defer l.Close()
	submit := func(key *identity.PrivateKey, p ledger.Payload) {
		sr, err := ledger.NewRecord(key.DID(), now, p).Sign(key)
		if err != nil {
			panic(err)
		}
		if _, err := l.Submit(ctx, sr); err != nil {
			panic(err)
		}
	}
	submit(root, &ledger.GovernanceInit{Name: "Ministry of Digital Affairs"})
	submit(registry, &ledger.AgencyRegister{Key: registry.Public(), Name: "Civil Registry"})
	submit(tax, &ledger.AgencyRegister{Key: tax.Public(), Name: "Tax Office"})
	submit(root, &ledger.Accredit{Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{"Age"}})

	// A wallet fetches the set and proves against its root with the path
	// of its issuer's leaf.
	set, err := l.State().IssuerSet("Age")
	if err != nil {
		panic(err)
	}
	i, _ := set.IndexOf(registry.DID())
	path, _ := set.Path(i)
	fmt.Println("keys:", len(set.Leaves), "leaf opens to the root:", path.Verify(set.Leaves[i].Hash, set.Root))
	proved := set.Root

	// An hour later a second issuer is accredited: the set has a new root.
	now = now.Add(time.Hour)
	submit(root, &ledger.Accredit{Agency: tax.DID(), Role: ledger.RoleIssuer, Types: []string{"Age"}})

	// The verifier accepts roots superseded less than a day ago.
	const window = 24 * time.Hour
	info, err := l.State().IssuerSetRoot("Age", proved)
	fmt.Println("known:", err == nil, "superseded:", info.Superseded)
	fmt.Println("fresh an hour later:", info.Fresh(now.Add(time.Hour), window))
	fmt.Println("fresh two days later:", info.Fresh(now.Add(48*time.Hour), window))
	_, err = l.State().IssuerSetRoot("Age", ledger.Hash{1})
	fmt.Println("unknown root refused:", errors.Is(err, ledger.ErrNotFound))
	// Output:
	// keys: 1 leaf opens to the root: true
	// known: true superseded: true
	// fresh an hour later: true
	// fresh two days later: false
	// unknown root refused: true
}
