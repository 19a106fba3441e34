// Command agegate shows a citizen proving to a venue's licensing agency that
// they are at least 18, without revealing their birth date.
//
// The civil registry issues an identity credential; the citizen grants the
// licensing agency consent for "age ≥ 18" only and proves it in zero
// knowledge; the agency verifies against the ledger and learns nothing else.
// A replay of the same proof is refused, and after the citizen withdraws
// consent a fresh proof is refused too. Every step runs for real on an
// embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/agegate
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/zkp"
)

func main() { demo.Main("agegate", run) }

// identitySchema is the registry's credential: birth date and district.
var identitySchema = credential.MustSchema("Identity", 1,
	credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
)

func run(ctx context.Context, dir string, out, errw io.Writer) error {
	var (
		registry, licensing, citizen *identity.PrivateKey
		gate                         *consent.Gate
		hold                         *zkp.Holding
		grant                        *consent.Grant
		req                          *consent.Request
		p                            *consent.Presentation
	)
	w, n, err := demo.Start(ctx, dir, out, errw, "Ministry of Digital Affairs",
		"civicproof age gate: a citizen shows a venue licensing agency that they are 18 or older.")
	if err != nil {
		return err
	}
	defer w.Close()
	return n.Finish("agegate",
		demo.Step{Title: "The ministry opens the ledger; the civil registry is accredited to issue Identity credentials", Fn: func() error {
			var err error
			if registry, err = w.Agency(ctx, "Civil Registry", identitySchema.Name); err != nil {
				return err
			}
			if licensing, err = w.Agency(ctx, "Venue Licensing Agency"); err != nil {
				return err
			}
			if citizen, err = identity.GenerateKey(nil); err != nil {
				return err
			}
			n.Say("Civil Registry:  %s", registry.DID())
			n.Say("Licensing agency: %s", licensing.DID())
			n.Say("Citizen:          %s (keys stay in the wallet)", citizen.DID())
			return nil
		}},
		w.KeysStep(ctx, n),
		demo.Step{Title: "The registry issues the citizen an identity credential", Fn: func() error {
			issuer, err := w.Issuer(ctx, registry, identitySchema)
			if err != nil {
				return err
			}
			// The holder secret stays in the wallet: the registry binds the
			// credential to its hash and never sees the secret.
			secret, err := credential.NewHolderSecret(nil)
			if err != nil {
				return err
			}
			claims := credential.Claims{"birthDate": "2004-03-09", "district": "Ward 3"}
			var sealed int
			if hold, sealed, err = w.Hold(ctx, issuer, identitySchema, citizen, secret, claims, w.Now().AddDate(10, 0, 0)); err != nil {
				return err
			}
			n.Say("Delivered encrypted to the citizen's HPKE key (%d bytes).", sealed)
			n.Say("The ledger records only a commitment to the credential, not the birth date.")
			return nil
		}},
		demo.Step{Title: "The agency asks \"age ≥ 18?\"; the wallet finds no consent and the citizen grants exactly that", Fn: func() error {
			var err error
			if gate, err = w.Gate(ctx, licensing); err != nil {
				return err
			}
			if req, err = ageRequest(gate, w.Now()); err != nil {
				return err
			}
			_, err = consent.CheckRequest(w.Now(), req)
			if !errors.Is(err, consent.ErrNoConsent) {
				return fmt.Errorf("wallet check before consent: want no consent, got %v", err)
			}
			n.Say("Wallet: %v", err)
			if grant, err = w.Consent(ctx, citizen, req, 365*24*time.Hour); err != nil {
				return err
			}
			n.Say("Consent receipt anchored on the ledger: purpose %s, legal basis %s, one predicate.", req.Purpose, req.LegalBasis)
			return nil
		}},
		demo.Step{Title: "The citizen proves age ≥ 18 in zero knowledge", Fn: func() error {
			// The wallet answers the request the citizen consented to.
			var (
				took time.Duration
				err  error
			)
			if p, took, err = w.Prove(ctx, citizen, req, grant, hold); err != nil {
				return err
			}
			n.Say("Proof made in %v: %d bytes (a 128-byte Groth16 proof with its key fingerprint, root and nullifier).", took.Round(time.Millisecond), len(p.Proof))
			return nil
		}},
		demo.Step{Title: "The agency verifies: proof, accreditation, official key, fresh root, nonce, consent", Fn: func() error {
			start := time.Now()
			res, err := gate.Verify(ctx, req, p)
			if err != nil {
				return err
			}
			n.Say("Accepted in %v. The agency learned: the holder is 18 or older (disclosed claims: %d).", time.Since(start).Round(time.Microsecond), len(res.Disclosed))
			n.Say("It did not learn the birth date, the district, or anything that links this visit to others.")
			n.Say("Access record written to the ledger at index %d (no personal data in it).", res.Access.Index)
			return nil
		}},
		demo.Step{Title: "Someone replays the same proof", Fn: func() error {
			_, err := gate.Verify(ctx, req, p)
			if !errors.Is(err, consent.ErrReplay) {
				return fmt.Errorf("replay not refused as a replay: %v", err)
			}
			n.Say("Refused: %v", err)
			return nil
		}},
		demo.Step{Title: "The citizen withdraws consent; a fresh proof is refused", Fn: func() error {
			if _, err := consent.Withdraw(ctx, w.Ledger, citizen, grant, w.Now()); err != nil {
				return err
			}
			req2, err := ageRequest(gate, w.Now())
			if err != nil {
				return err
			}
			_, _, err = w.Prove(ctx, citizen, req2, grant, hold)
			if !errors.Is(err, consent.ErrConsentWithdrawn) {
				return fmt.Errorf("proof after withdrawal not refused for withdrawal: %v", err)
			}
			n.Say("Refused: %v", err)
			return nil
		}},
	)
}

// ageRequest asks for "born on or before today minus 18 years" and nothing else.
func ageRequest(g *consent.Gate, now time.Time) (*consent.Request, error) {
	cutoff := credential.DayValue(now.UTC().AddDate(-18, 0, 0))
	return g.NewRequest(consent.Request{
		Purpose:       consent.PurposeIdentityVerification,
		LegalBasis:    consent.BasisLegalObligation,
		NoticeVersion: "venue-entry/1",
		Types:         []string{consent.TypeName(identitySchema)},
		Predicates:    []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: cutoff}},
		Scope:         "venue-licensing/age-check",
	})
}
