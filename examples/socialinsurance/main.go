// Command socialinsurance shows a citizen proving to a housing agency that their
// contribution record qualifies (two predicates, nothing disclosed, the issuer
// hidden: presentation proofs version 2); then the bureau corrects the record: the
// old credential can no longer be proven, the corrected one is accepted; then the
// bureau rotates its signing key and the corrected record, signed with the old key,
// is still accepted without re-issuance. It runs on an embedded ledger in a
// temporary directory (or -dir).
//
//	go run ./examples/socialinsurance
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

func main() { narrate.Main("socialinsurance", run) }

var recordSchema = credential.MustSchema("ContributionRecord", 1,
	credential.ClaimDef{Name: "monthsPaidLast36", Type: credential.TypeUnsigned, Slot: 0, Required: true},
	credential.ClaimDef{Name: "status", Type: credential.TypeEnum, Slot: 1, Required: true, Values: []string{"active", "suspended", "closed"}},
	credential.ClaimDef{Name: "lastContribution", Type: credential.TypeDate, Slot: 2, Required: true})

func run(ctx context.Context, dir string, n *narrate.Narrator) error {
	var k [4]*identity.PrivateKey // the ministry, the bureau, the housing agency, the ledger
	var err error
	for i := range k {
		if k[i], err = identity.GenerateKey(nil); err != nil {
			return err
		}
	}
	ministry, bureau, housing := k[0], k[1], k[2]
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
	var issuer *credential.Issuer
	var gate *consent.Gate
	var grant *consent.Grant
	var dk *identity.PrivateKey        // the citizen's DID for the bureau
	var issued *credential.Credential  // the record as first issued, kept by the bureau
	ask := func(review string) error { // the agency asks in review, the wallet answers, the gate verifies
		req, err := housingRequest(gate, review)
		if err != nil {
			return err
		}
		if grant == nil || grant.Scope != req.Scope { // a grant names the one scope it covers
			if grant, err = h.Consent(ctx, l, req, holder.ConsentOptions{Validity: 90 * 24 * time.Hour}); err != nil {
				return err
			}
		}
		var p *consent.Presentation
		took, err := n.Wait("proving", func() error { p, err = h.Present(ctx, l, pk, req); return err })
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
			// Cached, or made once by a single-party DEMO setup (production: a ceremony).
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
		narrate.Step{Title: "The bureau issues the citizen a contribution record (25 months paid)", Do: func() error {
			if issuer, err = credential.NewIssuer(bureau, l, credential.NewRegistry(), credential.IssuerOptions{}); err != nil {
				return err
			}
			if err := issuer.Setup(ctx, recordSchema); err != nil { // schema registered, first revocation root
				return err
			}
			creq, err := h.CredentialRequest(bureau.DID(), credential.Claims{"monthsPaidLast36": 25, "status": "active", "lastContribution": "2026-10-31"}, time.Now().AddDate(1, 0, 0))
			if err != nil {
				return err
			}
			if dk, err = h.DeliveryIdentity(bureau.DID()); err != nil { // the request's DID; its key travels with it
				return err
			}
			var sealed []byte
			if issued, sealed, err = issuer.IssueSealed(ctx, recordSchema, creq, dk.Public()); err != nil {
				return err
			}
			if _, err := h.Receive(bureau.DID(), sealed); err != nil {
				return err
			}
			_, err = store.Refresh(l.State(), issuer.StatusList()) // revocation witness from the public status list
			return err
		}},
		narrate.Step{Title: "The housing agency asks \"months ≥ 24 and status = active\"; the citizen consents; the wallet proves", Do: func() error {
			if gate, err = consent.NewGate(ctx, housing, l, consent.NewZKSystem(pk.VerifyingKey())); err != nil {
				return err
			}
			return ask("review-1")
		}},
		narrate.Step{Title: "The bureau supersedes the record with a corrected one (27 months)", Do: func() error {
			c, err := issuer.Supersede(ctx, issued, credential.Claims{"monthsPaidLast36": 27, "status": "active", "lastContribution": "2026-10-31"})
			if err != nil {
				return err
			}
			was, err := l.State().Credential(ledger.Hash(issued.Anchor()))
			if err != nil || was.SupersededBy != ledger.Hash(c.Anchor()) {
				return fmt.Errorf("the ledger does not link the old record to the corrected one (%v)", err)
			}
			n.Say("One ledger batch: new credential, new revocation root, link %s… → %s… (hashes only).", was.Commitment.String()[:12], was.SupersededBy.String()[:12])
			n.Say("Citizen's pairwise DIDs: %s; the bureau never sees the first.", pairwise(h, map[identity.DID]string{bureau.DID(): "the bureau", housing.DID(): "the agency"}))
			sealed, err := credential.Seal(c, dk.Public()) // to the citizen's DID for the bureau, as before
			if err != nil {
				return err
			}
			_, err = h.Receive(bureau.DID(), sealed)
			return err
		}},
		narrate.Step{Title: "Second review: the old record cannot be proven, the corrected one is accepted", Do: func() error {
			// Not yet refreshed, the wallet holds the old record, whose witness leads to the
			// bureau's revocation root before the correction; the issuer set on the ledger
			// carries the new root, under which the old record is revoked.
			err := ask("review-2")
			if !errors.Is(err, holder.ErrNoCredential) {
				return fmt.Errorf("want the wallet to find no credential that answers, got %v", err)
			}
			n.Say("Old record refused by the wallet: %v", err)
			// The wallet refreshes from the bureau's status list: the old record revoked, the new one witnessed.
			if _, err := store.Refresh(l.State(), issuer.StatusList()); err != nil {
				return err
			}
			return ask("review-2")
		}},
		narrate.Step{Title: "The bureau rotates its signing key; the record signed with the old key is still accepted", Do: func() error {
			before, err := l.State().IssuerSet(recordSchema.Name)
			if err != nil {
				return err
			}
			next, err := identity.GenerateKey(nil)
			if err != nil {
				return err
			}
			// The new key proves it consents to serve the bureau; the old key signs the rotation.
			rotate := &ledger.KeyRotate{NewKey: next.Public(), Proof: next.Sign(ledger.KeyRotateProofDomain, []byte(bureau.DID()))}
			if _, err := ledger.SignAndSubmit(ctx, l, bureau, time.Now(), rotate); err != nil {
				return err
			}
			after, err := l.State().IssuerSet(recordSchema.Name)
			if err != nil {
				return err
			}
			old := before.Leaves[0]
			i, _ := after.IndexOf(old.KeyDID)
			n.Say("Issuer set of %s: root %s… → %s…, %d keys: the old key kept for what it signed until %s, the new one open.",
				recordSchema.Name, before.Root.String()[:12], after.Root.String()[:12], len(after.Leaves),
				day(after.Leaves[i].Until))
			// The wallet takes the old key's leaf and its path under the new root; no re-issuance.
			return ask("review-3")
		}},
	)
}

// day formats an issuer-set day number (ledger.IssuerSetDay) as a date.
func day(d uint64) string {
	for _, t := range []time.Time{time.Now().UTC(), time.Now().UTC().AddDate(0, 0, -1), time.Now().UTC().AddDate(0, 0, 1)} {
		if ledger.IssuerSetDay(t) == d {
			return t.Format(time.DateOnly)
		}
	}
	return fmt.Sprintf("day %d", d)
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
