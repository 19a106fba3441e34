package sdjwt

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
)

// Key Binding JWT freshness defaults.
const (
	DefaultMaxAge = 5 * time.Minute
	maxFuture     = time.Minute
)

// VerifyOptions says what a verifier expects of a presentation.
type VerifyOptions struct {
	Audience string // the verifier's identifier; the KB-JWT's aud must equal it
	Nonce    string // the nonce the verifier sent; the KB-JWT's nonce must equal it
	// Trusted lists the issuers VerifyPresentation accepts (by did:key).
	// Verifier.Verify ignores it: the ledger says who is accredited.
	Trusted []identity.DID
	// VCT, if set, is the credential type the verifier accepts (ErrWrongType).
	VCT string
	// Now is the verifier's clock; nil means time.Now.
	Now func() time.Time
	// MaxAge is the oldest a KB-JWT may be; 0 means DefaultMaxAge.
	MaxAge time.Duration
}

// Presentation is what a verified presentation establishes.
type Presentation struct {
	*Claims
	Disclosed map[string]json.RawMessage // the disclosed claims, by name
}

// VerifyPresentation verifies an SD-JWT VC presentation
// ("<JWT>~<disclosures>~<KB-JWT>") without the ledger: the issuer JWT's
// EdDSA signature by the did:key in "iss", which must be in
// opts.Trusted (ErrUntrusted, ErrBadSignature); the type (ErrWrongType);
// validity at opts.Now (credential.ErrExpired after exp,
// credential.ErrNotYetValid before iat); every disclosure against the
// signed digests (ErrDisclosure); and the Key Binding JWT: present, signed
// by the cnf key, typ kb+jwt, aud and nonce as expected, iat within MaxAge,
// sd_hash over the presented SD-JWT (ErrKeyBinding). Only flat claims are
// interpreted (civicproof's shape): a disclosed value is returned as it is.
func VerifyPresentation(presentation string, opts VerifyOptions) (*Presentation, error) {
	if len(opts.Trusted) == 0 {
		return nil, fmt.Errorf("%w: no trusted issuers given", ErrUntrusted)
	}
	trusted := make(map[identity.DID]bool, len(opts.Trusted))
	for _, d := range opts.Trusted {
		trusted[d] = true
	}
	return verify(presentation, opts, trusted)
}

func verify(presentation string, opts VerifyOptions, trusted map[identity.DID]bool) (*Presentation, error) {
	if opts.Audience == "" || opts.Nonce == "" {
		return nil, fmt.Errorf("%w: the verifier must give its audience and nonce", ErrKeyBinding)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	jwt, encoded, kb, err := split(presentation)
	if err != nil {
		return nil, err
	}
	c, err := verifyIssuerJWT(jwt, trusted)
	if err != nil {
		return nil, err
	}
	if opts.VCT != "" && c.VCT != opts.VCT {
		return nil, fmt.Errorf("%w: %q", ErrWrongType, trunc(c.VCT))
	}
	t := now()
	if !c.Expiry.IsZero() && t.After(c.Expiry) {
		return nil, fmt.Errorf("%w: SD-JWT VC expired at %s", credential.ErrExpired, c.Expiry.Format(time.RFC3339))
	}
	if t.Add(maxFuture).Before(c.IssuedAt) {
		return nil, fmt.Errorf("%w: SD-JWT VC issued at %s", credential.ErrNotYetValid, c.IssuedAt.Format(time.RFC3339))
	}
	ds, err := checkDisclosures(c, encoded)
	if err != nil {
		return nil, err
	}
	if kb == "" {
		return nil, fmt.Errorf("%w: no key binding JWT", ErrKeyBinding)
	}
	if err := checkKeyBinding(c, kb, presentation[:len(presentation)-len(kb)], opts, t, maxAge); err != nil {
		return nil, err
	}
	out := &Presentation{Claims: c, Disclosed: make(map[string]json.RawMessage, len(ds))}
	for _, d := range ds {
		out.Disclosed[d.Name] = d.Value
	}
	return out, nil
}

func checkKeyBinding(c *Claims, kb, presented string, opts VerifyOptions, now time.Time, maxAge time.Duration) error {
	jws, err := jose.ParseSignedCompact(kb, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return fmt.Errorf("%w: KB-JWT: %v", ErrKeyBinding, err)
	}
	if typ, _ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string); typ != TypeKB {
		return fmt.Errorf("%w: KB-JWT typ %q, want %q", ErrKeyBinding, trunc(typ), TypeKB)
	}
	payload, err := jws.Verify(c.HolderKey)
	if err != nil {
		return fmt.Errorf("%w: KB-JWT is not signed by the cnf key", ErrKeyBinding)
	}
	var p kbPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("%w: KB-JWT payload: %v", ErrKeyBinding, err)
	}
	if p.Aud != opts.Audience {
		return fmt.Errorf("%w: aud %q, want %q", ErrKeyBinding, trunc(p.Aud), trunc(opts.Audience))
	}
	if p.Nonce != opts.Nonce {
		return fmt.Errorf("%w: nonce does not match", ErrKeyBinding)
	}
	iat := time.Unix(p.Iat, 0)
	if p.Iat == 0 || now.Sub(iat) > maxAge || iat.Sub(now) > maxFuture {
		return fmt.Errorf("%w: KB-JWT iat %s outside [now-%v, now+%v]", ErrKeyBinding, iat.UTC().Format(time.RFC3339), maxAge, maxFuture)
	}
	h := sha256.Sum256([]byte(presented))
	if p.SDHash != base64.RawURLEncoding.EncodeToString(h[:]) {
		return fmt.Errorf("%w: sd_hash is not the hash of the presented SD-JWT", ErrKeyBinding)
	}
	return nil
}

// Verifier verifies SD-JWT VC presentations of civicproof credentials
// against the ledger.
type Verifier struct {
	cv *credential.Verifier
}

// NewVerifier returns a verifier whose ledger checks are cv's (its clock
// and MaxRootAge included).
func NewVerifier(cv *credential.Verifier) (*Verifier, error) {
	if cv == nil {
		return nil, errors.New("sdjwt: NewVerifier needs a credential verifier")
	}
	return &Verifier{cv: cv}, nil
}

// Verify verifies a presentation of a credential of schema s: every check
// of VerifyPresentation except the trusted list (opts.Trusted is ignored,
// opts.VCT is VCT(s)), each disclosed claim against the schema
// (credential.ErrInvalidClaim …), and then, with the holder's revocation
// witness w, credential.Verifier.VerifyAnchor on the credential the
// SD-JWT VC names (jti, status): anchored on the ledger by its issuer, the
// issuer's key and accreditation, supersession and revocation
// (credential.ErrNotAnchored, ErrUnknownIssuer, ErrNotAccredited,
// ErrRevoked, ErrBadWitness, ErrStaleRoot …). It returns the disclosed
// claims, normalized.
func (v *Verifier) Verify(ctx context.Context, presentation string, s *credential.Schema, w *revocation.Witness, opts VerifyOptions) (credential.Claims, *Presentation, error) {
	vct, err := VCT(s)
	if err != nil {
		return nil, nil, err
	}
	opts.VCT = vct
	p, err := verify(presentation, opts, nil)
	if err != nil {
		return nil, nil, err
	}
	claims := make(credential.Claims, len(p.Disclosed))
	for name, raw := range p.Disclosed {
		d, ok := s.Claim(name)
		if !ok {
			return nil, nil, fmt.Errorf("%w: %w: %q not in schema %s", credential.ErrInvalidClaim, credential.ErrUnknownClaim, trunc(name), s.Name)
		}
		val, err := d.ParseValueJSON(raw)
		if err != nil {
			return nil, nil, err
		}
		claims[name] = val
	}
	anchor, err := p.Anchor()
	if err != nil {
		return nil, nil, err
	}
	if p.Expiry.IsZero() {
		return nil, nil, fmt.Errorf("%w: no exp", ErrMalformed)
	}
	if p.RevocationIndex == nil {
		return nil, nil, fmt.Errorf("%w: no %s status", ErrMalformed, StatusMethod)
	}
	err = v.cv.VerifyAnchor(ctx, credential.AnchorCheck{
		Anchor: anchor, Issuer: p.Issuer, Schema: s,
		ValidUntil: credential.DayValue(p.Expiry), RevocationIndex: *p.RevocationIndex,
	}, w)
	if err != nil {
		return nil, nil, err
	}
	return claims, p, nil
}
