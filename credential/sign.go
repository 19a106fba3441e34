package credential

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
)

// Request is what an issuer needs to issue a credential to a holder. The
// holder contributes only HolderBinding(secret) (and optionally its DID);
// the issuer never sees the holder secret.
type Request struct {
	Holder        identity.DID // optional credentialSubject id
	HolderBinding fr.Element   // HolderBinding(holder secret), from the holder
	Claims        Claims       // the claims, checked against the schema
	ValidUntil    time.Time    // last valid day (its calendar date in its own location)
}

// Sign builds and signs a credential without consulting or writing the
// ledger: it checks the claims against the schema (ErrInvalidClaim ...),
// draws the commitment salt and one salt per slot from rand (nil means
// crypto/rand), signs Core.Message() and Core.MessageV2() (whose issuance
// day is the day of issuedAt) with the issuer's ZK key, and adds
// the eddsa-jcs-2022 Data Integrity proof made with its Ed25519 key.
// issuedAt becomes validFrom (truncated to whole seconds, UTC). Issuer.Issue
// is the usual entry point; Sign serves tests, vectors and issuers that
// anchor by other means.
func Sign(rnd io.Reader, key *identity.PrivateKey, s *Schema, req *Request, revocationIndex uint32, issuedAt time.Time) (*Credential, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if key == nil || req == nil {
		return nil, fmt.Errorf("%w: nil key or request", ErrInvalidRequest)
	}
	claims, err := s.Normalize(req.Claims)
	if err != nil {
		return nil, err
	}
	if req.HolderBinding.IsZero() {
		return nil, fmt.Errorf("%w: zero holder binding", ErrInvalidRequest)
	}
	if req.Holder != "" {
		if _, err := identity.ParseDID(string(req.Holder)); err != nil {
			return nil, fmt.Errorf("%w: holder: %w", ErrInvalidRequest, err)
		}
	}
	if revocationIndex > revocation.MaxIndex {
		return nil, fmt.Errorf("%w: revocation index %d out of range", ErrInvalidRequest, revocationIndex)
	}
	issuedAt = issuedAt.UTC().Truncate(time.Second)
	until := dateOf(req.ValidUntil)
	if y := until.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("%w: validUntil year %d outside 0001..9999", ErrInvalidRequest, y)
	}
	if until.Before(dateOf(issuedAt)) {
		return nil, fmt.Errorf("%w: validUntil %s before the issuance day", ErrInvalidRequest, until.Format(dateLayout))
	}
	c := &Credential{
		Schema:    s,
		Issuer:    key.DID(),
		IssuerKey: key.Public().ZK(),
		Holder:    req.Holder,
		ValidFrom: issuedAt,
		Claims:    claims,
		Core: Core{
			Type:            s.TypeID(),
			Slots:           s.encodeNormalized(claims),
			HolderBinding:   req.HolderBinding,
			ValidUntil:      DayValue(until),
			RevocationIndex: revocationIndex,
			IssuanceDay:     DayValue(issuedAt),
		},
	}
	if c.Core.Salt, err = randomElement(rnd); err != nil {
		return nil, err
	}
	for i := range c.Core.ClaimSalts {
		if c.Core.ClaimSalts[i], err = randomElement(rnd); err != nil {
			return nil, err
		}
	}
	if c.Signature, err = c.Core.Sign(key.ZK()); err != nil {
		return nil, fmt.Errorf("credential: signing: %w", err)
	}
	if c.SignatureV2, err = c.Core.SignV2(key.ZK()); err != nil {
		return nil, fmt.Errorf("credential: signing: %w", err)
	}
	if err := c.signDataIntegrity(key.Ed25519()); err != nil {
		return nil, fmt.Errorf("credential: Data Integrity proof: %w", err)
	}
	return c, nil
}

// randomElement returns a uniformly distributed field element (48 random
// bytes reduced modulo p; the bias is below 2^-128).
func randomElement(rnd io.Reader) (fr.Element, error) {
	var b [48]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return fr.Element{}, fmt.Errorf("credential: reading randomness: %w", err)
	}
	var e fr.Element
	e.SetBytes(b[:])
	return e, nil
}

// deliveryInfo is the HPKE info string binding a sealed credential to its
// purpose.
const deliveryInfo = "civicproof/v1/credential-delivery"

// Seal encrypts the credential document to the holder's key set with HPKE
// (RFC 9180, via identity.PublicKey.Seal) for delivery over any channel.
func Seal(c *Credential, holder *identity.PublicKey) ([]byte, error) {
	doc, err := c.MarshalJSON()
	if err != nil {
		return nil, err
	}
	ct, err := holder.Seal([]byte(deliveryInfo), doc)
	if err != nil {
		return nil, fmt.Errorf("credential: sealing for delivery: %w", err)
	}
	return ct, nil
}

// Open decrypts a sealed credential with the holder's key and parses it
// (see ParseCredential). A ciphertext not made for this key, or altered,
// returns an error wrapping identity.ErrDecrypt.
func Open(holder *identity.PrivateKey, sealed []byte) (*Credential, error) {
	doc, err := holder.Open([]byte(deliveryInfo), sealed)
	if err != nil {
		return nil, fmt.Errorf("credential: opening delivery: %w", err)
	}
	return ParseCredential(doc)
}
