// Command agegate shows a citizen proving to a venue licensing agency that
// they are at least 18 without revealing their birth date, nor which
// registry issued their identity: accreditation, issuance sealed to the
// wallet, consent, an issuer-hiding zero-knowledge proof (presentation
// proofs version 2) checked against the ledger's issuer set for the
// credential type, a replay refused, consent withdrawn. It runs on an
// embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/agegate
package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/examples/narrate"
	"github.com/civicproof/civicproof/holder"
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
	var k [4]*identity.PrivateKey // the ministry, two agencies, the ledger
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, registry, licensing := k[0], k[1], k[2]
	// The citizen's wallet file and agent: one master secret, one DID per issuer and per agency.
	store, err := wallet.Create(filepath.Join(dir, "wallet"), []byte(passphrase), wallet.Options{})
	if err != nil {
		return err
	}
	h, err := holder.New(store.MasterSecret(), store)
	if err != nil {
		return err
	}
	l, err := createLedger(filepath.Join(dir, "ledger.db"), k[3])
	if err != nil {
		return err
	}
	defer l.Close()
	var pk *zkp.ProvingKey
	var gate *consent.Gate
	var req *consent.Request
	var p *consent.Presentation
	var grant *consent.Grant
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
		narrate.Step{Title: "Proving key of the one-credential presentation circuit (version 2); the ministry publishes its verifying key", Do: func() error {
			// From the user's cache, or made once by a single-party DEMO setup
			// (production keys come from a ceremony).
			var made bool
			took, err := n.Wait("loading or making the proving key", func() error {
				pk, made, err = zkp.KeyCache{}.LoadOrSetupShapeUnsafe(ctx, zkp.ShapeV2(zkp.Groth16, 1))
				return err
			})
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
			// The wallet asks under its DID for the registry; the registry sees only the binding of the wallet's secret.
			creq, err := h.CredentialRequest(registry.DID(), credential.Claims{"birthDate": "2004-03-09", "district": "Ward 3"}, time.Now().AddDate(10, 0, 0))
			if err != nil {
				return err
			}
			dk, err := h.DeliveryIdentity(registry.DID()) // its public key travels with the request
			if err != nil {
				return err
			}
			_, sealed, err := issuer.IssueSealed(ctx, identitySchema, creq, dk.Public())
			if err != nil {
				return err
			}
			n.Say("Sent sealed (%d bytes); the ledger holds a commitment, not the birth date.", len(sealed))
			if _, err := h.Receive(registry.DID(), sealed); err != nil {
				return err
			}
			_, err = store.Refresh(l.State(), issuer.StatusList()) // revocation witness from the public status list
			return err
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
			grant, err = h.Consent(ctx, l, req, holder.ConsentOptions{Validity: 365 * 24 * time.Hour})
			if err == nil {
				n.Say("Citizen's pairwise DIDs: %s; the registry never sees the first.", pairwise(h, map[identity.DID]string{registry.DID(): "the registry", licensing.DID(): "the agency"}))
			}
			return err
		}},
		narrate.Step{Title: "The wallet proves age ≥ 18 in zero knowledge, issuer hidden; the agency verifies", Do: func() error {
			took, err := n.Wait("proving", func() error { p, err = h.Present(ctx, l, pk, req); return err })
			if err != nil {
				return err
			}
			res, err := gate.Verify(ctx, req, p)
			if err != nil {
				return err
			}
			n.Say("Proved in %v (%d bytes). Accepted: 18 or older; disclosed: %d claims; access record at index %d.",
				took.Round(time.Millisecond), len(p.Proof), len(res.Disclosed), res.Access.Index)
			// What the agency received about the issuer: the credential type
			// and the issuer-set root of that type, which every accredited
			// registry shares; no issuer DID and no key.
			info, err := consent.NewZKSystem(pk.VerifyingKey()).Inspect(p.Proof)
			if err != nil {
				return err
			}
			seen = observed{presentation: p, result: res, info: info}
			set, err := l.State().IssuerSet(identitySchema.Name)
			if err != nil {
				return err
			}
			if p.Issuer != "" || res.Issuer != "" || len(info.Credentials) != 1 || info.Credentials[0].IssuerKey != nil ||
				info.Credentials[0].SetRoot != consent.Digest(set.Root) {
				return fmt.Errorf("the agency learned an issuer: presentation %q, result %q, proof %+v", p.Issuer, res.Issuer, info.Credentials)
			}
			n.Say("Issuer learned by the agency: none (type %s, issuer-set root %s… of %d accredited key(s)).",
				p.Type, info.Credentials[0].SetRoot.String()[:12], len(set.Leaves))
			return nil
		}},
		narrate.Step{Title: "Someone replays the same proof", Do: func() error {
			_, err := gate.Verify(ctx, req, p)
			n.Say("Refused: %v", err)
			return want(err, consent.ErrReplay)
		}},
		narrate.Step{Title: "The citizen withdraws consent; the wallet refuses to prove again", Do: func() error {
			if _, err := h.Withdraw(ctx, l, grant); err != nil {
				return err
			}
			_, err := h.Present(ctx, l, pk, req)
			n.Say("Wallet: %v; nothing proven, nothing sent.", err)
			return want(err, consent.ErrConsentWithdrawn)
		}},
	)
}

// observed is what the agency received in the accepted presentation, kept
// for the demo's test.
type observed struct {
	presentation *consent.Presentation
	result       *consent.Result
	info         consent.ProofInfo
}

var seen observed

// want checks that err is the refusal the demo expects.
func want(err, refusal error) error {
	if !errors.Is(err, refusal) {
		return fmt.Errorf("want %q, got %v", refusal, err)
	}
	return nil
}

const passphrase = "correct horse battery staple" // the citizen's, for the demo

// createLedger creates the demo's ledger file; the test reopens it afterwards.
var createLedger = ledger.Create

// pairwise names the citizen's DIDs in use (shortened): whom each one is shown to, and for what.
func pairwise(h *holder.Holder, names map[identity.DID]string) string {
	var s []string
	for _, p := range h.Pairwise() {
		s = append(s, fmt.Sprintf("%s %s as did:key:…%s", map[holder.Role]string{holder.RoleAgency: "consents to", holder.RoleIssuer: "receives from"}[p.Role], names[p.Counterparty], p.DID[len(p.DID)-8:]))
	}
	return strings.Join(s, "; ")
}
