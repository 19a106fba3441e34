package sdjwt

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
)

// Header types and algorithm names.
const (
	TypeSDJWTVC = "dc+sd-jwt" // typ of the issuer-signed JWT
	TypeKB      = "kb+jwt"    // typ of the Key Binding JWT
	HashAlg     = "sha-256"   // _sd_alg
	// StatusMethod names civicproof's status entry in the "status" claim:
	// {"civicproof_revocation_tree": {"idx": <revocation index>, "uri": <issuer DID>}}.
	StatusMethod = "civicproof_revocation_tree"

	maxPresentation = 64 << 10
	maxDisclosures  = 64
	saltBytes       = 16
	idPrefix        = "urn:civicproof:credential:"
	schemaPrefix    = "urn:civicproof:schema:sha256:"
)

// Sentinel errors. Errors returned by this package wrap one of these, or
// one of package credential's (ErrExpired, ErrRevoked, ErrNotAnchored, …)
// for the ledger checks.
var (
	ErrMalformed    = errors.New("sdjwt: malformed SD-JWT")
	ErrBadSignature = errors.New("sdjwt: issuer signature does not verify")
	ErrUntrusted    = errors.New("sdjwt: issuer not trusted")
	ErrDisclosure   = errors.New("sdjwt: disclosure not covered by the issuer's digests")
	ErrKeyBinding   = errors.New("sdjwt: key binding does not verify")
	ErrWrongType    = errors.New("sdjwt: credential type (vct) is not the expected one")
)

// Disclosure is one selectively disclosable claim.
type Disclosure struct {
	Salt    string
	Name    string
	Value   json.RawMessage
	Encoded string // base64url of the JSON array [salt, name, value], as issued
}

// digest is base64url(SHA-256(ASCII(encoded disclosure))).
func digest(encoded string) string {
	h := sha256.Sum256([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// Credential is an issued SD-JWT VC as the holder keeps it: the
// issuer-signed JWT and every disclosure.
type Credential struct {
	JWT         string
	Disclosures []Disclosure
	Claims      *Claims // what the issuer-signed JWT states
}

// Claims is what the issuer-signed JWT states, beside the disclosures.
type Claims struct {
	Issuer          identity.DID
	VCT             string
	ID              string // jti: the civicproof credential id (urn:civicproof:credential:<hex anchor>)
	IssuedAt        time.Time
	Expiry          time.Time         // zero when the JWT has no exp
	HolderKey       ed25519.PublicKey // cnf.jwk
	RevocationIndex *uint32           // from status, when present
	digests         map[string]bool
}

// Anchor returns the ledger anchor named by the credential id (jti).
func (c *Claims) Anchor() ([32]byte, error) {
	var a [32]byte
	h, ok := strings.CutPrefix(c.ID, idPrefix)
	b, err := hex.DecodeString(h)
	if !ok || err != nil || len(b) != 32 || hex.EncodeToString(b) != h {
		return a, fmt.Errorf("%w: jti %q is not a civicproof credential id", ErrMalformed, trunc(c.ID))
	}
	copy(a[:], b)
	return a, nil
}

// VCT returns the vct civicproof writes for a schema:
// "urn:civicproof:schema:sha256:<hex of Schema.Hash>".
func VCT(s *credential.Schema) (string, error) {
	h, err := s.Hash()
	if err != nil {
		return "", err
	}
	return schemaPrefix + hex.EncodeToString(h[:]), nil
}

type payloadJSON struct {
	Iss    string      `json:"iss"`
	Iat    int64       `json:"iat"`
	Exp    int64       `json:"exp"`
	VCT    string      `json:"vct"`
	Jti    string      `json:"jti,omitempty"`
	Cnf    *cnfJSON    `json:"cnf,omitempty"`
	Status *statusJSON `json:"status,omitempty"`
	SD     []string    `json:"_sd"`
	SDAlg  string      `json:"_sd_alg"`
}

type cnfJSON struct {
	JWK jose.JSONWebKey `json:"jwk"`
}

type statusJSON struct {
	Tree *statusEntry `json:"civicproof_revocation_tree,omitempty"`
}

type statusEntry struct {
	Idx uint32 `json:"idx"`
	URI string `json:"uri"`
}

// Issue returns credential c as an SD-JWT VC signed by key (the Ed25519 key
// of c.Issuer's did:key), bound to the holder's Ed25519 key. Every claim of
// c becomes a disclosure with a fresh 128-bit salt from rnd (nil means
// crypto/rand); "iat" is c.ValidFrom, "exp" the end of its validUntil day,
// "vct" VCT(c.Schema), "jti" c.ID() and "status" its revocation index.
func Issue(rnd io.Reader, key *identity.PrivateKey, c *credential.Credential, holder ed25519.PublicKey) (*Credential, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if key == nil || c == nil || c.Schema == nil {
		return nil, fmt.Errorf("%w: nil key or credential", credential.ErrInvalidRequest)
	}
	if key.DID() != c.Issuer {
		return nil, fmt.Errorf("%w: key %s did not issue this credential (%s)", credential.ErrInvalidRequest, key.DID(), c.Issuer)
	}
	if len(holder) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: holder key of %d bytes", credential.ErrInvalidRequest, len(holder))
	}
	vct, err := VCT(c.Schema)
	if err != nil {
		return nil, err
	}
	out := &Credential{}
	p := payloadJSON{
		Iss:    string(c.Issuer),
		Iat:    c.ValidFrom.Unix(),
		Exp:    c.ValidUntil().Unix(),
		VCT:    vct,
		Jti:    c.ID(),
		Cnf:    &cnfJSON{JWK: jose.JSONWebKey{Key: holder}},
		Status: &statusJSON{Tree: &statusEntry{Idx: c.Core.RevocationIndex, URI: string(c.Issuer)}},
		SDAlg:  HashAlg,
	}
	for _, d := range c.Schema.Claims {
		v, ok := c.Claims[d.Name]
		if !ok {
			continue
		}
		val, err := d.ValueJSON(v)
		if err != nil {
			return nil, err
		}
		var salt [saltBytes]byte
		if _, err := io.ReadFull(rnd, salt[:]); err != nil {
			return nil, fmt.Errorf("sdjwt: reading randomness: %w", err)
		}
		dis := Disclosure{Salt: base64.RawURLEncoding.EncodeToString(salt[:]), Name: d.Name, Value: val}
		arr, err := json.Marshal([]any{dis.Salt, dis.Name, dis.Value})
		if err != nil {
			return nil, fmt.Errorf("sdjwt: encoding disclosure: %w", err)
		}
		dis.Encoded = base64.RawURLEncoding.EncodeToString(arr)
		out.Disclosures = append(out.Disclosures, dis)
		p.SD = append(p.SD, digest(dis.Encoded))
	}
	slices.Sort(p.SD) // the order of _sd reveals nothing about the claims
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sdjwt: encoding payload: %w", err)
	}
	out.JWT, err = sign(key.Ed25519(), TypeSDJWTVC, string(c.Issuer)+"#"+strings.TrimPrefix(string(c.Issuer), "did:key:"), payload)
	if err != nil {
		return nil, err
	}
	if out.Claims, err = verifyIssuerJWT(out.JWT, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func sign(key ed25519.PrivateKey, typ, kid string, payload []byte) (string, error) {
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("sdjwt: signer: %w", err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sdjwt: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// String returns the issued form "<issuer JWT>~<disclosure>~…~".
func (c *Credential) String() string {
	var b strings.Builder
	b.WriteString(c.JWT)
	b.WriteByte('~')
	for _, d := range c.Disclosures {
		b.WriteString(d.Encoded)
		b.WriteByte('~')
	}
	return b.String()
}

// Parse reads an issued SD-JWT VC ("<JWT>~<disclosure>~…~", no key
// binding) as its holder receives it, and checks the issuer's signature
// under the did:key in "iss" (ErrBadSignature) and every disclosure
// against the signed digests (ErrDisclosure). It does not decide whether
// the issuer is trusted.
func Parse(s string) (*Credential, error) {
	jwt, disclosures, kb, err := split(s)
	if err != nil {
		return nil, err
	}
	if kb != "" {
		return nil, fmt.Errorf("%w: an issued SD-JWT ends with '~' (this one has a key binding JWT)", ErrMalformed)
	}
	claims, err := verifyIssuerJWT(jwt, nil)
	if err != nil {
		return nil, err
	}
	ds, err := checkDisclosures(claims, disclosures)
	if err != nil {
		return nil, err
	}
	return &Credential{JWT: jwt, Disclosures: ds, Claims: claims}, nil
}

// Present returns a presentation revealing the named claims, with a Key
// Binding JWT signed by the holder's key (the one bound in "cnf") over
// audience, nonce, the time now and the hash of the presented SD-JWT:
//
//	<issuer JWT>~<chosen disclosure>~…~<KB-JWT>
func (c *Credential) Present(holder ed25519.PrivateKey, names []string, audience, nonce string, now time.Time) (string, error) {
	if len(holder) != ed25519.PrivateKeySize || c.Claims == nil || !c.Claims.HolderKey.Equal(holder.Public()) {
		return "", fmt.Errorf("%w: not the holder key bound in cnf", ErrKeyBinding)
	}
	if audience == "" || nonce == "" {
		return "", fmt.Errorf("%w: audience and nonce are required", ErrKeyBinding)
	}
	var b strings.Builder
	b.WriteString(c.JWT)
	b.WriteByte('~')
	for _, name := range names {
		i := slices.IndexFunc(c.Disclosures, func(d Disclosure) bool { return d.Name == name })
		if i < 0 {
			return "", fmt.Errorf("%w: no claim %q to disclose", credential.ErrUnknownClaim, trunc(name))
		}
		b.WriteString(c.Disclosures[i].Encoded)
		b.WriteByte('~')
	}
	presented := b.String()
	h := sha256.Sum256([]byte(presented))
	kb, err := json.Marshal(kbPayload{Iat: now.Unix(), Aud: audience, Nonce: nonce, SDHash: base64.RawURLEncoding.EncodeToString(h[:])})
	if err != nil {
		return "", fmt.Errorf("sdjwt: encoding key binding: %w", err)
	}
	kbJWT, err := sign(holder, TypeKB, "", kb)
	if err != nil {
		return "", err
	}
	return presented + kbJWT, nil
}

type kbPayload struct {
	Iat    int64  `json:"iat"`
	Aud    string `json:"aud"`
	Nonce  string `json:"nonce"`
	SDHash string `json:"sd_hash"`
}

// split cuts "<JWT>~<d1>~…~<dn>~<KB or empty>".
func split(s string) (jwt string, disclosures []string, kb string, err error) {
	if len(s) > maxPresentation {
		return "", nil, "", fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(s), maxPresentation)
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 || parts[0] == "" {
		return "", nil, "", fmt.Errorf("%w: not <JWT>~…~", ErrMalformed)
	}
	if len(parts)-2 > maxDisclosures {
		return "", nil, "", fmt.Errorf("%w: more than %d disclosures", ErrMalformed, maxDisclosures)
	}
	for _, d := range parts[1 : len(parts)-1] {
		if d == "" {
			return "", nil, "", fmt.Errorf("%w: empty disclosure", ErrMalformed)
		}
	}
	return parts[0], parts[1 : len(parts)-1], parts[len(parts)-1], nil
}

// verifyIssuerJWT checks the issuer-signed JWT: typ, EdDSA, a signature by
// the did:key in "iss", and the claims civicproof needs. When trusted is
// non-nil, iss must be in it (ErrUntrusted).
func verifyIssuerJWT(jwt string, trusted map[identity.DID]bool) (*Claims, error) {
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, fmt.Errorf("%w: issuer JWT: %v", ErrMalformed, err)
	}
	if typ, _ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string); typ != TypeSDJWTVC && typ != "vc+sd-jwt" {
		return nil, fmt.Errorf("%w: issuer JWT typ %q, want %q", ErrMalformed, trunc(typ), TypeSDJWTVC)
	}
	var p payloadJSON
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &p); err != nil {
		return nil, fmt.Errorf("%w: issuer JWT payload: %v", ErrMalformed, err)
	}
	iss, err := identity.ParseDID(p.Iss)
	if err != nil {
		return nil, fmt.Errorf("%w: iss: %w", ErrMalformed, err)
	}
	pub, err := iss.Ed25519()
	if err != nil {
		return nil, fmt.Errorf("%w: iss: %w", ErrMalformed, err)
	}
	if trusted != nil && !trusted[iss] {
		return nil, fmt.Errorf("%w: %s", ErrUntrusted, iss)
	}
	if _, err := jws.Verify(pub); err != nil {
		return nil, fmt.Errorf("%w: by %s", ErrBadSignature, iss)
	}
	if p.SDAlg != HashAlg {
		return nil, fmt.Errorf("%w: _sd_alg %q, want %q", ErrMalformed, trunc(p.SDAlg), HashAlg)
	}
	if p.VCT == "" || p.Iat == 0 {
		return nil, fmt.Errorf("%w: vct and iat are required", ErrMalformed)
	}
	if p.Cnf == nil {
		return nil, fmt.Errorf("%w: no cnf holder key", ErrMalformed)
	}
	hk, ok := p.Cnf.JWK.Key.(ed25519.PublicKey)
	if !ok || !p.Cnf.JWK.IsPublic() {
		return nil, fmt.Errorf("%w: cnf.jwk is not an Ed25519 public key", ErrMalformed)
	}
	c := &Claims{Issuer: iss, VCT: p.VCT, ID: p.Jti, IssuedAt: time.Unix(p.Iat, 0).UTC(),
		HolderKey: hk, digests: make(map[string]bool, len(p.SD))}
	if p.Exp != 0 {
		c.Expiry = time.Unix(p.Exp, 0).UTC()
	}
	if p.Status != nil && p.Status.Tree != nil {
		if p.Status.Tree.URI != p.Iss {
			return nil, fmt.Errorf("%w: status registry is not the issuer", ErrMalformed)
		}
		idx := p.Status.Tree.Idx
		c.RevocationIndex = &idx
	}
	for _, d := range p.SD {
		if c.digests[d] {
			return nil, fmt.Errorf("%w: repeated digest in _sd", ErrMalformed)
		}
		c.digests[d] = true
	}
	return c, nil
}

// reserved claim names a disclosure may not carry.
var reserved = map[string]bool{"_sd": true, "...": true, "_sd_alg": true, "iss": true, "iat": true, "exp": true, "nbf": true,
	"vct": true, "cnf": true, "status": true, "jti": true, "sub": true}

// checkDisclosures decodes each disclosure and checks its digest is one
// the issuer signed, once.
func checkDisclosures(c *Claims, encoded []string) ([]Disclosure, error) {
	seen := make(map[string]bool, len(encoded))
	names := make(map[string]bool, len(encoded))
	out := make([]Disclosure, 0, len(encoded))
	for i, e := range encoded {
		dg := digest(e)
		if !c.digests[dg] {
			return nil, fmt.Errorf("%w: disclosure %d", ErrDisclosure, i)
		}
		if seen[dg] {
			return nil, fmt.Errorf("%w: disclosure %d repeated", ErrDisclosure, i)
		}
		seen[dg] = true
		raw, err := base64.RawURLEncoding.DecodeString(e)
		if err != nil {
			return nil, fmt.Errorf("%w: disclosure %d is not base64url", ErrMalformed, i)
		}
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil || len(arr) != 3 {
			return nil, fmt.Errorf("%w: disclosure %d is not [salt, name, value]", ErrMalformed, i)
		}
		d := Disclosure{Value: arr[2], Encoded: e}
		if json.Unmarshal(arr[0], &d.Salt) != nil || json.Unmarshal(arr[1], &d.Name) != nil {
			return nil, fmt.Errorf("%w: disclosure %d salt and name must be strings", ErrMalformed, i)
		}
		if reserved[d.Name] || names[d.Name] {
			return nil, fmt.Errorf("%w: disclosure %d names %q (reserved or repeated)", ErrMalformed, i, trunc(d.Name))
		}
		names[d.Name] = true
		out = append(out, d)
	}
	return out, nil
}

func trunc(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
