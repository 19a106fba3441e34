// Command socialinsurance shows a citizen proving to a housing agency that their
// contribution record qualifies (two predicates, nothing disclosed); then the bureau
// corrects the record: a proof with the old credential is refused, the corrected
// one accepted. It runs on an embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/socialinsurance
package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/examples/narrate"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

func main() { narrate.Main("socialinsurance", run) }

var recordSchema = credential.MustSchema("ContributionRecord", 1,
	credential.ClaimDef{Name: "monthsPaidLast36", Type: credential.TypeUnsigned, Slot: 0, Required: true},
	credential.ClaimDef{Name: "status", Type: credential.TypeEnum, Slot: 1, Required: true, Values: []string{"active", "suspended", "closed"}},
	credential.ClaimDef{Name: "lastContribution", Type: credential.TypeDate, Slot: 2, Required: true})

func run(ctx context.Context, dir string, n *narrate.Narrator) error {
	var k [5]*identity.PrivateKey // the ministry, the bureau, the housing agency, the ledger, the citizen
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, bureau, housing, w := k[0], k[1], k[2], &wallet{key: k[4]}
	if w.secret, err = credential.NewHolderSecret(nil); err != nil {
		return err
	}
	l, err := ledger.Open(filepath.Join(dir, "ledger.db"), k[3])
	if err != nil {
		return err
	}
	defer l.Close()
	var pk *zkp.ProvingKey
	var issuer *credential.Issuer
	var gate *consent.Gate
	var old *zkp.Holding // the record as first issued
	// ask has the agency ask in review, the wallet answer with h, and the gate verify.
	ask := func(review string, h *zkp.Holding) error {
		req, err := housingRequest(gate, review)
		if err != nil {
			return err
		}
		if w.grant == nil || w.grant.Scope != req.Scope { // a grant names the one scope it covers
			if err := w.consent(ctx, l, req); err != nil {
				return err
			}
		}
		var p *consent.Presentation
		took, err := n.Wait("proving", func() error { p, err = w.present(ctx, l, pk, req, h); return err })
		if err != nil {
			return err
		}
		res, err := gate.Verify(ctx, req, p)
		if err == nil {
			n.Say("Proved in %v. Accepted: ≥ 24 of the last 36 months paid, status active; access record %d.", took.Round(time.Millisecond), res.Access.Index)
		}
		return err
	}
	return n.Finish("socialinsurance",
		narrate.Step{Title: "The ministry accredits the bureau for ContributionRecord and publishes the verifying key", Do: func() error {
			if _, err := ledger.InitGovernance(ctx, l, ministry, "Ministry of Labour and Social Affairs", time.Now()); err != nil {
				return err
			}
			for a, name := range map[*identity.PrivateKey]string{bureau: "Social Insurance Bureau", housing: "Public Housing Agency"} {
				if _, err := ledger.RegisterAgency(ctx, l, a, name, time.Now()); err != nil {
					return err
				}
			}
			if _, err := ledger.AccreditAgency(ctx, l, ministry, bureau.DID(), ledger.RoleIssuer, []string{recordSchema.Name}, time.Now()); err != nil {
				return err
			}
			// Cached, or made once by a single-party DEMO setup (production: zkp.Ceremony).
			var made bool
			took, err := n.Wait("loading or making the proving key", func() error { pk, made, err = zkp.KeyCache{}.LoadOrSetupUnsafe(ctx, zkp.Groth16); return err })
			if err != nil {
				return err
			}
			n.Say("Proving key ready in %v (newly made: %v).", took.Round(time.Millisecond), made)
			_, err = consent.PublishVerifyingKey(ctx, l, ministry, pk.VerifyingKey(), time.Now())
			return err
		}},
		narrate.Step{Title: "The bureau issues the citizen a contribution record (25 months paid)", Do: func() error {
			if issuer, err = credential.NewIssuer(bureau, l, credential.NewRegistry(), credential.IssuerOptions{}); err != nil {
				return err
			}
			if err := issuer.Setup(ctx, recordSchema); err != nil { // schema registered, first revocation root
				return err
			}
			_, sealed, err := issuer.IssueSealed(ctx, recordSchema, &credential.Request{HolderBinding: credential.HolderBinding(w.secret),
				Claims:     credential.Claims{"monthsPaidLast36": 25, "status": "active", "lastContribution": "2026-10-31"},
				ValidUntil: time.Now().AddDate(1, 0, 0)}, w.key.Public())
			if err != nil {
				return err
			}
			return w.receive(sealed, issuer.Registry())
		}},
		narrate.Step{Title: "The housing agency asks \"months ≥ 24 and status = active\"; the citizen consents; the wallet proves", Do: func() error {
			if gate, err = consent.NewGate(ctx, housing, l, consent.NewZKSystem(pk.VerifyingKey())); err != nil {
				return err
			}
			return ask("review-1", w.hold)
		}},
		narrate.Step{Title: "The bureau supersedes the record with a corrected one (27 months)", Do: func() error {
			old = w.hold
			c, err := issuer.Supersede(ctx, old.Credential, credential.Claims{"monthsPaidLast36": 27, "status": "active", "lastContribution": "2026-10-31"})
			if err != nil {
				return err
			}
			was, err := l.State().Credential(ledger.Hash(old.Credential.Anchor()))
			if err != nil || was.SupersededBy != ledger.Hash(c.Anchor()) {
				return fmt.Errorf("the ledger does not link the old record to the corrected one (%v)", err)
			}
			n.Say("One ledger batch: new credential, new revocation root, link %s… → %s… (hashes only).", was.Commitment.String()[:12], was.SupersededBy.String()[:12])
			sealed, err := credential.Seal(c, w.key.Public())
			if err != nil {
				return err
			}
			return w.receive(sealed, issuer.Registry())
		}},
		narrate.Step{Title: "Second review: the old record is refused, the corrected one accepted", Do: func() error {
			// The old credential's fresh witness leads only to the root before the correction.
			wit, err := issuer.Registry().Witness(old.Credential.Core.RevocationIndex)
			if err != nil {
				return err
			}
			if err = ask("review-2", &zkp.Holding{Credential: old.Credential, Secret: w.secret, Witness: wit}); !errors.Is(err, consent.ErrStaleRoot) {
				return fmt.Errorf("want a stale-root refusal, got %v", err)
			}
			n.Say("Old record refused by the agency: %v", err)
			return ask("review-2", w.hold)
		}},
	)
}

// housingRequest asks "monthsPaidLast36 ≥ 24" and "status = active" (one answer per holder per review).
func housingRequest(g *consent.Gate, review string) (*consent.Request, error) {
	status, _ := recordSchema.Claim("status")
	active, err := status.Encode("active") // the enum's index, as the credential encodes it
	if err != nil {
		return nil, err
	}
	return g.NewRequest(consent.Request{Purpose: consent.PurposeBenefitEligibility, LegalBasis: consent.BasisPublicTask,
		NoticeVersion: "housing-allocation/3", Types: []string{consent.TypeName(recordSchema)}, Scope: "housing/2026-1047/" + review,
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpGe, A: 24},
			{Slot: 1, Op: consent.OpEq, Set: []consent.FieldValue{consent.FieldValueOf(active)}}}})
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

// consent signs a grant for exactly req (one scope) and anchors its receipt.
func (w *wallet) consent(ctx context.Context, l ledger.Ledger, req *consent.Request) (err error) {
	if w.grant, err = consent.NewGrant(nil, w.key.DID(), req, time.Now(), 90*24*time.Hour); err == nil {
		if err = w.grant.Sign(w.key); err == nil {
			_, err = consent.Anchor(ctx, l, w.key, w.grant, time.Now())
		}
	}
	return err
}

// present answers req with h under the grant's status on the ledger now.
func (w *wallet) present(ctx context.Context, l ledger.Ledger, pk *zkp.ProvingKey, req *consent.Request, h *zkp.Holding) (*consent.Presentation, error) {
	st, err := consent.StatusOf(l, w.grant, time.Now())
	if err != nil {
		return nil, err
	}
	return consent.Present(ctx, w.key, pk, req, st, h, time.Now())
}
