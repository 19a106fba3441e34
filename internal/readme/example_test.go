package readme_test

import (
	"context"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// The README's whole flow: accreditation, issuance, consent, proof and
// verification on an in-memory ledger.
func Example() {
	if err := flow(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verified")
	// Output: verified
}

func flow() error {
	ctx, now := context.Background(), time.Now()
	ministry, registry, venue, citizen := key(), key(), key(), key()
	l, _ := ledger.NewInMemory(key())
	post := func(k *identity.PrivateKey, p ledger.Payload) {
		sr, _ := ledger.NewRecord(k.DID(), now, p).Sign(k)
		if _, err := l.Submit(ctx, sr); err != nil {
			panic(err)
		}
	}
	post(ministry, &ledger.GovernanceInit{Name: "Ministry"})
	post(registry, &ledger.AgencyRegister{Key: registry.Public(), Name: "Civil Registry"})
	post(venue, &ledger.AgencyRegister{Key: venue.Public(), Name: "Venue Licensing"})
	post(ministry, &ledger.Accredit{Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{"Identity"}})
	pk, vk, _ := zkp.SetupUnsafe(ctx, zkp.Groth16) // demo setup; production keys come from zkp's ceremony
	post(ministry, &ledger.VerifyingKey{Shape: vk.Shape(), Fingerprint: ledger.Hash(vk.Fingerprint())})

	// README START
	// The registry issues; the citizen keeps the secret and sends only its binding.
	schema := credential.MustSchema("Identity", 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true})
	issuer, _ := credential.NewIssuer(registry, l, credential.NewRegistry(), credential.IssuerOptions{})
	_ = issuer.RegisterSchema(ctx, schema)
	secret, _ := credential.NewHolderSecret(nil)
	cred, _ := issuer.Issue(ctx, schema, &credential.Request{HolderBinding: credential.HolderBinding(secret),
		Claims: credential.Claims{"birthDate": "2004-03-09"}, ValidUntil: now.AddDate(10, 0, 0)})
	_, _ = issuer.PublishRevocations(ctx)
	witness, _ := issuer.Registry().Witness(cred.Core.RevocationIndex)

	// The venue asks "born at least 18 years ago?"; the citizen consents to exactly that.
	gate, _ := consent.NewGate(ctx, venue, l, consent.NewZKSystem(vk))
	req, _ := gate.NewRequest(consent.Request{Purpose: consent.PurposeAgeVerification,
		LegalBasis: consent.BasisLegalObligation, NoticeVersion: "entry/1", Types: []string{"Identity/1"},
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(now.AddDate(-18, 0, 0))}},
		Scope:      "venue/age"})
	grant, _ := consent.NewGrant(nil, citizen.DID(), req, now, 24*time.Hour)
	_ = grant.Sign(citizen)
	_, _ = consent.Anchor(ctx, l, citizen, grant, now)

	// The wallet proves; the venue verifies proof, issuer, key, root, nonce and consent.
	st, _ := consent.StatusOf(l, grant, now)
	p, err := consent.Present(ctx, citizen, pk, req, st, &zkp.Holding{Credential: cred, Secret: secret, Witness: witness}, now)
	if err != nil {
		return err
	}
	res, err := gate.Verify(ctx, req, p) // res.Disclosed is empty: the venue learns "18 or older", nothing else
	// README END
	if err == nil && len(res.Disclosed) != 0 {
		return fmt.Errorf("disclosed %v", res.Disclosed)
	}
	return err
}

func key() *identity.PrivateKey { k, _ := identity.GenerateKey(nil); return k }
