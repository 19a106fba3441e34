// Command socialinsurance shows a citizen proving to a housing agency that
// their social-insurance contributions qualify them, without revealing
// their contribution history, and what happens when the record turns out
// to be wrong.
//
// The social-insurance bureau issues a contribution record; the housing
// agency asks "paid in at least 24 of the last 36 months, and contribution
// status active" — two predicates, nothing disclosed. The citizen grants
// consent, proves, and the agency verifies. Then the bureau finds an error
// in the record and supersedes it with a corrected one: the old credential
// is revoked, the corrected one issued, a new revocation root published and
// both linked on the ledger, all in one batch. A proof made with the old
// credential is refused by the agency's gate (stale revocation root); the
// corrected credential proves. Finally the correction trail is read back
// from the ledger: old anchor → new anchor, hashes only. Every step runs
// for real on an embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/socialinsurance
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

func main() { demo.Main("socialinsurance", run) }

var maxMonths int64 = 36

// contributionSchema is the bureau's credential: how many of the last 36
// months were paid, the contribution status, and the last payment date.
var contributionSchema = credential.MustSchema("ContributionRecord", 1,
	credential.ClaimDef{Name: "monthsPaidLast36", Type: credential.TypeUnsigned, Slot: 0, Required: true, Max: &maxMonths},
	credential.ClaimDef{Name: "status", Type: credential.TypeEnum, Slot: 1, Required: true, Values: []string{"active", "suspended", "closed"}},
	credential.ClaimDef{Name: "lastContribution", Type: credential.TypeDate, Slot: 2, Required: true},
)

func run(ctx context.Context, dir string, out, errw io.Writer) error {
	var (
		bureau, housing, citizen *identity.PrivateKey
		issuer                   *credential.Issuer
		verifier                 *credential.Verifier // the wallet's check of a credential against the ledger
		gate                     *consent.Gate
		secret                   fr.Element
		hold, corrected          *zkp.Holding
		grant                    *consent.Grant
	)
	w, n, err := demo.Start(ctx, dir, out, errw, "Ministry of Labour and Social Affairs",
		"civicproof social insurance: a citizen shows a housing agency a qualifying contribution record; the record is then corrected.")
	if err != nil {
		return err
	}
	defer w.Close()
	return n.Finish("socialinsurance",
		demo.Step{Title: "Ledger opens; bureau accredited to issue ContributionRecord", Fn: func() error {
			var err error
			if bureau, err = w.Agency(ctx, "Social Insurance Bureau", contributionSchema.Name); err != nil {
				return err
			}
			if housing, err = w.Agency(ctx, "Public Housing Agency"); err != nil {
				return err
			}
			if citizen, err = identity.GenerateKey(nil); err != nil {
				return err
			}
			if verifier, err = credential.NewVerifier(w.Ledger.State(), credential.VerifierOptions{Now: w.Now}); err != nil {
				return err
			}
			n.Say("Social Insurance Bureau: %s", bureau.DID())
			n.Say("Public Housing Agency:   %s", housing.DID())
			n.Say("Citizen:                 %s (keys stay in the wallet)", citizen.DID())
			return nil
		}},
		w.KeysStep(ctx, n),
		demo.Step{Title: "The bureau issues the citizen a contribution record", Fn: func() error {
			var err error
			if issuer, err = w.Issuer(ctx, bureau, contributionSchema); err != nil {
				return err
			}
			if secret, err = credential.NewHolderSecret(nil); err != nil {
				return err
			}
			// The record as first issued: 25 paid months (two late employer
			// payments were never booked). The bureau binds it to the hash
			// of the holder secret and never sees the secret.
			claims := credential.Claims{"monthsPaidLast36": 25, "status": "active", "lastContribution": "2026-10-31"}
			if hold, _, err = w.Hold(ctx, issuer, contributionSchema, citizen, secret, claims, w.Now().AddDate(1, 0, 0)); err != nil {
				return err
			}
			anchor := hold.Credential.Anchor()
			n.Say("Claims: monthsPaidLast36=25, status=active, lastContribution=2026-10-31; delivered encrypted to the citizen.")
			n.Say("The ledger records only the credential's anchor %x…, not the claims.", anchor[:8])
			return nil
		}},
		demo.Step{Title: "The housing agency asks two facts; the citizen consents", Fn: func() error {
			var err error
			if gate, err = w.Gate(ctx, housing); err != nil {
				return err
			}
			req, err := housingRequest(gate, firstReview)
			if err != nil {
				return err
			}
			_, err = consent.CheckRequest(w.Now(), req)
			if !errors.Is(err, consent.ErrNoConsent) {
				return fmt.Errorf("wallet check before consent: want no consent, got %v", err)
			}
			n.Say("Wallet: %v", err)
			if grant, err = w.Consent(ctx, citizen, req, 90*24*time.Hour); err != nil {
				return err
			}
			n.Say("Consent receipt anchored: purpose %s, legal basis %s,", req.Purpose, req.LegalBasis)
			n.Say("predicates \"monthsPaidLast36 ≥ 24\" and \"status = active\", no disclosure.")
			return nil
		}},
		demo.Step{Title: "The citizen proves both predicates; the agency verifies", Fn: func() error {
			res, err := presentAndVerify(ctx, w, gate, verifier, citizen, grant, hold, firstReview, n)
			if err != nil {
				return err
			}
			n.Say("Accepted. The agency learned: at least 24 of the last 36 months paid, status active (disclosed claims: %d).", len(res.Disclosed))
			n.Say("It did not learn the exact number of months, the last payment date, or the citizen's name.")
			return nil
		}},
		demo.Step{Title: "The bureau supersedes the record with a corrected one", Fn: func() error {
			before, err := w.Ledger.State().LatestRevocationRoot(bureau.DID())
			if err != nil {
				return err
			}
			c, err := issuer.Supersede(ctx, hold.Credential, credential.Claims{"monthsPaidLast36": 27, "status": "active", "lastContribution": "2026-10-31"})
			if err != nil {
				return err
			}
			held, _, err := demo.Deliver(c, citizen)
			if err != nil {
				return err
			}
			if corrected, err = demo.HoldingOf(issuer, held, secret); err != nil {
				return err
			}
			after, err := w.Ledger.State().LatestRevocationRoot(bureau.DID())
			if err != nil {
				return err
			}
			if after.Epoch <= before.Epoch || after.Root == before.Root {
				return fmt.Errorf("no new revocation root after the correction (epoch %d → %d)", before.Epoch, after.Epoch)
			}
			if !issuer.Registry().Revoked(hold.Credential.Core.RevocationIndex) {
				return errors.New("the superseded credential is not revoked in the bureau's registry")
			}
			n.Say("Two late payments are booked: monthsPaidLast36 25 → 27; the corrected record is delivered encrypted.")
			n.Say("One ledger batch: credential-issued (new), revocation-root epoch %d → %d, credential-superseded (old → new).", before.Epoch, after.Epoch)
			return nil
		}},
		demo.Step{Title: "Second review: the old credential proves nothing", Fn: func() error {
			// The wallet fetches a fresh witness for the old credential.
			// Its index is revoked in the new root, so the path leads to
			// that root only with the leaf set; with the leaf unset it
			// leads to the root before the correction.
			old, err := demo.HoldingOf(issuer, hold.Credential, secret)
			if err != nil {
				return err
			}
			err = verifier.Verify(ctx, old.Credential, old.Witness)
			if !errors.Is(err, credential.ErrSuperseded) {
				return fmt.Errorf("wallet check of the old credential: %v, want superseded", err)
			}
			n.Say("The agency opens a second review (scope %s): one presentation per holder per scope.", secondReview)
			n.Say("Wallet check against the ledger: %v", err)

			req, err := housingRequest(gate, secondReview)
			if err != nil {
				return err
			}
			// A grant names its scope: the citizen consents to the second review.
			if grant, err = w.Consent(ctx, citizen, req, 90*24*time.Hour); err != nil {
				return err
			}
			n.Say("The citizen consents to the second review (a grant names the scope it covers).")
			p, _, err := w.Prove(ctx, citizen, req, grant, old)
			if err != nil {
				return fmt.Errorf("expected the wallet to be able to prove against the old root: %w", err)
			}
			h, err := zkp.Inspect(p.Proof)
			if err != nil {
				return err
			}
			st := w.Ledger.State()
			proven, err := st.RevocationRootEntry(bureau.DID(), ledger.Hash(h.Root.Bytes()))
			if err != nil {
				return fmt.Errorf("the old credential's proof uses an unpublished root: %w", err)
			}
			latest, err := st.LatestRevocationRoot(bureau.DID())
			if err != nil {
				return err
			}
			if proven.Epoch >= latest.Epoch {
				return fmt.Errorf("the old credential proved against root epoch %d, the latest", proven.Epoch)
			}
			n.Say("Presented anyway: the wallet can still make a proof, but only against the root of epoch %d (latest: %d).", proven.Epoch, latest.Epoch)
			_, err = gate.Verify(ctx, req, p)
			if !errors.Is(err, consent.ErrStaleRoot) {
				return fmt.Errorf("proof with the superseded credential not refused for a stale root: %v", err)
			}
			n.Say("Refused by the gate: %v", err)
			return nil
		}},
		demo.Step{Title: "Second review: the corrected credential is accepted", Fn: func() error {
			res, err := presentAndVerify(ctx, w, gate, verifier, citizen, grant, corrected, secondReview, n)
			if err != nil {
				return err
			}
			n.Say("Accepted under the grant given in step 7 (disclosed claims: %d); access record at ledger index %d.", len(res.Disclosed), res.Access.Index)
			return nil
		}},
		demo.Step{Title: "The correction trail, read back from the ledger", Fn: func() error {
			return showTrail(ctx, w.Ledger, bureau, hold.Credential.Anchor(), corrected.Credential.Anchor(), n)
		}},
	)
}

// Nullifier scopes of the agency's two reviews of the application. The gate
// accepts one presentation per credential holder per scope (a corrected
// credential keeps its holder's secret, hence its nullifier), so each
// review has its own scope.
const (
	firstReview  = "housing/application-2026-1047/review-1"
	secondReview = "housing/application-2026-1047/review-2"
)

// housingRequest asks for "monthsPaidLast36 ≥ 24" and "status = active",
// and discloses nothing.
func housingRequest(g *consent.Gate, scope string) (*consent.Request, error) {
	status, _ := contributionSchema.Claim("status")
	active, err := status.Encode("active") // the enum's index, as the credential encodes it
	if err != nil {
		return nil, err
	}
	return g.NewRequest(consent.Request{
		Purpose:       consent.PurposeBenefitEligibility,
		LegalBasis:    consent.BasisPublicTask,
		NoticeVersion: "housing-allocation/3",
		Types:         []string{consent.TypeName(contributionSchema)},
		Predicates: []consent.Predicate{
			{Slot: 0, Op: consent.OpGe, A: 24},
			{Slot: 1, Op: consent.OpEq, Set: []consent.FieldValue{consent.FieldValueOf(active)}},
		},
		Scope: scope,
	})
}

// presentAndVerify has the wallet check the held credential against the
// ledger (v) and answer a request of the agency in scope under the
// citizen's grant (Prove: coverage check, then proof); then the agency's
// gate verifies.
func presentAndVerify(ctx context.Context, w *demo.World, gate *consent.Gate, v *credential.Verifier, citizen *identity.PrivateKey,
	grant *consent.Grant, hold *zkp.Holding, scope string, n *demo.Narrator) (*consent.Result, error) {
	req, err := housingRequest(gate, scope)
	if err != nil {
		return nil, err
	}
	if err := v.Verify(ctx, hold.Credential, hold.Witness); err != nil {
		return nil, fmt.Errorf("wallet check of the credential: %w", err)
	}
	p, proved, err := w.Prove(ctx, citizen, req, grant, hold)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := gate.Verify(ctx, req, p)
	if err != nil {
		return nil, err
	}
	n.Say("Proof made in %v (%d bytes), verified in %v.", proved.Round(time.Millisecond), len(p.Proof), time.Since(start).Round(time.Microsecond))
	if len(res.Disclosed) != 0 {
		return nil, fmt.Errorf("the gate returned %d disclosed claims, want none", len(res.Disclosed))
	}
	return res, nil
}

// showTrail follows the ledger state from the old anchor to the new one
// and finds the credential-superseded record that links them.
func showTrail(ctx context.Context, l ledger.Ledger, bureau *identity.PrivateKey, oldAnchor, newAnchor [32]byte, n *demo.Narrator) error {
	st := l.State()
	oldC, err := st.Credential(ledger.Hash(oldAnchor))
	if err != nil {
		return err
	}
	if oldC.SupersededBy != ledger.Hash(newAnchor) {
		return fmt.Errorf("ledger says %x is superseded by %s, want %x", oldAnchor[:8], oldC.SupersededBy, newAnchor[:8])
	}
	newC, err := st.Credential(oldC.SupersededBy)
	if err != nil {
		return err
	}
	if !newC.SupersededBy.IsZero() {
		return fmt.Errorf("the corrected credential is itself superseded by %s", newC.SupersededBy)
	}
	n.Say("old %s  issued at index %d", oldC.Commitment, oldC.Index)
	n.Say("  → new %s  issued at index %d (current: not superseded)", newC.Commitment, newC.Index)
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return err
	}
	for i := newC.Index; i < cp.Size; i++ {
		sr, err := l.Record(ctx, i)
		if err != nil {
			return err
		}
		link, ok := sr.Record.Payload.(*ledger.CredentialSuperseded)
		if !ok || link.Old != oldC.Commitment {
			continue
		}
		if link.New != newC.Commitment || sr.Record.Author != bureau.DID() {
			return fmt.Errorf("credential-superseded record %d does not match the state", i)
		}
		n.Say("Link: %s record at index %d, signed by the bureau; it holds the two anchors and nothing else.", sr.Record.Kind, i)
		n.Say("Anyone can follow the trail; no one learns the claims, before or after.")
		return nil
	}
	return errors.New("no credential-superseded record in the log")
}
