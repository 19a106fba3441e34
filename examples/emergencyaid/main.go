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
// make a proof at all. Each accepted claim's supplies are recorded on the
// ledger as an agency event, and an auditor recomputes the total from the
// log and checks it against the ledger's running total. Every step runs for
// real on an embedded ledger in a temporary directory (or -dir).
//
//	go run ./examples/emergencyaid
package main

import (
	"context"
	"crypto/sha256"
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
	// topic is the ledger topic of the supplies handed out.
	topic = scope + "/supplies"
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

// handout is what the relief agency handed out for one accepted claim.
type handout struct {
	units     uint64
	nullifier ledger.Hash // the claim's nullifier hash, as in its access record
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
		handed           = map[ledger.Hash]handout{} // by access-record hash: the agency's own books
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
	// hand has r claim and, once the claim is accepted, records the
	// supplies given on the ledger under the hash of the claim's access
	// record. It returns the claim's nullifier hash.
	hand := func(r *resident, units uint64) (consent.Digest, error) {
		_, res, err := claim(r)
		if err != nil {
			return consent.Digest{}, err
		}
		if len(res.Disclosed) != 0 {
			return consent.Digest{}, fmt.Errorf("the gate returned %d disclosed claims, want none", len(res.Disclosed))
		}
		nh := consent.NullifierHash(scope, res.Nullifier)
		if _, err := w.Submit(ctx, relief, &ledger.AgencyEvent{Topic: topic, Digest: res.Access.LeafHash, Amount: units}); err != nil {
			return consent.Digest{}, err
		}
		handed[res.Access.LeafHash] = handout{units: units, nullifier: ledger.Hash(nh)}
		n.Say("Accepted. The agency saw a wallet pseudonym and nullifier hash %x…; no district, no name (disclosed claims: 0).", nh[:8])
		n.Say("%d units handed out; agency-event recorded under the access record's hash %x….", units, res.Access.LeafHash[:8])
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
			before := w.Ledger.State().AgencyTotal(relief.DID(), topic)
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
			if after := w.Ledger.State().AgencyTotal(relief.DID(), topic); after != before {
				return fmt.Errorf("supplies total moved from %d to %d on a refused claim", before, after)
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
		demo.Step{Title: "An auditor checks the supplies total against the ledger", Fn: func() error {
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

// audit reads the whole log as an outside auditor would: it adds up the
// relief agency's supply events, checks each one points at an emergency-aid
// access record of the same agency and matches the agency's books, and
// compares the sum with the ledger's running total.
func audit(ctx context.Context, l ledger.Ledger, relief *identity.PrivateKey, handed map[ledger.Hash]handout, n *demo.Narrator) error {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return err
	}
	st := l.State()
	agency, err := st.Agency(relief.DID())
	if err != nil {
		return err
	}
	access := map[ledger.Hash]*ledger.AccessRecord{}
	var sum uint64
	events := 0
	for i := range cp.Size {
		sr, err := l.Record(ctx, i)
		if err != nil {
			return err
		}
		if a, err := st.Agency(sr.Record.Author); err != nil || a.ID != agency.ID {
			continue
		}
		switch p := sr.Record.Payload.(type) {
		case *ledger.AccessRecord:
			h, err := sr.LeafHash()
			if err != nil {
				return err
			}
			access[h] = p
		case *ledger.AgencyEvent:
			if p.Topic != topic {
				continue
			}
			ar, ok := access[p.Digest]
			if !ok || ar.Purpose != string(consent.PurposeEmergencyAid) {
				return fmt.Errorf("supply event %d does not point at an emergency-aid access record", i)
			}
			if h := handed[p.Digest]; h.units != p.Amount || h.nullifier != ar.Nullifier {
				return fmt.Errorf("supply event %d (%d units) does not match the agency's books (%d units)", i, p.Amount, h.units)
			}
			n.Say("index %2d: %2d units for access record %x… (nullifier hash %x…)", i, p.Amount, p.Digest[:8], ar.Nullifier[:8])
			sum += p.Amount
			events++
		}
	}
	var books uint64
	for _, h := range handed {
		books += h.units
	}
	total := st.AgencyTotal(relief.DID(), topic)
	if events != len(handed) || sum != total || total != books {
		return fmt.Errorf("%d events summing to %d, ledger total %d, handed out %d", events, sum, total, books)
	}
	n.Say("Sum of the %d events = %d = state.AgencyTotal(%q) = units handed out.", events, sum, topic)
	n.Say("The ledger holds hashes and amounts only: no names, no districts.")
	return nil
}
