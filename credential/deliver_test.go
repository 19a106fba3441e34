package credential

import (
	"context"
	"errors"
	"testing"

	"github.com/civicproof/civicproof/identity"
)

func TestIssueSealed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	holder, stranger := testKey(t, 20), testKey(t, 21)
	secret, err := NewHolderSecret(detRand(9))
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{Holder: holder.DID(), HolderBinding: HolderBinding(secret), Claims: testClaims(), ValidUntil: w.clock.AddDate(1, 0, 0)}
	c, sealed, err := w.issuer.IssueSealed(ctx, w.schema, req, holder.Public())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(holder, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Anchor() != c.Anchor() || got.CheckHolder(secret) != nil {
		t.Error("the holder opened another credential than the one issued")
	}
	if err := w.verifier(VerifierOptions{}).Verify(ctx, got, w.witness(got)); err != nil {
		t.Errorf("the delivered credential does not verify against the ledger: %v", err)
	}
	if _, err := Open(stranger, sealed); !errors.Is(err, identity.ErrDecrypt) {
		t.Errorf("Open with another key: %v, want identity.ErrDecrypt", err)
	}

	size := w.ledger.State().Size()
	if _, _, err := w.issuer.IssueSealed(ctx, w.schema, req, nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("IssueSealed without a holder key: %v, want ErrInvalidRequest", err)
	}
	bad := *req
	bad.Claims = Claims{"district": "Ward 1"}
	if _, _, err := w.issuer.IssueSealed(ctx, w.schema, &bad, holder.Public()); !errors.Is(err, ErrInvalidClaim) {
		t.Errorf("IssueSealed with a required claim missing: %v, want ErrInvalidClaim", err)
	}
	if w.ledger.State().Size() != size {
		t.Error("a refused issuance wrote to the ledger")
	}
}
