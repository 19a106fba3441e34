package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// PublishVerifyingKey makes vk an official verifying key of its circuit
// shape: governance (the ledger's root authority) signs a verifying-key
// record with vk's fingerprint and submits it at time now. Gates accept
// only proofs made for an official key (ErrUnofficialKey otherwise), so a
// key made by anyone else, even an accredited agency, proves nothing to
// them. Publishing a key that is already official is refused with an
// error wrapping ledger.ErrDuplicate.
func PublishVerifyingKey(ctx context.Context, l ledger.Ledger, governance *identity.PrivateKey, vk *zkp.VerifyingKey, now time.Time) (ledger.Receipt, error) {
	if vk == nil {
		return ledger.Receipt{}, fmt.Errorf("%w: no verifying key to publish", ErrMalformed)
	}
	rc, err := ledger.SignAndSubmit(ctx, l, governance, now, &ledger.VerifyingKey{Shape: vk.Shape(), Fingerprint: ledger.Hash(vk.Fingerprint())})
	if err != nil {
		return ledger.Receipt{}, fmt.Errorf("consent: publishing the verifying key: %w", err)
	}
	return rc, nil
}
