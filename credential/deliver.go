package credential

import (
	"context"
	"fmt"

	"github.com/civicproof/civicproof/identity"
)

// IssueSealed issues a credential of schema s for req (Issue: checked,
// signed, anchored on the ledger) and seals it to the holder's HPKE key
// (Seal), ready to send over any channel; the holder reads it with Open.
// It returns the issued credential, which the issuer keeps to revoke or
// supersede it later, and the sealed delivery. A holder key that is
// missing is refused with ErrInvalidRequest before anything is anchored;
// if sealing fails after issuance, the anchored credential is returned
// with the error.
//
// The holder proves against the issuer's revocation root: the issuer
// publishes one (PublishRevocations) before holders present, and the
// holder takes its revocation witness from the issuer's status list
// (StatusList, StatusList.Tree) or registry (Registry().Witness).
func (is *Issuer) IssueSealed(ctx context.Context, s *Schema, req *Request, holder *identity.PublicKey) (*Credential, []byte, error) {
	if holder == nil {
		return nil, nil, fmt.Errorf("%w: no holder key to seal to", ErrInvalidRequest)
	}
	c, err := is.Issue(ctx, s, req)
	if err != nil {
		return nil, nil, err
	}
	sealed, err := Seal(c, holder)
	if err != nil {
		return c, nil, err // anchored: the issuer may seal it again or revoke it
	}
	return c, sealed, nil
}

// Setup prepares an accredited issuer to issue: it registers each schema
// on the ledger (RegisterSchema) and, when the issuer has published no
// revocation root yet, publishes its first one (PublishRevocations), which
// holders prove against.
func (is *Issuer) Setup(ctx context.Context, schemas ...*Schema) error {
	for _, s := range schemas {
		if err := is.RegisterSchema(ctx, s); err != nil {
			return err
		}
	}
	if _, err := is.ledger.State().LatestRevocationRoot(is.key.DID()); err == nil {
		return nil
	}
	_, err := is.PublishRevocations(ctx)
	return err
}
