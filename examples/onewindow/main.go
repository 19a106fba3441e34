// Command onewindow shows a service window that needs three facts from
// three agencies to decide a childcare-centre licence and learns only those
// three yes/no facts, from one request, one consent and one
// zero-knowledge proof over the three credentials (presentation proofs
// version 2: the proof also shows that the three belong to one holder, and
// hides which agency issued each); the citizen then lists who accessed what
// and checks it against a signed ledger checkpoint. It runs on an embedded ledger in a
// temporary directory (or -dir).
//
//	go run ./examples/onewindow
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

func main() { narrate.Main("onewindow", run) }

// fact is one question: who vouches for it, its credential, the predicate on slot 0.
type fact struct {
	agency, question string
	schema           *credential.Schema
	claims           credential.Claims
	pred             consent.Predicate
	key              *identity.PrivateKey
}

var isTrue = consent.Predicate{Slot: 0, Op: consent.OpGe, A: 1} // a bool claim is 0 or 1
var facts = []*fact{
	{agency: "National Health Agency", question: "vaccinated?", pred: isTrue,
		schema: credential.MustSchema("VaccinationRecord", 1, credential.ClaimDef{Name: "vaccinated", Type: credential.TypeBool, Slot: 0, Required: true},
			credential.ClaimDef{Name: "lastDose", Type: credential.TypeDate, Slot: 1, Required: true}),
		claims: credential.Claims{"vaccinated": true, "lastDose": "2024-10-02"}},
	{agency: "Ministry of Education", question: "degree ≥ bachelor?", pred: consent.Predicate{Slot: 0, Op: consent.OpGe, A: 3}, // 3 bachelor, 4 master
		schema: credential.MustSchema("Diploma", 1, credential.ClaimDef{Name: "level", Type: credential.TypeUnsigned, Slot: 0, Required: true},
			credential.ClaimDef{Name: "institution", Type: credential.TypeString, Slot: 1, Required: true}),
		claims: credential.Claims{"level": 4, "institution": "Riverside University"}},
	{agency: "Social Security Fund", question: "enrolled in social security?", pred: isTrue,
		schema: credential.MustSchema("SocialSecurityEnrolment", 1, credential.ClaimDef{Name: "enrolled", Type: credential.TypeBool, Slot: 0, Required: true},
			credential.ClaimDef{Name: "memberNumber", Type: credential.TypeString, Slot: 1, Required: true}),
		claims: credential.Claims{"enrolled": true, "memberNumber": "SSF-4471-0923"}},
}

func run(ctx context.Context, dir string, n *narrate.Narrator) error {
	var k [6]*identity.PrivateKey // the ministry, the window, the ledger, three issuers
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, window, ledgerKey := k[0], k[1], k[2]
	store, err := wallet.Create(filepath.Join(dir, "wallet"), []byte(passphrase), wallet.Options{}) // one secret binds all three credentials
	if err != nil {
		return err
	}
	h, err := holder.New(store.MasterSecret(), store) // the citizen's agent: one DID per issuer and per agency
	if err != nil {
		return err
	}
	l, err := createLedger(filepath.Join(dir, "ledger.db"), ledgerKey, ledger.WithOrigin("ledger.onewindow.example"))
	if err != nil {
		return err
	}
	defer l.Close()
	fs := facts
	var pk *zkp.ProvingKey
	var gate *consent.Gate
	var req *consent.Request
	var pres *consent.Presentation
	return n.Finish("onewindow",
		narrate.Step{Title: "The ministry accredits three issuers and publishes the verifying key", Do: func() error {
			if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry of Digital Affairs", time.Now()); err != nil {
				return err
			}
			if _, err := ledger.RegisterAgency(ctx, l, window, "One-Stop Service Window", time.Now()); err != nil {
				return err
			}
			for i, f := range fs {
				f.key = k[3+i]
				if _, err := ledger.RegisterAgency(ctx, l, f.key, f.agency, time.Now()); err != nil {
					return err
				}
				if _, err := ledger.AccreditAgency(ctx, l, ministry, f.key.DID(), ledger.RoleIssuer, []string{f.schema.Name}, time.Now()); err != nil {
					return err
				}
			}
			// The circuit for three credentials in one proof: cached, or made
			// once by a single-party DEMO setup (production: a ceremony).
			if _, err := n.Wait("loading or making the proving key", func() error {
				pk, _, err = zkp.KeyCache{}.LoadOrSetupShapeUnsafe(ctx, zkp.ShapeV2(zkp.Groth16, len(fs)))
				return err
			}); err != nil {
				return err
			}
			_, err = consent.PublishVerifyingKey(ctx, l, ministry, pk.VerifyingKey(), time.Now())
			return err
		}},
		narrate.Step{Title: "Each agency issues the citizen one credential, sealed to the wallet's DID for that agency", Do: func() error {
			for _, f := range fs {
				issuer, err := credential.NewIssuer(f.key, l, credential.NewRegistry(), credential.IssuerOptions{})
				if err != nil {
					return err
				}
				if err := issuer.Setup(ctx, f.schema); err != nil {
					return err
				}
				creq, err := h.CredentialRequest(f.key.DID(), f.claims, time.Now().AddDate(5, 0, 0))
				dk, kerr := h.DeliveryIdentity(f.key.DID()) // the request's DID; its key travels with it
				if err := errors.Join(err, kerr); err != nil {
					return err
				}
				_, sealed, err := issuer.IssueSealed(ctx, f.schema, creq, dk.Public())
				if err != nil {
					return err
				}
				_, rerr := h.Receive(f.key.DID(), sealed)
				_, ferr := store.Refresh(l.State(), issuer.StatusList()) // its witness, from the public status list
				if err := errors.Join(rerr, ferr); err != nil {
					return err
				}
				n.Say("%-24s → %s (%d bytes sealed)", f.agency, consent.TypeName(f.schema), len(sealed))
			}
			return nil
		}},
		narrate.Step{Title: "The window asks three questions in one request; the citizen consents once; the wallet proves them in one proof", Do: func() error {
			if gate, err = consent.NewGate(ctx, window, l, consent.NewZKSystem(pk.VerifyingKey())); err != nil {
				return err
			}
			// One request: a question per credential, issuers hidden (the default).
			tmpl := consent.Request{Purpose: consent.PurposeLicensing, LegalBasis: consent.BasisPublicTask,
				NoticeVersion: "childcare-licence/2", Scope: "childcare-licence",
				Types: []string{consent.TypeName(fs[0].schema)}, Predicates: []consent.Predicate{fs[0].pred}}
			for _, f := range fs[1:] {
				tmpl.Also = append(tmpl.Also, consent.Query{Types: []string{consent.TypeName(f.schema)}, Predicates: []consent.Predicate{f.pred}})
			}
			if req, err = gate.NewRequest(tmpl); err != nil {
				return err
			}
			if _, err := h.Consent(ctx, l, req, holder.ConsentOptions{Validity: 30 * 24 * time.Hour, UseLimit: 1}); err != nil { // exactly this, once, within 30 days
				return err
			}
			took, err := n.Wait("proving the three facts", func() error { pres, err = h.Present(ctx, l, pk, req); return err })
			if err != nil {
				return err
			}
			res, err := gate.Verify(ctx, req, pres)
			if err != nil {
				return fmt.Errorf("application refused: %w", err)
			}
			for i, c := range pres.Credentials() {
				issuer := c.Issuer
				if issuer == "" {
					issuer = "issuer hidden"
				}
				n.Say("✓ %-30s yes (%s, %s)", fs[i].question, c.Type, issuer)
			}
			n.Say("One proof of %d bytes, proved in %v: the three credentials belong to one holder; %d claims disclosed.",
				len(pres.Proof), took.Round(time.Millisecond), len(res.Disclosed)+len(res.AlsoDisclosed[0])+len(res.AlsoDisclosed[1]))
			n.Say("Application accepted: three yes/no facts, nothing else (no dose date, which degree, member number, which agency).")
			var ids []string
			for _, p := range h.Pairwise() {
				ids = append(ids, fmt.Sprintf("%s …%s", p.Role, p.DID[len(p.DID)-8:]))
			}
			n.Say("Citizen's pairwise DIDs: %s; no issuer sees the DID that consents.", strings.Join(ids, ", "))
			return nil
		}},
		narrate.Step{Title: "The citizen lists who accessed what and checks it against a signed checkpoint", Do: func() error {
			var accesses []consent.Access
			for _, v := range h.AccessLog(l) {
				for _, a := range v.Accesses {
					if a.Answers(req, pres) { // the wallet kept what it presented
						accesses = append(accesses, a)
						n.Say("%s %s, for %s: %d facts in one presentation [record %d]", a.Time.Format(time.DateTime), a.AgencyName, a.Purpose, len(fs), a.Index)
					}
				}
			}
			if len(accesses) != 1 {
				return fmt.Errorf("%d access records for one presentation", len(accesses))
			}
			latest, err := l.Checkpoint(ctx) // checked with the ledger's public key only
			if err != nil {
				return err
			}
			cp, err := l.Verifier().ParseCheckpoint(latest.Note)
			if err != nil {
				return err
			}
			for _, a := range accesses {
				if err := consent.VerifyAccess(ctx, l, cp, a); err != nil {
					return err
				}
			}
			n.Say("The access record is included in the checkpoint of %d records (root %x…).", cp.Size, cp.Root[:8])
			return nil
		}},
	)
}

const passphrase = "correct horse battery staple" // the citizen's, for the demo
var createLedger = ledger.Create                  // creates the demo's ledger file; the test reopens it afterwards
