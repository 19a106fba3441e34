// Command emergencyaid shows flood relief handed out once per resident of
// the affected districts, nobody identified: a nullifier scoped to the
// disaster refuses a second claim, an unaffected resident cannot prove, and
// the ledger gets only the total (no per-person amounts), which an auditor
// checks. It runs on an embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/emergencyaid
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

func main() { narrate.Main("emergencyaid", run) }

var residence = credential.MustSchema("Residence", 1,
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 0, Required: true, MaxLen: 64},
	credential.ClaimDef{Name: "since", Type: credential.TypeDate, Slot: 1, Required: true})

// One nullifier per resident in scope, unlinkable to other scopes; topic counts the packages.
const scope, topic = "relief/flood-2026-11", "relief/flood-2026-11/packages"

var affected = []string{"Riverside", "Old Harbour", "Millbrook", "Lower Ferry", "Willow Flats"}
var createLedger = ledger.Create                  // creates the demo's ledger file; the test reopens it afterwards
const passphrase = "correct horse battery staple" // the residents', for the demo

func run(ctx context.Context, dir string, n *narrate.Narrator) error {
	var k [5]*identity.PrivateKey // the ministry, the register, the relief agency, the ledger, a seed for Ana's second agent
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, register, relief := k[0], k[1], k[2]
	l, err := createLedger(filepath.Join(dir, "ledger.db"), k[3])
	if err != nil {
		return err
	}
	defer l.Close()
	var pk *zkp.ProvingKey
	var gate *consent.Gate
	ana, cleo := &resident{name: "Ana", district: "Riverside"}, &resident{name: "Cleo", district: "Hilltop"}
	accepted := uint64(0) // packages handed out: the agency's books
	claim := func(r *resident) error {
		req, err := reliefRequest(gate)
		if err == nil {
			_, err = r.h.Consent(ctx, l, req, holder.ConsentOptions{Validity: 7 * 24 * time.Hour}) // exactly req, for a week
		}
		if err != nil {
			return err
		}
		var p *consent.Presentation
		took, err := n.Wait("proving", func() error { p, err = r.h.Present(ctx, l, pk, req); return err })
		if err != nil {
			return err
		}
		res, err := gate.Verify(ctx, req, p)
		if err == nil {
			accepted++
			n.Say("%s: proved in %v; accepted. The agency saw a pseudonym and a nullifier, no district (%d disclosed).\n   %s's pairwise DIDs:%s; the register never sees the first.", r.name, took.Round(time.Millisecond), len(res.Disclosed), r.name, dids(r.h))
		}
		return err
	}
	return n.Finish("emergencyaid",
		narrate.Step{Title: "The ministry accredits the population register for Residence", Do: func() error {
			if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry of the Interior", time.Now()); err != nil {
				return err
			}
			if _, err := ledger.RegisterAgency(ctx, l, register, "Population Register", time.Now()); err != nil {
				return err
			}
			if _, err := ledger.RegisterAgency(ctx, l, relief, "National Relief Agency", time.Now()); err != nil {
				return err
			}
			if _, err := ledger.AccreditAgency(ctx, l, ministry, register.DID(), ledger.RoleIssuer, []string{residence.Name}, time.Now()); err != nil {
				return err
			}
			// The one-credential presentation circuit, version 2 (the issuer stays hidden):
			// cached, or made once by a single-party DEMO setup (production: zkp.Ceremony).
			if _, err := n.Wait("loading or making the proving key", func() error {
				pk, _, err = zkp.KeyCache{}.LoadOrSetupShapeUnsafe(ctx, zkp.ShapeV2(zkp.Groth16, 1))
				return err
			}); err != nil {
				return err
			}
			_, err = consent.PublishVerifyingKey(ctx, l, ministry, pk.VerifyingKey(), time.Now())
			return err
		}},
		narrate.Step{Title: "The register issues residence credentials to Ana and Cleo", Do: func() error {
			issuer, err := credential.NewIssuer(register, l, credential.NewRegistry(), credential.IssuerOptions{})
			if err != nil {
				return err
			}
			if err := issuer.Setup(ctx, residence); err != nil {
				return err
			}
			for _, r := range []*resident{ana, cleo} { // each a wallet file and its agent, a DID per issuer and per agency
				if r.store, err = wallet.Create(filepath.Join(dir, r.name+".wallet"), []byte(passphrase), wallet.Options{}); err != nil {
					return err
				}
				if r.h, err = holder.New(r.store.MasterSecret(), r.store); err != nil {
					return err
				}
				creq, err := r.h.CredentialRequest(register.DID(), credential.Claims{"district": r.district, "since": "2019-05-01"}, time.Now().AddDate(5, 0, 0))
				dk, kerr := r.h.DeliveryIdentity(register.DID()) // the request's DID; its key travels with it
				if err := errors.Join(err, kerr); err != nil {
					return err
				}
				_, sealed, err := issuer.IssueSealed(ctx, residence, creq, dk.Public())
				if err == nil {
					_, err = r.h.Receive(register.DID(), sealed)
				}
				_, ferr := r.store.Refresh(l.State(), issuer.StatusList()) // its witness, from the public status list
				if err := errors.Join(err, ferr); err != nil {
					return err
				}
			}
			gate, err = consent.NewGate(ctx, relief, l, consent.NewZKSystem(pk.VerifyingKey()))
			n.Say("The relief agency will ask: district ∈ {%s}, hashed, nothing disclosed; scope %q.", strings.Join(affected, ", "), scope)
			return err
		}},
		narrate.Step{Title: "Ana, of an affected district, claims", Do: func() error { return claim(ana) }},
		narrate.Step{Title: "Ana claims again from a new pseudonym; Cleo (not affected) tries", Do: func() error {
			again, err := holder.New(k[4].Seed(), ana.store) // another master secret over Ana's wallet: other DIDs, the same holder secret
			if err == nil {
				err = claim(&resident{name: "Ana again", h: again})
			}
			n.Say("Ana again: refused (%v): the agency knows only that this holder already claimed.", err)
			if !errors.Is(err, consent.ErrNullifierUsed) {
				return fmt.Errorf("want a nullifier refusal, got %v", err)
			}
			req, err := reliefRequest(gate)
			if err == nil {
				err = cleo.h.CanAnswerV2(l, req) // before asking Cleo for consent
			}
			n.Say("Cleo's wallet: %v; nothing sent, nothing written.", err)
			if !errors.Is(err, zkp.ErrUnsatisfied) {
				return fmt.Errorf("want the wallet to find the request unsatisfiable, got %v", err)
			}
			return nil
		}},
		narrate.Step{Title: "The agency records the day's total; an auditor checks it", Do: func() error {
			report := &ledger.AgencyEvent{Topic: topic, Digest: ledger.HashBytes(fmt.Appendf(nil, "%s: %d packages", topic, accepted)), Amount: accepted}
			if _, err := ledger.SignAndSubmit(ctx, l, relief, time.Now(), report); err != nil {
				return err
			}
			// An auditor reads the log: the agency's emergency-aid access records number its total.
			count := uint64(0)
			for i := range l.State().Size() {
				sr, err := l.Record(ctx, i)
				if err != nil {
					return err
				}
				if a, ok := sr.Record.Payload.(*ledger.AccessRecord); ok && sr.Record.Author == relief.DID() && a.Purpose == string(consent.PurposeEmergencyAid) {
					count++
				}
			}
			if total := l.State().AgencyTotal(relief.DID(), topic); count != total {
				return fmt.Errorf("%d emergency-aid access records in the log, but a ledger total of %d", count, total)
			}
			n.Say("Auditor: %d accepted claims in the log = the ledger's total; no names, no districts, no amounts per person.", count)
			return nil
		}},
	)
}

func reliefRequest(g *consent.Gate) (*consent.Request, error) {
	set := make([]consent.FieldValue, len(affected))
	for i, d := range affected {
		set[i] = consent.FieldValueOf(credential.HashString(d)) // as the credential encodes strings
	}
	return g.NewRequest(consent.Request{Purpose: consent.PurposeEmergencyAid, LegalBasis: consent.BasisPublicTask,
		NoticeVersion: "flood-2026-11/1", Types: []string{consent.TypeName(residence)}, Scope: scope,
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpInSet, Set: set}}})
}

type resident struct { // one citizen's wallet
	name, district string // in the wallet only
	store          *wallet.Store
	h              *holder.Holder
}

// dids lists h's pairwise DIDs in use, shortened, with their roles.
func dids(h *holder.Holder) (s string) {
	for _, p := range h.Pairwise() {
		s += fmt.Sprintf(" %s …%s", p.Role, p.DID[len(p.DID)-8:])
	}
	return s
}
