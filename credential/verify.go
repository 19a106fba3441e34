package credential

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// VerifierOptions configures a Verifier. The zero value uses time.Now and
// accepts a revocation root of any age.
type VerifierOptions struct {
	// Now is the verifier's clock; nil means time.Now.
	Now func() time.Time
	// MaxRootAge, if positive, is the oldest an issuer's latest published
	// revocation root may be (by its ledger record time); older gives
	// ErrStaleRoot.
	MaxRootAge time.Duration
}

// Verifier checks credentials and disclosures outside zero knowledge
// against the ledger's state.
type Verifier struct {
	state *ledger.State
	now   func() time.Time
	max   time.Duration
}

// NewVerifier returns a verifier reading st (ledger.Ledger.State()).
func NewVerifier(st *ledger.State, opts VerifierOptions) (*Verifier, error) {
	if st == nil {
		return nil, errors.New("credential: NewVerifier needs a ledger state")
	}
	if opts.MaxRootAge < 0 {
		return nil, fmt.Errorf("credential: negative MaxRootAge %v", opts.MaxRootAge)
	}
	v := &Verifier{state: st, now: opts.Now, max: opts.MaxRootAge}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// signed is what both a credential and a disclosure let a verifier check.
type signed struct {
	schema          *Schema
	issuer          identity.DID
	issuerKey       *eddsa.PublicKey
	message         fr.Element
	anchor          *[32]byte // when set, the anchor; message and issuerKey are then unused
	validUntil      uint64
	revocationIndex uint32
}

// Verify checks, in this order: the issuer's signature (ErrBadSignature);
// that the credential is anchored on the ledger by its issuer
// (ErrNotAnchored); that the signing key is the issuer's key set in force at
// the anchor (ErrUnknownIssuer); that the schema is registered with this
// hash (ErrSchemaNotRegistered); that the issuer was accredited for the
// type when the anchor was written (ErrNotAccredited); validity against
// the clock (ErrNotYetValid before the anchor's time, ErrExpired after the
// validUntil day); that it was not superseded (ErrRevoked with
// ErrSuperseded); and its revocation status: w must be a witness for the
// issuer's latest published root (ErrRevoked if revoked under it,
// ErrBadWitness if computed for another root), and that root must be no
// older than MaxRootAge (ErrStaleRoot).
func (v *Verifier) Verify(ctx context.Context, c *Credential, w *revocation.Witness) error {
	if err := c.check(); err != nil {
		return err
	}
	msg := c.Core.Message()
	if err := VerifyMessage(c.IssuerKey, msg, c.Signature); err != nil {
		return fmt.Errorf("credential: issuer signature: %w", err)
	}
	return v.verifySigned(ctx, signed{
		schema: c.Schema, issuer: c.Issuer, issuerKey: c.IssuerKey, message: msg,
		validUntil: c.Core.ValidUntil, revocationIndex: c.Core.RevocationIndex,
	}, w)
}

// VerifyDisclosure runs Disclosure.Check (an altered revealed claim gives
// ErrBadSignature) and then every ledger, validity and revocation check of
// Verify.
func (v *Verifier) VerifyDisclosure(ctx context.Context, d *Disclosure, w *revocation.Witness) error {
	msg, err := d.check()
	if err != nil {
		return err
	}
	return v.verifySigned(ctx, signed{
		schema: d.Schema, issuer: d.Issuer, issuerKey: d.IssuerKey, message: msg,
		validUntil: d.ValidUntil, revocationIndex: d.RevocationIndex,
	}, w)
}

// AnchorCheck is what a credential presented in another format (an SD-JWT
// VC, package sdjwt) states, under its issuer's Ed25519 signature, about
// the credential it was issued from: the anchor (Credential.Anchor), the
// issuer's DID, the schema, the validUntil day (DayValue) and the
// revocation index.
type AnchorCheck struct {
	Anchor          [32]byte
	Issuer          identity.DID
	Schema          *Schema
	ValidUntil      uint64
	RevocationIndex uint32
}

// VerifyAnchor runs every ledger, validity and revocation check of Verify
// for a credential whose issuer signature the caller has already verified
// with the Ed25519 key a.Issuer names (a did:key): that the anchor is on
// the ledger, written by a.Issuer for the schema's type (ErrNotAnchored);
// that a.Issuer is the agency's key set in force at the anchor
// (ErrUnknownIssuer); schema registration, accreditation, validity,
// supersession and revocation under the latest root with witness w, as
// Verify documents.
func (v *Verifier) VerifyAnchor(ctx context.Context, a AnchorCheck, w *revocation.Witness) error {
	if a.Schema == nil {
		return fmt.Errorf("%w: no schema", ErrMalformed)
	}
	if a.RevocationIndex > revocation.MaxIndex {
		return fmt.Errorf("%w: revocation index %d out of range", ErrMalformed, a.RevocationIndex)
	}
	anchor := a.Anchor
	return v.verifySigned(ctx, signed{
		schema: a.Schema, issuer: a.Issuer, anchor: &anchor,
		validUntil: a.ValidUntil, revocationIndex: a.RevocationIndex,
	}, w)
}

func (v *Verifier) verifySigned(ctx context.Context, s signed, w *revocation.Witness) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var anchor [32]byte
	if s.anchor != nil {
		anchor = *s.anchor
	} else {
		anchor = anchorOf(s.message)
	}
	entry, err := v.state.Credential(anchor)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotAnchored, err)
	}
	if entry.SignedBy != s.issuer || entry.Type != s.schema.Name {
		return fmt.Errorf("%w: anchor written by %s for %q", ErrNotAnchored, entry.SignedBy, entry.Type)
	}
	key, err := v.state.AgencyKeyAt(entry.SignedBy, entry.Index)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnknownIssuer, err)
	}
	switch {
	case s.anchor != nil:
		// Signed with the Ed25519 key s.issuer names: it must be the
		// agency's key set in force at the anchor.
		if key.Key == nil || key.Key.DID() != s.issuer {
			return fmt.Errorf("%w: %s is not %s's key at index %d", ErrUnknownIssuer, s.issuer, entry.Issuer, entry.Index)
		}
	case key.Key == nil || key.Key.ZK() == nil || !key.Key.ZK().Equal(s.issuerKey):
		return fmt.Errorf("%w: signing key is not %s's ZK key at index %d", ErrUnknownIssuer, entry.Issuer, entry.Index)
	}
	if err := checkRegistered(v.state, s.schema); err != nil {
		return err
	}
	if !v.state.AccreditedAtIndex(entry.Issuer, ledger.RoleIssuer, s.schema.Name, entry.Index) {
		return fmt.Errorf("%w: %s for %q at index %d", ErrNotAccredited, entry.Issuer, s.schema.Name, entry.Index)
	}
	now := v.now()
	if now.Before(time.Unix(entry.Time, 0)) {
		return fmt.Errorf("%w: anchored at %s", ErrNotYetValid, time.Unix(entry.Time, 0).UTC().Format(time.RFC3339))
	}
	if DayValue(now.UTC()) > s.validUntil {
		return fmt.Errorf("%w: valid until %s", ErrExpired, DayDate(s.validUntil).Format(dateLayout))
	}
	if !entry.SupersededBy.IsZero() {
		return fmt.Errorf("%w: %w by %s", ErrRevoked, ErrSuperseded, entry.SupersededBy)
	}
	root, err := v.state.LatestRevocationRoot(entry.Issuer)
	if err != nil {
		return fmt.Errorf("%w: issuer has published no revocation root: %w", ErrStaleRoot, err)
	}
	if v.max > 0 {
		if age := now.Sub(time.Unix(root.Time, 0)); age > v.max {
			return fmt.Errorf("%w: latest root (epoch %d) is %v old, limit %v", ErrStaleRoot, root.Epoch, age.Truncate(time.Second), v.max)
		}
	}
	if w == nil {
		return fmt.Errorf("%w: no revocation witness", ErrBadWitness)
	}
	var r fr.Element
	if err := r.SetBytesCanonical(root.Root[:]); err != nil {
		return fmt.Errorf("%w: ledger root is not a field element", ErrBadWitness)
	}
	switch err := w.Verify(r, s.revocationIndex); {
	case err == nil:
		return nil
	case errors.Is(err, revocation.ErrRevoked):
		return fmt.Errorf("%w: under root epoch %d: %w", ErrRevoked, root.Epoch, err)
	default:
		return fmt.Errorf("%w: epoch %d: %w", ErrBadWitness, root.Epoch, err)
	}
}

// StatusList is an issuer's public list of revoked indices as of one
// published root. Revocation indices are random per credential and carry
// no personal data; wallets rebuild their witnesses from the list and check
// it against the root on the ledger, so the list needs no signature.
type StatusList struct {
	Issuer  identity.DID `json:"issuer"`
	Epoch   uint64       `json:"epoch"`
	Revoked []uint32     `json:"revoked"`
}

// StatusList returns the issuer's status list as of its last published root.
func (is *Issuer) StatusList() *StatusList {
	epoch, _ := is.registry.Published()
	return &StatusList{Issuer: is.key.DID(), Epoch: epoch, Revoked: is.registry.StatusList()}
}

// Tree rebuilds the revocation tree of the list and checks that its root
// is the one the issuer published on the ledger at the list's epoch
// (ErrBadWitness otherwise: the list is not the published one).
func (l *StatusList) Tree(st *ledger.State) (*revocation.Tree, error) {
	t := revocation.NewTree()
	for _, idx := range l.Revoked {
		if err := t.Revoke(idx); err != nil {
			return nil, fmt.Errorf("%w: status list index %d: %w", ErrMalformed, idx, err)
		}
	}
	root := t.Root()
	e, err := st.RevocationRootEntry(l.Issuer, rootHash(root))
	if err != nil {
		return nil, fmt.Errorf("%w: status list root is not a published root of %s: %w", ErrBadWitness, l.Issuer, err)
	}
	if e.Epoch != l.Epoch {
		return nil, fmt.Errorf("%w: status list root was published at epoch %d, not %d", ErrBadWitness, e.Epoch, l.Epoch)
	}
	return t, nil
}
