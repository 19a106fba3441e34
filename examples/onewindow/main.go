// Command onewindow shows a single service window that needs three facts
// from three agencies to decide one application, and learns only those
// three yes/no facts.
//
// A citizen applies at the one-stop service window for a licence to run a
// childcare centre. The application needs three facts: the health agency
// says the applicant is vaccinated, the education ministry says they hold
// at least a bachelor's degree, and the social security fund says they are
// enrolled. Each agency is accredited on the ledger and issues its own
// credential to the citizen's wallet. The window makes one application of
// three signed requests, one per credential type; the citizen reviews them
// once and signs one grant per request; the wallet proves all three in zero
// knowledge; the window verifies them together and accepts the application
// only if all three pass. Then the citizen lists who accessed what and
// checks each access record against a signed ledger checkpoint.
//
// Every step runs for real on an embedded ledger in a temporary directory
// (or -dir).
//
//	go run ./examples/onewindow
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

func main() { demo.Main("onewindow", run) }

// Degree levels, encoded as an unsigned ordinal so that "at least a
// bachelor's degree" is the ordered predicate level ≥ levelBachelor.
const (
	levelSecondary uint64 = iota + 1
	levelAssociate
	levelBachelor
	levelMaster
	levelDoctorate
)

func bound(v int64) *int64 { return &v }

// The three agencies' credentials. The fact the window needs is on slot 0
// of each; the other claims stay in the wallet.
var (
	vaccinationSchema = credential.MustSchema("VaccinationRecord", 1,
		credential.ClaimDef{Name: "vaccinated", Type: credential.TypeBool, Slot: 0, Required: true},
		credential.ClaimDef{Name: "lastDose", Type: credential.TypeDate, Slot: 1, Required: true},
	)
	diplomaSchema = credential.MustSchema("Diploma", 1,
		credential.ClaimDef{Name: "level", Type: credential.TypeUnsigned, Slot: 0, Required: true,
			Min: bound(int64(levelSecondary)), Max: bound(int64(levelDoctorate))},
		credential.ClaimDef{Name: "field", Type: credential.TypeString, Slot: 1, Required: true},
		credential.ClaimDef{Name: "institution", Type: credential.TypeString, Slot: 2, Required: true},
	)
	enrolmentSchema = credential.MustSchema("SocialSecurityEnrolment", 1,
		credential.ClaimDef{Name: "enrolled", Type: credential.TypeBool, Slot: 0, Required: true},
		credential.ClaimDef{Name: "memberNumber", Type: credential.TypeString, Slot: 1, Required: true},
		credential.ClaimDef{Name: "since", Type: credential.TypeDate, Slot: 2, Required: true},
	)
)

// The notice the citizen reads before consenting; grants commit to its hash.
const (
	noticeVersion = "childcare-licence/1"
	noticeText    = "To decide your application for a childcare centre licence, the One-Stop Service Window " +
		"asks three questions, each answered yes or no by a proof from your wallet: are you vaccinated " +
		"(health agency), do you hold at least a bachelor's degree (education ministry), are you enrolled " +
		"in social security (social security fund). No other information is requested."
)

// fact is one question of the application: the agency that vouches for
// it, its credential, and the predicate the window asks the citizen to
// prove. The fields below the blank line are filled in as the demo runs.
type fact struct {
	issuerName string
	schema     *credential.Schema
	claims     credential.Claims // what the agency issues to the citizen
	question   string            // as the window asks it
	answer     string            // the yes/no fact learned when the proof passes
	rule       string            // pred in words
	pred       consent.Predicate
	// scope is the nullifier scope. The nullifier is a hash of the wallet's
	// holder secret and the scope; the three credentials share one secret,
	// so each question has its own scope (with one scope the second answer
	// would look like a second claim by the same holder).
	scope string

	issuerKey *identity.PrivateKey
	hold      *zkp.Holding
	req       *consent.Request
	grant     *consent.Grant
	pres      *consent.Presentation
}

// isTrue is the predicate "bool claim on slot 0 is true", built with the
// schema's own encoding of true.
func isTrue(s *credential.Schema) consent.Predicate {
	v, err := s.Claims[0].Encode(true)
	if err != nil {
		panic(err) // the schemas above are fixed: slot 0 is a bool
	}
	return consent.Predicate{Slot: 0, Op: consent.OpEq, Set: []consent.FieldValue{consent.FieldValueOf(v)}}
}

func applicationFacts() []*fact {
	return []*fact{{
		issuerName: "National Health Agency",
		schema:     vaccinationSchema,
		claims:     credential.Claims{"vaccinated": true, "lastDose": "2024-10-02"},
		question:   "Is the applicant vaccinated?",
		answer:     "vaccinated",
		rule:       "vaccinated = true",
		pred:       isTrue(vaccinationSchema),
		scope:      "onewindow/childcare-licence/vaccination",
	}, {
		issuerName: "Ministry of Education",
		schema:     diplomaSchema,
		claims:     credential.Claims{"level": levelMaster, "field": "Early Childhood Education", "institution": "Riverside University"},
		question:   "Does the applicant hold at least a bachelor's degree?",
		answer:     "degree level ≥ bachelor",
		rule:       "level ≥ 3 (bachelor)",
		pred:       consent.Predicate{Slot: 0, Op: consent.OpGe, A: levelBachelor},
		scope:      "onewindow/childcare-licence/degree",
	}, {
		issuerName: "Social Security Fund",
		schema:     enrolmentSchema,
		claims:     credential.Claims{"enrolled": true, "memberNumber": "SSF-4471-0923", "since": "2019-01-01"},
		question:   "Is the applicant enrolled in social security?",
		answer:     "enrolled in social security",
		rule:       "enrolled = true",
		pred:       isTrue(enrolmentSchema),
		scope:      "onewindow/childcare-licence/social-security",
	}}
}

func run(ctx context.Context, dir string, out, errw io.Writer) error {
	var (
		window   *identity.PrivateKey
		citizen  *identity.PrivateKey
		gate     *consent.Gate
		facts    = applicationFacts()
		accesses []consent.Access // the citizen's access log, as the ledger lists it
	)
	w, n, err := demo.Start(ctx, dir, out, errw, "Ministry of Digital Affairs",
		"civicproof one window: one application, three facts from three agencies, one service window.")
	if err != nil {
		return err
	}
	defer w.Close()
	return n.Finish("onewindow",
		demo.Step{Title: "The ministry opens the ledger and accredits three issuers", Fn: func() error {
			var err error
			for _, f := range facts {
				if f.issuerKey, err = w.Agency(ctx, f.issuerName, f.schema.Name); err != nil {
					return err
				}
				n.Say("%-24s %s, accredited for %s", f.issuerName+":", f.issuerKey.DID(), f.schema.Name)
			}
			if window, err = w.Agency(ctx, "One-Stop Service Window"); err != nil {
				return err
			}
			if citizen, err = identity.GenerateKey(nil); err != nil {
				return err
			}
			n.Say("%-24s %s (issues nothing; it only asks)", "Service window:", window.DID())
			n.Say("%-24s %s (keys stay in the wallet)", "Citizen:", citizen.DID())
			return nil
		}},
		w.KeysStep(ctx, n),
		demo.Step{Title: "Each agency issues the citizen one credential", Fn: func() error {
			// One holder secret in the wallet binds all three credentials;
			// the agencies see only its hash.
			secret, err := credential.NewHolderSecret(nil)
			if err != nil {
				return err
			}
			for _, f := range facts {
				issuer, err := w.Issuer(ctx, f.issuerKey, f.schema)
				if err != nil {
					return err
				}
				var sealed int
				if f.hold, sealed, err = w.Hold(ctx, issuer, f.schema, citizen, secret, f.claims, w.Now().AddDate(5, 0, 0)); err != nil {
					return fmt.Errorf("%s: %w", f.issuerName, err)
				}
				n.Say("%s → %s, delivered encrypted (%d bytes).", f.issuerName, consent.TypeOf(f.hold.Credential), sealed)
			}
			return nil
		}},
		demo.Step{Title: "The window opens one application: three signed requests", Fn: func() error {
			var err error
			if gate, err = w.Gate(ctx, window); err != nil {
				return err
			}
			notice := consent.Digest(sha256.Sum256([]byte(noticeText)))
			for _, f := range facts {
				if f.req, err = gate.NewRequest(consent.Request{
					Purpose:       consent.PurposeLicensing,
					LegalBasis:    consent.BasisPublicTask,
					NoticeVersion: noticeVersion,
					NoticeHash:    notice,
					Types:         []string{consent.TypeName(f.schema)},
					Predicates:    []consent.Predicate{f.pred},
					Scope:         f.scope,
				}); err != nil {
					return err
				}
				n.Say("%-54s %s: prove %s, disclose nothing", f.question, f.req.Types[0], f.rule)
				// The wallet holds no consent yet: it must ask the citizen.
				if _, err := consent.CheckRequest(w.Now(), f.req); !errors.Is(err, consent.ErrNoConsent) {
					return fmt.Errorf("wallet check before consent: want no consent, got %v", err)
				}
			}
			n.Say("Wallet: no consent for any of the three requests yet; it shows the citizen the notice.")
			return nil
		}},
		demo.Step{Title: "The citizen reviews it once and signs one grant per request", Fn: func() error {
			// One use each: consent for this application, not for later ones.
			oneUse := func(g *consent.Grant) { g.UseLimit = 1 }
			for _, f := range facts {
				var err error
				if f.grant, err = w.Consent(ctx, citizen, f.req, 30*24*time.Hour, oneUse); err != nil {
					return err
				}
			}
			// Each grant covers exactly its own request: consent to one
			// question is not consent to another.
			for _, f := range facts {
				st, err := consent.StatusOf(w.Ledger, f.grant, w.Now())
				if err != nil {
					return err
				}
				for _, other := range facts {
					_, err := consent.CheckRequest(w.Now(), other.req, st)
					switch {
					case other == f && err != nil:
						return fmt.Errorf("grant for %q does not cover its own request: %w", f.question, err)
					case other != f && !errors.Is(err, consent.ErrNotCovered):
						return fmt.Errorf("grant for %q should not cover %q: %v", f.question, other.question, err)
					}
				}
			}
			n.Say("Three grant receipts anchored on the ledger: purpose %s, legal basis %s,", consent.PurposeLicensing, consent.BasisPublicTask)
			n.Say("one credential type and one predicate each, one use, 30 days.")
			n.Say("Checked: each grant covers its own request and none of the other two.")
			return nil
		}},
		demo.Step{Title: "The wallet answers all three requests in zero knowledge", Fn: func() error {
			for _, f := range facts {
				var (
					took time.Duration
					err  error
				)
				if f.pres, took, err = w.Prove(ctx, citizen, f.req, f.grant, f.hold); err != nil {
					return fmt.Errorf("%s: %w", f.question, err)
				}
				n.Say("%-30s proved in %v (%d-byte proof)", f.answer+":", took.Round(time.Millisecond), len(f.pres.Proof))
			}
			return nil
		}},
		demo.Step{Title: "The window verifies the three answers together", Fn: func() error {
			// The application is one decision: verify every answer, and
			// accept only if all of them pass.
			var (
				failed   []error
				accepted int
			)
			for _, f := range facts {
				start := time.Now()
				res, err := gate.Verify(ctx, f.req, f.pres)
				if err != nil {
					failed = append(failed, fmt.Errorf("%s %w", f.question, err))
					n.Say("✗ %-54s refused: %v", f.question, err)
					continue
				}
				if len(res.Disclosed) != 0 {
					failed = append(failed, fmt.Errorf("%s disclosed %d claims, want none", f.question, len(res.Disclosed)))
					continue
				}
				by, err := w.Ledger.State().Agency(res.Issuer)
				if err != nil {
					return err
				}
				accepted++
				n.Say("✓ %-54s yes, vouched for by %s (%v)", f.question, by.Name, time.Since(start).Round(time.Microsecond))
			}
			if len(failed) > 0 {
				return fmt.Errorf("application refused (%d problems): %w", len(failed), errors.Join(failed...))
			}
			// Every answer is signed by the citizen under their own grant
			// (the gate checks the presentation's signature against it).
			n.Say("Application accepted: %d of %d facts proven, all by the same applicant.", accepted, len(facts))
			n.Say("The window learned three yes/no facts and nothing else about the citizen: no claim was disclosed.")
			n.Say("It did not learn the vaccination date, which degree (a master's), the field or institution,")
			n.Say("or the member number. Each answer carries only a pseudonym (nullifier) for its own scope.")
			return nil
		}},
		demo.Step{Title: "The citizen lists who accessed what", Fn: func() error {
			views := consent.CitizenView(w.Ledger, citizen.DID(), w.Now(), grantsOf(facts)...)
			seen := map[*fact]bool{}
			for _, v := range views {
				f := factOfGrant(facts, v.Grant)
				if f == nil {
					return fmt.Errorf("grant %s on the ledger is not one the wallet holds", v.ID)
				}
				for _, a := range v.Accesses {
					// The wallet kept what it presented: it can tell exactly
					// which request and proof this record is for.
					if !a.Answers(f.req, f.pres) || seen[f] {
						return fmt.Errorf("access record %d does not match what the wallet presented", a.Index)
					}
					seen[f] = true
					accesses = append(accesses, a)
					n.Say("%s, %s, for %s: proved %q from %s [ledger record %d]",
						a.Time.Format(time.RFC3339), a.AgencyName, a.Purpose, f.answer, v.Grant.Types[0], a.Index)
				}
			}
			if len(seen) != len(facts) {
				return fmt.Errorf("%d access records for %d answers", len(seen), len(facts))
			}
			n.Say("Three grants, three access records, each matched to the proof the wallet made; no other access.")
			return nil
		}},
		demo.Step{Title: "The citizen checks each record against a signed checkpoint", Fn: func() error {
			// The ledger's public key reaches the wallet out of band; the
			// wallet trusts nothing else the ledger operator says.
			v, err := ledger.NewVerifier(demo.Origin, w.LedgerKey.Public().Ed25519())
			if err != nil {
				return err
			}
			latest, err := w.Ledger.Checkpoint(ctx)
			if err != nil {
				return err
			}
			cp, err := v.ParseCheckpoint(latest.Note)
			if err != nil {
				return err
			}
			// The access log listed in the previous step: one record per answer.
			for _, a := range accesses {
				if err := consent.VerifyAccess(ctx, w.Ledger, cp, a); err != nil {
					return fmt.Errorf("access record %d: %w", a.Index, err)
				}
				n.Say("record %d: included in the checkpoint of %d records (root %x…)", a.Index, cp.Size, cp.Root[:8])
			}
			// A record altered to claim another statement does not verify.
			forged := accesses[0]
			forged.Statement[0] ^= 1
			if err := consent.VerifyAccess(ctx, w.Ledger, cp, forged); !errors.Is(err, ledger.ErrBadProof) {
				return fmt.Errorf("altered access record not refused: %v", err)
			}
			n.Say("An access entry altered to name another statement is refused.")
			// Nothing the agencies issued is on the ledger in clear.
			for i := range cp.Size {
				sr, err := w.Ledger.Record(ctx, i)
				if err != nil {
					return err
				}
				b, err := sr.Bytes()
				if err != nil {
					return err
				}
				for _, f := range facts {
					for name, v := range f.claims {
						if s, ok := v.(string); ok && bytes.Contains(b, []byte(s)) {
							return fmt.Errorf("ledger record %d contains the %s claim %q in clear", i, name, s)
						}
					}
				}
			}
			n.Say("None of the %d ledger records holds a claim value in clear (dates, field, institution, member number).", cp.Size)
			return nil
		}},
	)
}

// grantsOf returns the grants the wallet holds.
func grantsOf(facts []*fact) []*consent.Grant {
	out := make([]*consent.Grant, len(facts))
	for i, f := range facts {
		out[i] = f.grant
	}
	return out
}

// factOfGrant returns the fact whose grant is g (one the wallet holds), or
// nil.
func factOfGrant(facts []*fact, g *consent.Grant) *fact {
	for _, f := range facts {
		if g != nil && f.grant == g {
			return f
		}
	}
	return nil
}
