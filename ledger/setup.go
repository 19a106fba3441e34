package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/identity"
)

// The functions below are the set-up every deployment writes once: the
// root authority opens governance, agencies register, the root authority
// accredits them. Each signs one record with the key of the party that
// acts and submits it; the state machine decides whether that party may
// write it (errors wrap ErrUnauthorized or ErrInvalidRecord otherwise).
// The record time is now: pass the ledger's clock, since the engine refuses
// times too far from its own.

// SignAndSubmit signs payload p as the author whose key is key, with record
// time now, and submits it to l.
func SignAndSubmit(ctx context.Context, l Ledger, key *identity.PrivateKey, now time.Time, p Payload) (Receipt, error) {
	if l == nil || key == nil || p == nil {
		return Receipt{}, fmt.Errorf("%w: SignAndSubmit needs a ledger, a key and a payload", ErrInvalidRecord)
	}
	sr, err := NewRecord(key.DID(), now, p).Sign(key)
	if err != nil {
		return Receipt{}, fmt.Errorf("ledger: signing %s record: %w", p.Kind(), err)
	}
	rc, err := l.Submit(ctx, sr)
	if err != nil {
		return Receipt{}, fmt.Errorf("ledger: submitting %s record: %w", p.Kind(), err)
	}
	return rc, nil
}

// InitGovernance records root as the ledger's root authority, named name
// (a governance-init record, the first record of a ledger).
func InitGovernance(ctx context.Context, l Ledger, root *identity.PrivateKey, name string, now time.Time) (Receipt, error) {
	return SignAndSubmit(ctx, l, root, now, &GovernanceInit{Name: name})
}

// RegisterAgency records the agency whose key is agency under name (an
// agency-register record signed by the agency itself, publishing its key
// set). A registered agency may ask for consent and verify; it issues only
// once accredited.
func RegisterAgency(ctx context.Context, l Ledger, agency *identity.PrivateKey, name string, now time.Time) (Receipt, error) {
	if agency == nil {
		return Receipt{}, fmt.Errorf("%w: RegisterAgency needs the agency's key", ErrInvalidRecord)
	}
	return SignAndSubmit(ctx, l, agency, now, &AgencyRegister{Key: agency.Public(), Name: name})
}

// AccreditAgency has the root authority (governance) accredit the
// registered agency in role for the credential types (schema names), with
// an accredit record. An issuer may then register schemas of those types,
// issue them and publish revocation roots.
func AccreditAgency(ctx context.Context, l Ledger, governance *identity.PrivateKey, agency identity.DID, role Role, types []string, now time.Time) (Receipt, error) {
	return SignAndSubmit(ctx, l, governance, now, &Accredit{Agency: agency, Role: role, Types: types})
}
