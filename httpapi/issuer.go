package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
)

// PreAuthorizedGrant is OpenID4VCI's pre-authorized code grant type.
const PreAuthorizedGrant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// CredentialRequestDomain is the identity signature domain of the
// holder's proof of key possession: the holder signs the pre-authorized
// code and its holder binding.
const CredentialRequestDomain = "httpapi.credential-request/proof"

// offerTTL is how long a credential offer can be picked up.
const offerTTL = 10 * time.Minute

// CredentialOffer is OpenID4VCI's credential offer (§4.1) with the
// pre-authorized code grant: the wallet picks the credential up at
// {credential_issuer}/credential with the code as its bearer token. (There
// is no separate token endpoint: the code is single-use and short-lived,
// and serves as the access token.)
type CredentialOffer struct {
	CredentialIssuer string `json:"credential_issuer"`
	// IssuerDID is the issuing agency's DID (a civicproof extension): the
	// wallet derives its delivery identity for it and checks the
	// credential's issuer against it.
	IssuerDID      identity.DID             `json:"civicproof_issuer"`
	Configurations []string                 `json:"credential_configuration_ids"`
	Grants         map[string]PreAuthorized `json:"grants"`
}

// PreAuthorized holds the pre-authorized code of an offer.
type PreAuthorized struct {
	Code string `json:"pre-authorized_code"`
}

// Code returns the offer's pre-authorized code ("" if it has none).
func (o *CredentialOffer) Code() string { return o.Grants[PreAuthorizedGrant].Code }

// CredentialRequest is what the wallet posts to pick a credential up: the
// holder's public key set (the credential is sealed to its X25519 key
// with HPKE), the holder binding (credential.HolderBinding of the wallet's
// secret; the secret never leaves the wallet) and the holder's signature
// over code and binding (domain CredentialRequestDomain).
type CredentialRequest struct {
	Configuration string              `json:"credential_configuration_id"`
	HolderKey     *identity.PublicKey `json:"holder_key"`
	HolderBinding string              `json:"holder_binding"` // 32 bytes, hex
	Proof         []byte              `json:"proof"`
}

// CredentialResponse is the issuer's answer: the credential sealed to the
// holder (credential.Seal) and its revocation witness for the issuer's
// current tree.
type CredentialResponse struct {
	Credential []byte `json:"credential"`
	Witness    []byte `json:"witness"`
}

// Issuer serves an agency's credential offers. Safe for concurrent use.
type Issuer struct {
	opts   options
	is     *credential.Issuer
	did    identity.DID
	base   *url.URL
	mu     sync.Mutex
	offers map[string]*offer
}

type offer struct {
	schema     *credential.Schema
	claims     credential.Claims
	validUntil time.Time
	expires    time.Time
}

// NewIssuer returns the issuance endpoints of is, the issuer of the agency
// with DID did, served under baseURL (e.g. "https://registry.example/issuer").
func NewIssuer(is *credential.Issuer, did identity.DID, baseURL string, opts Options) (*Issuer, error) {
	if is == nil {
		return nil, errors.New("httpapi: nil issuer")
	}
	if _, err := did.Ed25519(); err != nil {
		return nil, fmt.Errorf("httpapi: issuer DID: %w", err)
	}
	u, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	return &Issuer{opts: options{opts}, is: is, did: did, base: u, offers: map[string]*offer{}}, nil
}

// Offer prepares a credential of schema with claims (checked now, so a bad
// claim fails here) for one pickup within ten minutes, and returns the
// offer to hand to the citizen.
func (i *Issuer) Offer(schema *credential.Schema, claims credential.Claims, validUntil time.Time) (*CredentialOffer, error) {
	if _, err := schema.Normalize(claims); err != nil {
		return nil, err
	}
	var cb [32]byte
	if _, err := rand.Read(cb[:]); err != nil {
		return nil, err
	}
	code := base64.RawURLEncoding.EncodeToString(cb[:])
	now := i.opts.now()
	i.mu.Lock()
	defer i.mu.Unlock()
	if err := sweep(i.offers, now, func(o *offer) time.Time { return o.expires }, "offers"); err != nil {
		return nil, err
	}
	i.offers[code] = &offer{schema: schema, claims: claims, validUntil: validUntil, expires: now.Add(offerTTL)}
	return &CredentialOffer{CredentialIssuer: i.base.String(), IssuerDID: i.did, Configurations: []string{consent.TypeName(schema)},
		Grants: map[string]PreAuthorized{PreAuthorizedGrant: {Code: code}}}, nil
}

// Handler returns the endpoint under the base URL's path:
//
//	POST {base}/credential   Authorization: Bearer <pre-authorized code>,
//	                         CredentialRequest -> CredentialResponse
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+i.base.Path+"/credential", i.opts.handle(i.serveCredential))
	return mux
}

// take returns the offer of code if it is live and for typ, and removes it
// if consume.
func (i *Issuer) take(code string, typ string, consume bool) (*offer, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for c, o := range i.offers {
		if subtle.ConstantTimeCompare([]byte(c), []byte(code)) == 1 {
			if !i.opts.now().Before(o.expires) || consent.TypeName(o.schema) != typ {
				return nil, ErrInvalidGrant
			}
			if consume {
				delete(i.offers, c)
			}
			return o, nil
		}
	}
	return nil, ErrInvalidGrant
}

func credentialProofMessage(code string, binding []byte) []byte {
	return append(append([]byte(code), 0), binding...)
}

func (i *Issuer) serveCredential(w http.ResponseWriter, r *http.Request) error {
	code, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || code == "" {
		return fmt.Errorf("%w: no bearer code", ErrInvalidGrant)
	}
	b, err := readBody(w, r, "application/json", MaxCredentialRequest)
	if err != nil {
		return err
	}
	var cr CredentialRequest
	if err := decodeStrict(b, &cr); err != nil {
		return err
	}
	bind, err := hex.DecodeString(cr.HolderBinding)
	var binding fr.Element
	if err != nil || len(bind) != fr.Bytes || binding.SetBytesCanonical(bind) != nil || cr.HolderKey == nil {
		return fmt.Errorf("%w: holder key and a 32-byte canonical holder binding are required", ErrBadBody)
	}
	if _, err := i.take(code, cr.Configuration, false); err != nil {
		return err
	}
	if err := cr.HolderKey.Verify(CredentialRequestDomain, credentialProofMessage(code, bind), cr.Proof); err != nil {
		return ErrInvalidProof
	}
	o, err := i.take(code, cr.Configuration, true)
	if err != nil {
		return err
	}
	c, err := i.is.Issue(r.Context(), o.schema, &credential.Request{
		Holder: cr.HolderKey.DID(), HolderBinding: binding, Claims: o.claims, ValidUntil: o.validUntil,
	})
	if err != nil {
		return fmt.Errorf("httpapi: issuing: %w", err)
	}
	sealed, err := credential.Seal(c, cr.HolderKey)
	if err != nil {
		return fmt.Errorf("httpapi: sealing: %w", err)
	}
	wit, err := i.is.Registry().Witness(c.Core.RevocationIndex)
	if err != nil {
		return fmt.Errorf("httpapi: witness: %w", err)
	}
	wb, err := wit.MarshalBinary()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CredentialResponse{Credential: sealed, Witness: wb})
	return nil
}
