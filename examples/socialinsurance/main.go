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
	n := demo.New(out, errw)
	fmt.Fprintln(out, "civicproof social insurance: a citizen shows a housing agency a qualifying contribution record; the record is then corrected.")

	var (
		w                        *demo.World
		bureau, housing, citizen *identity.PrivateKey
		issuer                   *credential.Issuer
		gate                     *consent.Gate
		secret                   fr.Element
		original, corrected      *credential.Credential
		grant                    *consent.Grant
	)
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	steps := []demo.Step{
		{Title: "Ledger opens; bureau accredited to issue ContributionRecord", Fn: func() error {
			var err error
			if w, err = demo.NewWorld(ctx, dir, "Ministry of Labour and Social Affairs"); err != nil {
				return err
			}
			if bureau, err = w.Agency(ctx, "Social Insurance Bureau", contributionSchema.Name); err != nil {
				return err
			}
			if housing, err = w.Agency(ctx, "Public Housing Agency"); err != nil {
				return err
			}
			if citizen, err = identity.GenerateKey(nil); err != nil {
				return err
			}
			n.Say("Social Insurance Bureau: %s", bureau.DID())
			n.Say("Public Housing Agency:   %s", housing.DID())
			n.Say("Citizen:                 %s (keys stay in the wallet)", citizen.DID())
			return nil
		}},
		{Title: "Proving keys for the presentation circuit", Fn: func() error {
			_, err := w.Keys(ctx, n)
			return err
		}},
		{Title: "The bureau issues the citizen a contribution record", Fn: func() error {
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
			hold, _, err := w.Hold(ctx, issuer, contributionSchema, citizen, secret, claims, w.Now().AddDate(1, 0, 0))
			if err != nil {
				return err
			}
			original = hold.Credential
			n.Say("Claims: monthsPaidLast36=25, status=active, lastContribution=2026-10-31; delivered encrypted to the citizen.")
			n.Say("The ledger records only the credential's anchor %x…, not the claims.", shortHash(original.Anchor()))
			return nil
		}},
		{Title: "The housing agency asks two facts; the citizen consents", Fn: func() error {
			var err error
			if gate, err = w.Gate(ctx, housing); err != nil {
				return err
			}
			req, err := housingRequest(gate, firstReview)
			if err != nil {
				return err
			}
			if _, err := consent.CheckRequest(w.Now(), req); err == nil {
				return errors.New("wallet found consent that was never given")
			} else {
				n.Say("Wallet: %v", err)
			}
			if grant, err = w.Consent(ctx, citizen, req, 90*24*time.Hour); err != nil {
				return err
			}
			n.Say("Consent receipt anchored: purpose %s, legal basis %s,", req.Purpose, req.LegalBasis)
			n.Say("predicates \"monthsPaidLast36 ≥ 24\" and \"status = active\", no disclosure.")
			return nil
		}},
		{Title: "The citizen proves both predicates; the agency verifies", Fn: func() error {
			res, err := presentAndVerify(ctx, w, gate, issuer, citizen, grant, original, secret, firstReview, n)
			if err != nil {
				return err
			}
			n.Say("Accepted. The agency learned: at least 24 of the last 36 months paid, status active (disclosed claims: %d).", len(res.Disclosed))
			n.Say("It did not learn the exact number of months, the last payment date, or the citizen's name.")
			return nil
		}},
		{Title: "The bureau supersedes the record with a corrected one", Fn: func() error {
			before, err := w.Ledger.State().LatestRevocationRoot(bureau.DID())
			if err != nil {
				return err
			}
			c, err := issuer.Supersede(ctx, original, credential.Claims{"monthsPaidLast36": 27, "status": "active", "lastContribution": "2026-10-31"})
			if err != nil {
				return err
			}
			if corrected, _, err = demo.Deliver(c, citizen); err != nil {
				return err
			}
			after, err := w.Ledger.State().LatestRevocationRoot(bureau.DID())
			if err != nil {
				return err
			}
			if after.Epoch <= before.Epoch || after.Root == before.Root {
				return fmt.Errorf("no new revocation root after the correction (epoch %d → %d)", before.Epoch, after.Epoch)
			}
			if !issuer.Registry().Revoked(original.Core.RevocationIndex) {
				return errors.New("the superseded credential is not revoked in the bureau's registry")
			}
			n.Say("Two late payments are booked: monthsPaidLast36 25 → 27; the corrected record is delivered encrypted.")
			n.Say("One ledger batch: credential-issued (new), revocation-root epoch %d → %d, credential-superseded (old → new).", before.Epoch, after.Epoch)
			return nil
		}},
		{Title: "Second review: the old credential proves nothing", Fn: func() error {
			// The wallet fetches a fresh witness for the old credential.
			// Its index is revoked in the new root, so the path leads to
			// that root only with the leaf set; with the leaf unset it
			// leads to the root before the correction.
			wit, err := issuer.Registry().Witness(original.Core.RevocationIndex)
			if err != nil {
				return err
			}
			v, err := credential.NewVerifier(w.Ledger.State(), credential.VerifierOptions{Now: w.Now})
			if err != nil {
				return err
			}
			err = v.Verify(ctx, original, wit)
			if !errors.Is(err, credential.ErrSuperseded) {
				return fmt.Errorf("wallet check of the old credential: %v, want superseded", err)
			}
			n.Say("The agency opens a second review (scope %s): one presentation per holder per scope.", secondReview)
			n.Say("Wallet check against the ledger: %v", err)

			req, err := housingRequest(gate, secondReview)
			if err != nil {
				return err
			}
			hold := &zkp.Holding{Credential: original, Secret: secret, Witness: wit}
			p, err := consent.Present(ctx, citizen, w.PK, req, grant, hold, w.Now())
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
		{Title: "Second review: the corrected credential is accepted", Fn: func() error {
			res, err := presentAndVerify(ctx, w, gate, issuer, citizen, grant, corrected, secret, secondReview, n)
			if err != nil {
				return err
			}
			n.Say("Accepted under the grant given in step 4 (disclosed claims: %d); access record at ledger index %d.", len(res.Disclosed), res.Access.Index)
			return nil
		}},
		{Title: "The correction trail, read back from the ledger", Fn: func() error {
			return showTrail(ctx, w.Ledger, bureau, original.Anchor(), corrected.Anchor(), n)
		}},
	}
	if err := n.Run(steps...); err != nil {
		return err
	}
	n.Summary()
	fmt.Fprintln(out, "\nsocialinsurance: all steps passed.")
	return nil
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
		Types:         []string{"ContributionRecord/1"},
		Predicates: []consent.Predicate{
			{Slot: 0, Op: consent.OpGe, A: 24},
			{Slot: 1, Op: consent.OpEq, Set: []consent.FieldValue{consent.FieldValueOf(active)}},
		},
		Scope: scope,
	})
}

// presentAndVerify has the wallet fetch a current revocation witness from
// the bureau and check the credential against the ledger, check the
// request against the citizen's grant and prove; then the agency's gate
// verifies.
func presentAndVerify(ctx context.Context, w *demo.World, gate *consent.Gate, issuer *credential.Issuer, citizen *identity.PrivateKey,
	grant *consent.Grant, c *credential.Credential, secret fr.Element, scope string, n *demo.Narrator) (*consent.Result, error) {
	req, err := housingRequest(gate, scope)
	if err != nil {
		return nil, err
	}
	st, err := consent.StatusOf(w.Ledger, grant, w.Now())
	if err != nil {
		return nil, err
	}
	if _, err := consent.CheckRequest(w.Now(), req, st); err != nil {
		return nil, err
	}
	wit, err := issuer.Registry().Witness(c.Core.RevocationIndex)
	if err != nil {
		return nil, err
	}
	v, err := credential.NewVerifier(w.Ledger.State(), credential.VerifierOptions{Now: w.Now})
	if err != nil {
		return nil, err
	}
	if err := v.Verify(ctx, c, wit); err != nil {
		return nil, fmt.Errorf("wallet check of the credential: %w", err)
	}
	start := time.Now()
	p, err := consent.Present(ctx, citizen, w.PK, req, grant, &zkp.Holding{Credential: c, Secret: secret, Witness: wit}, w.Now())
	if err != nil {
		return nil, err
	}
	proved := time.Since(start)
	start = time.Now()
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

func shortHash(h [32]byte) []byte { return h[:8] }
