package consent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// Anchor puts the grant's receipt on the ledger: a consent-receipt record
// by the grant's signer (the citizen, or the guardian with the citizen
// named) carrying the grant id, the agency and the receipt hash. key must
// be the signer's; now is the record time. A guardian grant without an
// active guardianship on the ledger is refused with ErrNoGuardianship.
func Anchor(ctx context.Context, l ledger.Ledger, key *identity.PrivateKey, g *Grant, now time.Time) (ledger.Receipt, error) {
	if err := g.Verify(); err != nil {
		return ledger.Receipt{}, fmt.Errorf("consent: anchor: %w", err)
	}
	if key.DID() != g.Signer() {
		return ledger.Receipt{}, fmt.Errorf("consent: anchor: key is not the grant's signer %s", g.Signer())
	}
	if g.Guardian != "" && !l.State().IsGuardian(g.Guardian, g.Citizen) {
		return ledger.Receipt{}, fmt.Errorf("%w: %s for %s", ErrNoGuardianship, g.Guardian, g.Citizen)
	}
	rh, err := g.Receipt().Hash()
	if err != nil {
		return ledger.Receipt{}, err
	}
	p := &ledger.ConsentReceipt{Grant: ledger.Hash(g.ID()), Content: ledger.Hash(g.contentDigest()), Agency: g.Agency, Receipt: ledger.Hash(rh)}
	if g.Guardian != "" {
		p.Citizen = g.Citizen
	}
	return submit(ctx, l, key, now, p, "anchor receipt")
}

// Withdraw withdraws a grant on the ledger: the whole grant when parts is
// empty, else the named parts (see Grant.Parts). key must be the grant's
// citizen or a guardian currently acting for the citizen. Every later
// verification under a wholly withdrawn grant fails with
// ErrConsentWithdrawn, and under a withdrawn part with ErrNotCovered.
func Withdraw(ctx context.Context, l ledger.Ledger, key *identity.PrivateKey, g *Grant, now time.Time, parts ...string) (ledger.Receipt, error) {
	all := g.Parts()
	for _, p := range parts {
		if !slices.Contains(all, p) {
			return ledger.Receipt{}, fmt.Errorf("%w: grant has no part %q", ErrMalformed, p)
		}
	}
	if d := key.DID(); d != g.Citizen && !l.State().IsGuardian(d, g.Citizen) {
		return ledger.Receipt{}, fmt.Errorf("%w: %s may not withdraw for %s", ErrNoGuardianship, d, g.Citizen)
	}
	p := &ledger.ConsentWithdrawal{Grant: ledger.Hash(g.ID())}
	if len(parts) > 0 {
		p.Parts = slices.Clone(parts)
		slices.Sort(p.Parts)
		p.Parts = slices.Compact(p.Parts)
	}
	return submit(ctx, l, key, now, p, "withdraw")
}

func submit(ctx context.Context, l ledger.Ledger, key *identity.PrivateKey, now time.Time, p ledger.Payload, step string) (ledger.Receipt, error) {
	sr, err := ledger.NewRecord(key.DID(), now, p).Sign(key)
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("consent: %s: %w", step, err)
	}
	rc, err := l.Submit(ctx, sr)
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("consent: %s: %w", step, err)
	}
	return rc, nil
}

// StatusOf returns the grant's status from the ledger at time now: given,
// withdrawn or expired, the parts withdrawn, and the uses so far (access
// records under it). A grant whose receipt is not on the ledger, or is
// anchored for another grant content, is refused with ErrNoConsent.
func StatusOf(l ledger.Ledger, g *Grant, now time.Time) (*Status, error) {
	return statusOf(l, g, now, false)
}

// statusOf skips matching the anchored receipt when matched says it was
// matched before (the ledger never changes an anchored receipt).
func statusOf(l ledger.Ledger, g *Grant, now time.Time, matched bool) (*Status, error) {
	lg, err := l.State().Grant(ledger.Hash(g.ID()))
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, fmt.Errorf("%w: grant %s not anchored", ErrNoConsent, g.ID().String()[:16])
	}
	if err != nil {
		return nil, fmt.Errorf("consent: grant status: %w", err)
	}
	if !matched {
		if err := matchAnchored(l, g, &lg); err != nil {
			return nil, err
		}
	}
	st := &Status{Grant: g, State: StateGiven, WithdrawnParts: lg.WithdrawnParts}
	switch {
	case lg.Withdrawn:
		st.State = StateWithdrawn
	case !now.Before(g.NotAfter):
		st.State = StateExpired
	}
	st.Uses = uint32(min(len(l.State().AccessRecords(lg.ID)), 1<<31))
	return st, nil
}

// matchAnchored checks that the anchored receipt is this grant's: same
// citizen, guardian and agency, and the same receipt hash.
func matchAnchored(l ledger.Ledger, g *Grant, lg *ledger.Grant) error {
	rh, err := g.Receipt().Hash()
	if err != nil {
		return err
	}
	agency, err := l.State().Agency(g.Agency)
	if err != nil {
		return fmt.Errorf("%w: agency %s not registered: %v", ErrNoConsent, g.Agency, err)
	}
	if lg.Citizen != g.Citizen || lg.Guardian != g.Guardian || lg.Agency != agency.ID || Digest(lg.Receipt) != rh {
		return fmt.Errorf("%w: anchored receipt does not match the grant", ErrNoConsent)
	}
	return nil
}
