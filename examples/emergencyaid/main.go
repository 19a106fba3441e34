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
	"github.com/civicproof/civicproof/examples/narrate"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

func main() { narrate.Main("emergencyaid", run) }

var residence = credential.MustSchema("Residence", 1,
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 0, Required: true, MaxLen: 64},
	credential.ClaimDef{Name: "since", Type: credential.TypeDate, Slot: 1, Required: true})

// One nullifier per resident in scope, unlinkable to other scopes; topic counts the packages.
const scope, topic = "relief/flood-2026-11", "relief/flood-2026-11/packages"

var affected = []string{"Riverside", "Old Harbour", "Millbrook", "Lower Ferry", "Willow Flats"}

func run(ctx context.Context, dir string, n *narrate.Narrator) error {
	var k [7]*identity.PrivateKey // the ministry, the register, the relief agency, the ledger, Ana's second pseudonym, Ana, Cleo
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, register, relief := k[0], k[1], k[2]
	l, err := ledger.Open(filepath.Join(dir, "ledger.db"), k[3])
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
		if err != nil {
			return err
		}
		var p *consent.Presentation
		took, err := n.Wait("proving", func() error { p, err = r.claim(ctx, l, pk, req); return err })
		if err != nil {
			return err
		}
		res, err := gate.Verify(ctx, req, p)
		if err == nil {
			accepted++
			n.Say("%s: proved in %v; accepted. The agency saw a pseudonym and a nullifier, no district (%d disclosed).", r.name, took.Round(time.Millisecond), len(res.Disclosed))
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
			// Cached, or made once by a single-party DEMO setup (production: zkp.Ceremony).
			if _, err := n.Wait("loading or making the proving key", func() error { pk, _, err = zkp.KeyCache{}.LoadOrSetupUnsafe(ctx, zkp.Groth16); return err }); err != nil {
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
			for i, r := range []*resident{ana, cleo} {
				r.key = k[5+i]
				if r.secret, err = credential.NewHolderSecret(nil); err != nil {
					return err
				}
				c, sealed, err := issuer.IssueSealed(ctx, residence, &credential.Request{HolderBinding: credential.HolderBinding(r.secret),
					Claims: credential.Claims{"district": r.district, "since": "2019-05-01"}, ValidUntil: time.Now().AddDate(5, 0, 0)}, r.key.Public())
				if err != nil {
					return err
				}
				held, err := credential.Open(r.key, sealed)                    // in the wallet
				wit, werr := issuer.Registry().Witness(c.Core.RevocationIndex) // from the register
				if err := errors.Join(err, werr); err != nil {
					return err
				}
				r.hold = &zkp.Holding{Credential: held, Secret: r.secret, Witness: wit}
			}
			gate, err = consent.NewGate(ctx, relief, l, consent.NewZKSystem(pk.VerifyingKey()))
			n.Say("The relief agency will ask: district ∈ {%s}, hashed, nothing disclosed; scope %q.", strings.Join(affected, ", "), scope)
			return err
		}},
		narrate.Step{Title: "Ana, of an affected district, claims", Do: func() error { return claim(ana) }},
		narrate.Step{Title: "Ana claims again from a new pseudonym; Cleo (not affected) tries", Do: func() error {
			again := &resident{name: "Ana again", key: k[4], hold: ana.hold, secret: ana.secret}
			err := claim(again)
			n.Say("Ana again: refused (%v): the agency knows only that this holder already claimed.", err)
			if !errors.Is(err, consent.ErrNullifierUsed) {
				return fmt.Errorf("want a nullifier refusal, got %v", err)
			}
			req, err := reliefRequest(gate)
			if err == nil {
				err = consent.CanAnswer(req, cleo.hold, time.Now()) // before asking Cleo for consent
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
	key            *identity.PrivateKey
	secret         fr.Element
	hold           *zkp.Holding
}

// claim consents to exactly req for a week, anchored, and answers it.
func (r *resident) claim(ctx context.Context, l ledger.Ledger, pk *zkp.ProvingKey, req *consent.Request) (*consent.Presentation, error) {
	g, err := consent.NewGrant(nil, r.key.DID(), req, time.Now(), 7*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if err := g.Sign(r.key); err != nil {
		return nil, err
	}
	if _, err := consent.Anchor(ctx, l, r.key, g, time.Now()); err != nil {
		return nil, err
	}
	st, err := consent.StatusOf(l, g, time.Now())
	if err != nil {
		return nil, err
	}
	return consent.Present(ctx, r.key, pk, req, st, r.hold, time.Now())
}
