package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// Access is one access record: who (the agency, by its ledger ID and
// name) used which grant, when, why (purpose) and to learn what (the hash
// of the statement proven; the citizen's grant says which facts). No
// personal data is in it.
type Access struct {
	Grant      Digest
	Agency     identity.DID
	AgencyName string
	Purpose    Purpose
	Statement  Digest
	Nullifier  Digest
	Index      uint64 // position of the access-record in the ledger
	Time       time.Time
}

// GrantView is one of the citizen's grants as the ledger knows it, with
// the grant itself when the wallet holds it, and its access records.
type GrantView struct {
	ID       Digest
	Grant    *Grant // nil if the wallet does not hold it
	Agency   identity.DID
	Guardian identity.DID
	Anchored time.Time
	State    State // given, withdrawn or expired (expired needs Grant)
	Parts    []string
	Accesses []Access
}

// CitizenView lists the citizen's grants anchored on the ledger, oldest
// first, each with the access records made under it. held are the grants
// the wallet keeps; they fill GrantView.Grant and expiry.
func CitizenView(l ledger.Ledger, citizen identity.DID, now time.Time, held ...*Grant) []GrantView {
	st := l.State()
	byID := map[Digest]*Grant{}
	for _, g := range held {
		byID[g.ID()] = g
	}
	var out []GrantView
	for _, lg := range st.GrantsOf(citizen) {
		v := GrantView{
			ID: Digest(lg.ID), Grant: byID[Digest(lg.ID)], Agency: lg.Agency, Guardian: lg.Guardian,
			Anchored: time.Unix(lg.Time, 0).UTC(), State: StateGiven, Parts: lg.WithdrawnParts,
		}
		switch {
		case lg.Withdrawn:
			v.State = StateWithdrawn
		case v.Grant != nil && !now.Before(v.Grant.NotAfter):
			v.State = StateExpired
		}
		for _, a := range st.AccessRecords(lg.ID) {
			v.Accesses = append(v.Accesses, accessFrom(st, a))
		}
		out = append(out, v)
	}
	return out
}

func accessFrom(st *ledger.State, a ledger.AccessEntry) Access {
	out := Access{
		Grant: Digest(a.Grant), Agency: a.Agency, Purpose: Purpose(a.Purpose),
		Statement: Digest(a.Statement), Nullifier: Digest(a.Nullifier),
		Index: a.Index, Time: time.Unix(a.Time, 0).UTC(),
	}
	if ag, err := st.Agency(a.Agency); err == nil {
		out.AgencyName = ag.Name
	}
	return out
}

// VerifyAccess checks, without trusting the ledger operator, that the
// access record a is in the log that checkpoint cp commits to: it fetches
// the record at a.Index, checks it is that access-record by that agency,
// and verifies its RFC 6962 inclusion proof against cp. cp must have been
// verified by the caller with the ledger's ledger.Verifier.ParseCheckpoint.
// Errors wrap ledger.ErrBadProof for a failed proof.
func VerifyAccess(ctx context.Context, l ledger.Ledger, cp *ledger.Checkpoint, a Access) error {
	if cp == nil || a.Index >= cp.Size {
		return fmt.Errorf("%w: access record %d is not covered by the checkpoint", ledger.ErrBadProof, a.Index)
	}
	sr, err := l.Record(ctx, a.Index)
	if err != nil {
		return fmt.Errorf("consent: verify access: %w", err)
	}
	p, ok := sr.Record.Payload.(*ledger.AccessRecord)
	if !ok {
		return fmt.Errorf("%w: record %d is a %s, not an access record", ledger.ErrBadProof, a.Index, sr.Record.Kind)
	}
	if Digest(p.Grant) != a.Grant || Purpose(p.Purpose) != a.Purpose || Digest(p.Statement) != a.Statement ||
		Digest(p.Nullifier) != a.Nullifier || sr.Record.Time != a.Time.Unix() {
		return fmt.Errorf("%w: record %d does not match the access entry", ledger.ErrBadProof, a.Index)
	}
	if ag, err := l.State().Agency(sr.Record.Author); err != nil || ag.ID != a.Agency {
		return fmt.Errorf("%w: record %d was not written by %s", ledger.ErrBadProof, a.Index, a.Agency)
	}
	if err := sr.Verify(); err != nil {
		return fmt.Errorf("consent: verify access: %w", err)
	}
	leaf, err := sr.Bytes()
	if err != nil {
		return fmt.Errorf("consent: verify access: %w", err)
	}
	path, err := l.InclusionProof(ctx, a.Index, cp.Size)
	if err != nil {
		return fmt.Errorf("consent: verify access: %w", err)
	}
	return ledger.VerifyInclusion(cp, a.Index, leaf, path)
}

// Answers reports whether this access record was written for presentation
// p answering request req: a wallet that keeps what it presented can so
// tell the citizen exactly which facts each access learned.
func (a Access) Answers(req *Request, p *Presentation) bool {
	return p != nil && p.Grant != nil && a.Grant == p.Grant.ID() && a.Statement == StatementHash(req, p)
}
