// Command agegate shows a citizen proving to a venue licensing agency that
// they are at least 18 without revealing their birth date: accreditation,
// issuance sealed to the wallet, consent, a zero-knowledge proof checked
// against the ledger, a replay refused, consent withdrawn. It runs on an
// embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/agegate
package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/examples/narrate"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

func main() { narrate.Main("agegate", run) }

// identitySchema is the registry's credential: birth date and district.
var identitySchema = credential.MustSchema("Identity", 1,
	credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true})

func run(ctx context.Context, dir string, n *narrate.Narrator) error {
	n.Say("civicproof age gate: a citizen shows a venue licensing agency that they are 18 or older.")
	var k [5]*identity.PrivateKey // the ministry, two agencies, the ledger, the citizen
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, registry, licensing, w := k[0], k[1], k[2], &wallet{key: k[4]}
	if w.secret, err = credential.NewHolderSecret(nil); err != nil {
		return err
	}
	l, err := ledger.Open(filepath.Join(dir, "ledger.db"), k[3])
	if err != nil {
		return err
	}
	defer l.Close()
	var pk *zkp.ProvingKey
	var gate *consent.Gate
	var req *consent.Request
	var p *consent.Presentation
	return n.Finish("agegate",
		narrate.Step{Title: "The ministry accredits the civil registry to issue Identity credentials", Do: func() error {
			n.Say("Civil Registry %s\n   Licensing agency %s", registry.DID(), licensing.DID())
			if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry of Digital Affairs", time.Now()); err != nil {
				return err
			}
			if _, err := ledger.RegisterAgency(ctx, l, registry, "Civil Registry", time.Now()); err != nil {
				return err
			}
			if _, err := ledger.RegisterAgency(ctx, l, licensing, "Venue Licensing Agency", time.Now()); err != nil {
				return err
			}
			_, err := ledger.AccreditAgency(ctx, l, ministry, registry.DID(), ledger.RoleIssuer, []string{"Identity"}, time.Now())
			return err
		}},
		narrate.Step{Title: "Proving key of the presentation circuit; the ministry publishes its verifying key", Do: func() error {
			// From the user's cache, or made once by a single-party DEMO setup
			// (production keys come from zkp.Ceremony).
			var made bool
			took, err := n.Wait("loading or making the proving key", func() error { pk, made, err = zkp.KeyCache{}.LoadOrSetupUnsafe(ctx, zkp.Groth16); return err })
			if err != nil {
				return err
			}
			n.Say("Proving key ready in %v (newly made: %v).", took.Round(time.Millisecond), made)
			_, err = consent.PublishVerifyingKey(ctx, l, ministry, pk.VerifyingKey(), time.Now())
			return err
		}},
		narrate.Step{Title: "The registry issues the citizen an identity credential, sealed to the wallet", Do: func() error {
			issuer, err := credential.NewIssuer(registry, l, credential.NewRegistry(), credential.IssuerOptions{})
			if err != nil {
				return err
			}
			if err := issuer.Setup(ctx, identitySchema); err != nil { // schema registered, first revocation root
				return err
			}
			// The registry sees only the binding of the wallet's secret.
			_, sealed, err := issuer.IssueSealed(ctx, identitySchema, &credential.Request{HolderBinding: credential.HolderBinding(w.secret),
				Claims: credential.Claims{"birthDate": "2004-03-09", "district": "Ward 3"}, ValidUntil: time.Now().AddDate(10, 0, 0)}, w.key.Public())
			if err != nil {
				return err
			}
			n.Say("Sent sealed (%d bytes); the ledger holds a commitment, not the birth date.", len(sealed))
			return w.receive(sealed, issuer.Registry())
		}},
		narrate.Step{Title: "The agency asks \"age ≥ 18?\"; the citizen consents to exactly that", Do: func() error {
			if gate, err = consent.NewGate(ctx, licensing, l, consent.NewZKSystem(pk.VerifyingKey())); err != nil {
				return err
			}
			// "Born on or before today minus 18 years?", and nothing else.
			if req, err = gate.NewRequest(consent.Request{Purpose: consent.PurposeAgeVerification, LegalBasis: consent.BasisLegalObligation,
				NoticeVersion: "venue-entry/1", Types: []string{consent.TypeName(identitySchema)}, Scope: "venue-licensing/age-check",
				Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(time.Now().AddDate(-18, 0, 0))}}}); err != nil {
				return err
			}
			_, err := consent.CheckRequest(time.Now(), req)
			n.Say("Wallet: %v; the citizen reads the request and agrees.", err)
			if err := want(err, consent.ErrNoConsent); err != nil {
				return err
			}
			return w.consent(ctx, l, req)
		}},
		narrate.Step{Title: "The wallet proves age ≥ 18 in zero knowledge; the agency verifies", Do: func() error {
			took, err := n.Wait("proving", func() error { p, err = w.present(ctx, l, pk, req); return err })
			if err != nil {
				return err
			}
			res, err := gate.Verify(ctx, req, p)
			if err != nil {
				return err
			}
			n.Say("Proved in %v (%d bytes). Accepted: 18 or older; disclosed: %d claims; access record at index %d.",
				took.Round(time.Millisecond), len(p.Proof), len(res.Disclosed), res.Access.Index)
			return nil
		}},
		narrate.Step{Title: "Someone replays the same proof", Do: func() error {
			_, err := gate.Verify(ctx, req, p)
			n.Say("Refused: %v", err)
			return want(err, consent.ErrReplay)
		}},
		narrate.Step{Title: "The citizen withdraws consent; the wallet refuses to prove again", Do: func() error {
			if _, err := consent.Withdraw(ctx, l, w.key, w.grant, time.Now()); err != nil {
				return err
			}
			_, err := w.present(ctx, l, pk, req)
			n.Say("Wallet: %v; nothing proven, nothing sent.", err)
			return want(err, consent.ErrConsentWithdrawn)
		}},
	)
}

// want checks that err is the refusal the demo expects.
func want(err, refusal error) error {
	if !errors.Is(err, refusal) {
		return fmt.Errorf("want %q, got %v", refusal, err)
	}
	return nil
}

// wallet is the citizen's side: it sees only what is sent to it.
type wallet struct {
	key    *identity.PrivateKey
	secret fr.Element // never leaves the wallet
	hold   *zkp.Holding
	grant  *consent.Grant
}

// receive opens a sealed credential; its revocation witness comes from the issuer.
func (w *wallet) receive(sealed []byte, reg *credential.Registry) error {
	c, err := credential.Open(w.key, sealed)
	if err != nil {
		return err
	}
	wit, err := reg.Witness(c.Core.RevocationIndex)
	w.hold = &zkp.Holding{Credential: c, Secret: w.secret, Witness: wit}
	return err
}

// consent has the citizen grant exactly what req asks, for a year,
// anchored on the ledger.
func (w *wallet) consent(ctx context.Context, l ledger.Ledger, req *consent.Request) (err error) {
	if w.grant, err = consent.NewGrant(nil, w.key.DID(), req, time.Now(), 365*24*time.Hour); err != nil {
		return err
	}
	if err := w.grant.Sign(w.key); err != nil {
		return err
	}
	_, err = consent.Anchor(ctx, l, w.key, w.grant, time.Now())
	return err
}

// present answers req under the grant's status on the ledger right now.
func (w *wallet) present(ctx context.Context, l ledger.Ledger, pk *zkp.ProvingKey, req *consent.Request) (*consent.Presentation, error) {
	st, err := consent.StatusOf(l, w.grant, time.Now())
	if err != nil {
		return nil, err
	}
	return consent.Present(ctx, w.key, pk, req, st, w.hold, time.Now())
}
