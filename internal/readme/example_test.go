package readme_test

// README START
import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	// Keys of the ministry (governance), the civil registry, a venue
	// licensing agency, the citizen's wallet and the ledger itself.
	var keys [5]*identity.PrivateKey
	for i := range keys {
		var err error
		if keys[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, registry, venue, citizen := keys[0], keys[1], keys[2], keys[3]
	l, err := ledger.NewInMemory(keys[4]) // ledger.Open(path, key) keeps it in a file
	if err != nil {
		return err
	}
	defer l.Close()

	// The ministry accredits the registry and publishes the official
	// verifying key. The proving key comes from the user's cache, made once
	// by a single-party DEMO setup (production keys: zkp.Ceremony).
	if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry of Digital Affairs", time.Now()); err != nil {
		return err
	}
	if _, err := ledger.RegisterAgency(ctx, l, registry, "Civil Registry", time.Now()); err != nil {
		return err
	}
	if _, err := ledger.RegisterAgency(ctx, l, venue, "Venue Licensing", time.Now()); err != nil {
		return err
	}
	if _, err := ledger.AccreditAgency(ctx, l, ministry, registry.DID(), ledger.RoleIssuer, []string{"Identity"}, time.Now()); err != nil {
		return err
	}
	pk, _, err := zkp.KeyCache{}.LoadOrSetupShapeUnsafe(ctx, zkp.ShapeV2(zkp.Groth16, 1))
	if err != nil {
		return err
	}
	if _, err := consent.PublishVerifyingKey(ctx, l, ministry, pk.VerifyingKey(), time.Now()); err != nil {
		return err
	}

	// The registry issues a credential sealed to the wallet; it sees only
	// the binding of the wallet's secret, the ledger only a commitment.
	schema := credential.MustSchema("Identity", 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true})
	issuer, err := credential.NewIssuer(registry, l, credential.NewRegistry(), credential.IssuerOptions{})
	if err != nil {
		return err
	}
	if err := issuer.Setup(ctx, schema); err != nil {
		return err
	}
	secret, err := credential.NewHolderSecret(nil)
	if err != nil {
		return err
	}
	issued, sealed, err := issuer.IssueSealed(ctx, schema, &credential.Request{HolderBinding: credential.HolderBinding(secret),
		Claims: credential.Claims{"birthDate": "2004-03-09"}, ValidUntil: time.Now().AddDate(10, 0, 0)}, citizen.Public())
	if err != nil {
		return err
	}
	cred, err := credential.Open(citizen, sealed)
	if err != nil {
		return err
	}
	witness, err := issuer.Registry().Witness(issued.Core.RevocationIndex)
	if err != nil {
		return err
	}

	// The venue asks "born at least 18 years ago?"; the citizen consents
	// to exactly that, and the consent receipt goes on the ledger.
	gate, err := consent.NewGate(ctx, venue, l, consent.NewZKSystem(pk.VerifyingKey()))
	if err != nil {
		return err
	}
	req, err := gate.NewRequest(consent.Request{Purpose: consent.PurposeAgeVerification, LegalBasis: consent.BasisLegalObligation,
		NoticeVersion: "entry/1", Types: []string{"Identity/1"}, Scope: "venue/age",
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(time.Now().AddDate(-18, 0, 0))}}})
	if err != nil {
		return err
	}
	grant, err := consent.NewGrant(nil, citizen.DID(), req, time.Now(), 24*time.Hour)
	if err != nil {
		return err
	}
	if err := grant.Sign(citizen); err != nil {
		return err
	}
	if _, err := consent.Anchor(ctx, l, citizen, grant, time.Now()); err != nil {
		return err
	}

	// The wallet proves under the grant's live status that the credential's
	// key is in the ledger's issuer set for its type, without naming the
	// issuer; the venue checks the proof, the set root, the key, the nonce
	// and the consent, and records the access on the ledger.
	status, err := consent.StatusOf(l, grant, time.Now())
	if err != nil {
		return err
	}
	held, err := consent.HeldV2(l.State(), cred, witness)
	if err != nil {
		return err
	}
	p, err := consent.PresentV2(ctx, citizen, pk, req, status, &zkp.HoldingV2{Secret: secret, Credentials: []zkp.HeldCredential{held}}, time.Now())
	if err != nil {
		return err
	}
	res, err := gate.Verify(ctx, req, p)
	if err != nil {
		return err
	}
	fmt.Printf("verified: the holder is 18 or older; claims disclosed: %d\n", len(res.Disclosed))
	return nil
}

// README END

// The README's program: accreditation, issuance, consent, proof and
// verification on an in-memory ledger.
func Example() {
	if err := run(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output: verified: the holder is 18 or older; claims disclosed: 0
}
