// Command emergencyaid shows disaster relief handed out once per resident
// of the affected districts, without the relief agency learning who anyone
// is or where exactly they live.
//
// The population register issues residence credentials. After a flood the
// relief agency asks residents to prove "district ∈ affected districts"
// (a set of hashed district names; nothing disclosed), with a nullifier
// scoped to this disaster. Two residents of affected districts claim and
// are accepted; the first one's second claim, from a new pseudonym with a
// new consent and a fresh proof, is refused because its nullifier was
// already used in the scope; a resident of an unaffected district cannot
// make a proof at all. Every step runs for real on an embedded ledger in a
// temporary directory (or -dir).
//
// What the public may see of the supplies, and what it may not: the
// ledger shows how many claims were served and the total units handed out
// per published batch, never how much one person received. Each accepted
// claim's units go on the ledger only as a hiding commitment (SHA-256 of
// the claim's access-record hash, the units and 32 random bytes the agency
// keeps), in an agency event that counts one claim; a batch total is
// published only over at least minBatch claims, so a total is never one
// person's amount. An auditor to whom the agency opens its books checks
// every commitment against its access record and the sum against the
// published total; anyone checks the counts and that the total is bound
// to exactly the batch's commitments.
//
//	go run ./examples/emergencyaid
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

func main() { demo.Main("emergencyaid", run) }

// residenceSchema is the register's credential: the district of residence
// and since when.
var residenceSchema = credential.MustSchema("Residence", 1,
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 0, Required: true, MaxLen: 64},
	credential.ClaimDef{Name: "since", Type: credential.TypeDate, Slot: 1, Required: true},
)

const (
	// scope makes nullifiers one per resident for this disaster: the same
	// credential gives the same nullifier in this scope, and unlinkable
	// ones in any other.
	scope = "relief/flood-2026-11"
	// claimTopic is the ledger topic of one committed handout (amount 1:
	// the running total counts claims served); totalTopic is that of a
	// published batch total (amount: units).
	claimTopic = scope + "/supplies-committed"
	totalTopic = scope + "/supplies-total"
	// minBatch is the fewest claims a published total may cover.
	minBatch = 2
)

// affected are the districts the flood hit (at most 8: one set predicate).
var affected = []string{"Riverside", "Old Harbour", "Millbrook", "Lower Ferry", "Willow Flats"}

// notice is what the relief agency shows residents; its hash goes into the
// request and the consent receipt.
var notice = "Flood relief, November 2026. Residents of " + strings.Join(affected, ", ") +
	" may claim one relief package per person. You prove that your registered district is one of these," +
	" without revealing which, your name or your address."

// noticeHash and affectedSet go into every relief request: the notice's
// hash, and the slot encodings of the affected districts' names
// (credential.HashString; Sign sorts them).
var (
	noticeHash  = consent.Digest(sha256.Sum256([]byte(notice)))
	affectedSet = func() []consent.FieldValue {
		set := make([]consent.FieldValue, len(affected))
		for i, d := range affected {
			set[i] = consent.FieldValueOf(credential.HashString(d))
		}
		return set
	}()
)

// handout is what the relief agency handed out for one accepted claim, in
// its own books (off the ledger).
type handout struct {
	units      uint64
	access     ledger.Hash // the claim's access record (leaf hash)
	nullifier  ledger.Hash // the claim's nullifier hash, as in its access record
	opening    [32]byte    // random bytes that hide units in the commitment
	commitment ledger.Hash // what the ledger shows of this handout
}

// supplyCommitment commits to the units handed out for an access record:
// SHA-256("civicproof/emergencyaid/supplies/v1" || access || units (8
// bytes, big-endian) || opening). Without the opening it reveals nothing
// about the units.
func supplyCommitment(access ledger.Hash, units uint64, opening [32]byte) ledger.Hash {
	b := append([]byte("civicproof/emergencyaid/supplies/v1"), access[:]...)
	b = binary.BigEndian.AppendUint64(b, units)
	return ledger.Hash(sha256.Sum256(append(b, opening[:]...)))
}

// batchDigest binds a published total to the commitments of its batch, in
// ledger order.
func batchDigest(commitments []ledger.Hash) ledger.Hash {
	h := sha256.New()
	h.Write([]byte("civicproof/emergencyaid/batch/v1"))
	for _, c := range commitments {
		h.Write(c[:])
	}
	return ledger.Hash(h.Sum(nil))
}

// resident is one resident's wallet: a key, and the residence credential
// with its holder secret and revocation witness.
type resident struct {
	key  *identity.PrivateKey
	hold *zkp.Holding
}

func run(ctx context.Context, dir string, out, errw io.Writer) error {
	var (
		register, relief *identity.PrivateKey
		gate             *consent.Gate
		ana, ben, cleo   *resident
		anaNullifier     consent.Digest              // the nullifier hash of Ana's accepted claim
		handed           = map[ledger.Hash]handout{} // by commitment: the agency's own books
	)
	w, n, err := demo.Start(ctx, dir, out, errw, "Ministry of the Interior",
		"civicproof emergency aid: flood relief once per resident of the affected districts, nobody identified.")
	if err != nil {
		return err
	}
	defer w.Close()

	// claim has r grant consent to the relief agency under a fresh
	// request, prove (after the wallet's coverage check) and present; the
	// gate verifies.
	claim := func(r *resident) (*consent.Presentation, *consent.Result, error) {
		req, err := reliefRequest(gate)
		if err != nil {
			return nil, nil, err
		}
		grant, err := w.Consent(ctx, r.key, req, 7*24*time.Hour)
		if err != nil {
			return nil, nil, err
		}
		p, _, err := w.Prove(ctx, r.key, req, grant, r.hold)
		if err != nil {
			return nil, nil, err
		}
		res, err := gate.Verify(ctx, req, p)
		return p, res, err
	}
	// hand has r claim and, once the claim is accepted, records on the
	// ledger a commitment to the supplies given for the claim's access
	// record (never the units in clear). It returns the claim's nullifier
	// hash.
	hand := func(r *resident, units uint64) (consent.Digest, error) {
		_, res, err := claim(r)
		if err != nil {
			return consent.Digest{}, err
		}
		if len(res.Disclosed) != 0 {
			return consent.Digest{}, fmt.Errorf("the gate returned %d disclosed claims, want none", len(res.Disclosed))
		}
		nh := consent.NullifierHash(scope, res.Nullifier)
		ho := handout{units: units, access: res.Access.LeafHash, nullifier: ledger.Hash(nh)}
		if _, err := rand.Read(ho.opening[:]); err != nil {
			return consent.Digest{}, err
		}
		ho.commitment = supplyCommitment(ho.access, units, ho.opening)
		if _, err := w.Submit(ctx, relief, &ledger.AgencyEvent{Topic: claimTopic, Digest: ho.commitment, Amount: 1}); err != nil {
			return consent.Digest{}, err
		}
		handed[ho.commitment] = ho
		n.Say("Accepted. The agency saw a wallet pseudonym and nullifier hash %x…; no district, no name (disclosed claims: 0).", nh[:8])
		n.Say("%d units handed out; the ledger shows only the commitment %x… (one claim served, amount hidden).", units, ho.commitment[:8])
		return nh, nil
	}

	return n.Finish("emergencyaid",
		demo.Step{Title: "Ledger opens; the register is accredited to issue Residence", Fn: func() error {
			var err error
			if register, err = w.Agency(ctx, "Population Register", residenceSchema.Name); err != nil {
				return err
			}
			if relief, err = w.Agency(ctx, "National Relief Agency"); err != nil {
				return err
			}
			n.Say("Population Register:    %s", register.DID())
			n.Say("National Relief Agency: %s", relief.DID())
			return nil
		}},
		w.KeysStep(ctx, n),
		demo.Step{Title: "The register issues residence credentials to three residents", Fn: func() error {
			issuer, err := w.Issuer(ctx, register, residenceSchema)
			if err != nil {
				return err
			}
			for _, r := range []struct {
				p        **resident
				label    string
				district string
			}{{&ana, "Ana", "Riverside"}, {&ben, "Ben", "Millbrook"}, {&cleo, "Cleo", "Hilltop"}} {
				if *r.p, err = issue(ctx, w, issuer, r.district); err != nil {
					return err
				}
				n.Say("%-4s lives in %-9s (only the wallet knows; the ledger holds the credential's anchor).", r.label, r.district)
			}
			return nil
		}},
		demo.Step{Title: "The relief agency opens claims for the flood", Fn: func() error {
			var err error
			if gate, err = w.Gate(ctx, relief); err != nil {
				return err
			}
			n.Say("Asks: district ∈ {%s} — %d hashed names, nothing disclosed.", strings.Join(affected, ", "), len(affected))
			n.Say("Nullifier scope %q: one claim per resident for this disaster.", scope)
			return nil
		}},
		demo.Step{Title: "Ana (Riverside) claims", Fn: func() error {
			var err error
			anaNullifier, err = hand(ana, 12)
			return err
		}},
		demo.Step{Title: "Ben (Millbrook) claims", Fn: func() error {
			_, err := hand(ben, 9)
			return err
		}},
		demo.Step{Title: "Ana claims again, from a new pseudonym with a new consent", Fn: func() error {
			// A new wallet key: the agency cannot link it to Ana's first
			// claim by the citizen DID or the grant. The credential is the
			// same, so the nullifier is the same.
			again := &resident{hold: ana.hold}
			var err error
			if again.key, err = identity.GenerateKey(nil); err != nil {
				return err
			}
			before := w.Ledger.State().AgencyTotal(relief.DID(), claimTopic)
			p, _, refused := claim(again)
			if !errors.Is(refused, consent.ErrNullifierUsed) {
				return fmt.Errorf("second claim not refused for its nullifier: %v", refused)
			}
			h, err := zkp.Inspect(p.Proof)
			if err != nil {
				return err
			}
			nh := consent.NullifierHash(scope, consent.FieldValueOf(h.Nullifier))
			if nh != anaNullifier {
				return errors.New("the second claim carries another nullifier")
			}
			if after := w.Ledger.State().AgencyTotal(relief.DID(), claimTopic); after != before {
				return fmt.Errorf("claims served moved from %d to %d on a refused claim", before, after)
			}
			n.Say("Fresh request, fresh proof; the proof is valid, but its nullifier hash %x… was used in this scope.", nh[:8])
			n.Say("Refused: %v", refused)
			n.Say("The agency knows only that this is someone who has already claimed, not who; no supplies recorded.")
			return nil
		}},
		demo.Step{Title: "Cleo (Hilltop, not affected) cannot make a proof", Fn: func() error {
			req, err := reliefRequest(gate)
			if err != nil {
				return err
			}
			// The wallet checks the credential against the request before
			// asking Cleo for consent.
			size := w.Ledger.State().Size()
			err = consent.CanAnswer(req, cleo.hold, w.Now())
			if !errors.Is(err, zkp.ErrUnsatisfied) {
				return fmt.Errorf("proof for an unaffected district not refused by the wallet: %v", err)
			}
			if w.Ledger.State().Size() != size {
				return errors.New("the ledger changed although nothing was presented")
			}
			n.Say("Wallet: %v", err)
			n.Say("Nothing is sent to the agency and nothing is written to the ledger.")
			return nil
		}},
		demo.Step{Title: "The relief agency publishes the batch total", Fn: func() error {
			return publishTotal(ctx, w, relief, handed, n)
		}},
		demo.Step{Title: "The public and an auditor check the supplies against the ledger", Fn: func() error {
			return audit(ctx, w.Ledger, relief, handed, n)
		}},
	)
}

// issue has the register issue a residence credential to a new resident,
// delivered encrypted to their wallet, with a revocation witness for the
// register's published root.
func issue(ctx context.Context, w *demo.World, issuer *credential.Issuer, district string) (*resident, error) {
	key, err := identity.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	secret, err := credential.NewHolderSecret(nil)
	if err != nil {
		return nil, err
	}
	claims := credential.Claims{"district": district, "since": "2019-05-01"}
	hold, _, err := w.Hold(ctx, issuer, residenceSchema, key, secret, claims, w.Now().AddDate(5, 0, 0))
	if err != nil {
		return nil, err
	}
	return &resident{key: key, hold: hold}, nil
}

// reliefRequest asks for "district ∈ affected" in the flood's nullifier
// scope and discloses nothing.
func reliefRequest(g *consent.Gate) (*consent.Request, error) {
	return g.NewRequest(consent.Request{
		Purpose:       consent.PurposeEmergencyAid,
		LegalBasis:    consent.BasisPublicTask,
		NoticeVersion: "flood-2026-11/1",
		NoticeHash:    noticeHash,
		Types:         []string{consent.TypeName(residenceSchema)},
		Predicates:    []consent.Predicate{{Slot: 0, Op: consent.OpInSet, Set: affectedSet}},
		Scope:         scope,
	})
}

// publishTotal publishes the total units of the handouts recorded so far
// as one agency event bound to their commitments, in ledger order. A batch
// of fewer than minBatch claims is not published: its total would be one
// person's amount.
func publishTotal(ctx context.Context, w *demo.World, relief *identity.PrivateKey, handed map[ledger.Hash]handout, n *demo.Narrator) error {
	if len(handed) < minBatch {
		return fmt.Errorf("%d claims, fewer than the %d a published total must cover", len(handed), minBatch)
	}
	commitments, err := claimCommitments(ctx, w.Ledger, relief)
	if err != nil {
		return err
	}
	var total uint64
	for _, c := range commitments {
		total += handed[c].units
	}
	if _, err := w.Submit(ctx, relief, &ledger.AgencyEvent{Topic: totalTopic, Digest: batchDigest(commitments), Amount: total}); err != nil {
		return err
	}
	n.Say("Published: %d units over %d claims, bound to their commitments. No per-person amount is published.", total, len(commitments))
	return nil
}

// claimCommitments returns the commitments of the relief agency's claim
// events, in ledger order.
func claimCommitments(ctx context.Context, l ledger.Ledger, relief *identity.PrivateKey) ([]ledger.Hash, error) {
	var out []ledger.Hash
	err := agencyEvents(ctx, l, relief, func(_ uint64, sr *ledger.SignedRecord) error {
		if p, ok := sr.Record.Payload.(*ledger.AgencyEvent); ok && p.Topic == claimTopic {
			out = append(out, p.Digest)
		}
		return nil
	})
	return out, err
}

// agencyEvents calls fn for every record of the relief agency, in order.
func agencyEvents(ctx context.Context, l ledger.Ledger, relief *identity.PrivateKey, fn func(i uint64, sr *ledger.SignedRecord) error) error {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return err
	}
	st := l.State()
	agency, err := st.Agency(relief.DID())
	if err != nil {
		return err
	}
	for i := range cp.Size {
		sr, err := l.Record(ctx, i)
		if err != nil {
			return err
		}
		if a, err := st.Agency(sr.Record.Author); err != nil || a.ID != agency.ID {
			continue
		}
		if err := fn(i, sr); err != nil {
			return err
		}
	}
	return nil
}

// audit reads the whole log. What anyone can check: every claim event
// counts one claim and carries no amount, there are as many as the relief
// agency's emergency-aid access records, and the published total is bound
// to exactly those commitments. What an auditor given the agency's books
// (the openings) checks: each commitment opens to an access record of the
// agency and the units, and the units sum to the published total.
func audit(ctx context.Context, l ledger.Ledger, relief *identity.PrivateKey, handed map[ledger.Hash]handout, n *demo.Narrator) error {
	var (
		access      = map[ledger.Hash]*ledger.AccessRecord{}
		commitments []ledger.Hash
		totals      []*ledger.AgencyEvent
	)
	err := agencyEvents(ctx, l, relief, func(i uint64, sr *ledger.SignedRecord) error {
		switch p := sr.Record.Payload.(type) {
		case *ledger.AccessRecord:
			h, err := sr.LeafHash()
			if err != nil {
				return err
			}
			if p.Purpose == string(consent.PurposeEmergencyAid) {
				access[h] = p
			}
		case *ledger.AgencyEvent:
			switch p.Topic {
			case claimTopic:
				if p.Amount != 1 {
					return fmt.Errorf("claim event %d carries amount %d: a per-person amount on the ledger", i, p.Amount)
				}
				commitments = append(commitments, p.Digest)
			case totalTopic:
				totals = append(totals, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Anyone.
	if len(commitments) != len(access) || uint64(len(commitments)) != l.State().AgencyTotal(relief.DID(), claimTopic) {
		return fmt.Errorf("%d claim events, %d emergency-aid access records", len(commitments), len(access))
	}
	if len(totals) != 1 || totals[0].Digest != batchDigest(commitments) || len(commitments) < minBatch {
		return fmt.Errorf("%d published totals; want one bound to the %d claim commitments", len(totals), len(commitments))
	}
	total := totals[0].Amount
	n.Say("Public: %d claims served, each a commitment with no amount; one total of %d units bound to all %d commitments.", len(commitments), total, len(commitments))
	// An auditor with the agency's books.
	var sum uint64
	for _, c := range commitments {
		h, ok := handed[c]
		if !ok || supplyCommitment(h.access, h.units, h.opening) != c {
			return fmt.Errorf("commitment %x… does not open with the agency's books", c[:8])
		}
		ar, ok := access[h.access]
		if !ok || ar.Nullifier != h.nullifier {
			return fmt.Errorf("commitment %x… opens to no emergency-aid access record of the agency", c[:8])
		}
		n.Say("auditor: commitment %x… opens to %2d units for access record %x… (nullifier hash %x…)", c[:8], h.units, h.access[:8], ar.Nullifier[:8])
		sum += h.units
	}
	if sum != total || len(handed) != len(commitments) {
		return fmt.Errorf("the books sum to %d units over %d handouts, the ledger's total is %d over %d claims", sum, len(handed), total, len(commitments))
	}
	n.Say("Sum of the %d opened commitments = %d = the published total.", len(commitments), sum)
	n.Say("The ledger holds hashes, commitments, claim counts and one batch total: no names, no districts, no per-person amounts.")
	return nil
}
