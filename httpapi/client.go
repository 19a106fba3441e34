package httpapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// maxResponse bounds what the Client reads from a server.
const maxResponse = 4 << 20

// Client is the wallet's side of the protocol. Its zero value uses
// http.DefaultClient and time.Now. Every refusal from a server is an
// *Error that unwraps to the sentinel of its code.
type Client struct {
	HTTP *http.Client
	Now  func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) do(ctx context.Context, method, u, ctype string, body []byte, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("httpapi: %s %s: %w", method, u, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("httpapi: %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("httpapi: reading the answer of %s: %w", u, err)
	}
	if len(b) > maxResponse {
		return nil, fmt.Errorf("httpapi: answer of %s over %d bytes", u, maxResponse)
	}
	if resp.StatusCode >= 300 {
		var eb errorBody
		if json.Unmarshal(b, &eb) != nil || eb.Error == "" {
			eb.Error = "server_error"
		}
		return nil, &Error{Status: resp.StatusCode, Code: eb.Error, Description: eb.Description}
	}
	return b, nil
}

func (c *Client) getJSON(ctx context.Context, u string, v any) error {
	b, err := c.do(ctx, http.MethodGet, u, "", nil, nil)
	if err != nil {
		return err
	}
	if err := decodeStrict(b, v); err != nil {
		return fmt.Errorf("httpapi: answer of %s: %w", u, err)
	}
	return nil
}

// FetchRequestObject fetches the request object at requestURI and verifies
// it (ParseRequestObject) at the client's time.
func (c *Client) FetchRequestObject(ctx context.Context, requestURI string) (*RequestObject, error) {
	b, err := c.do(ctx, http.MethodGet, requestURI, "", nil, http.Header{"Accept": {RequestObjectMediaType}})
	if err != nil {
		return nil, err
	}
	return ParseRequestObject(b, c.now())
}

// Respond posts p to the request object's response_uri (direct_post) and
// returns the verifier's result.
func (c *Client) Respond(ctx context.Context, ro *RequestObject, p *consent.Presentation) (*PresentationResult, error) {
	pj, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("httpapi: encoding the presentation: %w", err)
	}
	form := url.Values{"state": {ro.State}, "vp_token": {string(pj)}}
	b, err := c.do(ctx, http.MethodPost, ro.ResponseURI, "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	if err != nil {
		return nil, err
	}
	var res PresentationResult
	if err := decodeStrict(b, &res); err != nil {
		return nil, fmt.Errorf("httpapi: verifier's answer: %w", err)
	}
	return &res, nil
}

// Refuse posts the wallet's error response to the request object's
// response_uri (direct_post, OpenID4VP §8.5): error = code with the
// request's state; AccessDenied when the citizen refused. The verifier
// records it and takes no presentation for the session afterwards.
func (c *Client) Refuse(ctx context.Context, ro *RequestObject, code string) error {
	form := url.Values{"state": {ro.State}, "error": {code}}
	_, err := c.do(ctx, http.MethodPost, ro.ResponseURI, "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	return err
}

// AccessDenied is the error code of a wallet whose citizen refused the
// request (Client.Refuse, SessionStatus.Error).
const AccessDenied = "access_denied"

// NewCredentialRequest is the request PickUp sends: for the offer's first
// configuration, the holder's key, the binding of the wallet's secret, and
// the holder's signature over the code and binding.
func NewCredentialRequest(offer *CredentialOffer, holder *identity.PrivateKey, binding fr.Element) (*CredentialRequest, error) {
	if offer == nil || len(offer.Configurations) == 0 || offer.Code() == "" {
		return nil, fmt.Errorf("%w: offer without configuration or pre-authorized code", ErrBadBody)
	}
	bb := binding.Bytes()
	return &CredentialRequest{
		Configuration: offer.Configurations[0], HolderKey: holder.Public(), HolderBinding: hex.EncodeToString(bb[:]),
		Proof: holder.Sign(CredentialRequestDomain, credentialProofMessage(offer.Code(), bb[:])),
	}, nil
}

// PickUp redeems a credential offer: it asks for the credential bound to
// binding (credential.HolderBinding of the wallet's secret), opens the
// sealed delivery with holder's key and returns the credential with its
// revocation witness.
func (c *Client) PickUp(ctx context.Context, offer *CredentialOffer, holder *identity.PrivateKey, binding fr.Element) (*credential.Credential, *revocation.Witness, error) {
	cr, err := NewCredentialRequest(offer, holder, binding)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(cr)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.do(ctx, http.MethodPost, strings.TrimSuffix(offer.CredentialIssuer, "/")+"/credential", "application/json", body,
		http.Header{"Authorization": {"Bearer " + offer.Code()}})
	if err != nil {
		return nil, nil, err
	}
	var resp CredentialResponse
	if err := decodeStrict(b, &resp); err != nil {
		return nil, nil, fmt.Errorf("httpapi: issuer's answer: %w", err)
	}
	cred, err := credential.Open(holder, resp.Credential)
	if err != nil {
		return nil, nil, err
	}
	if offer.IssuerDID != "" && cred.Issuer != offer.IssuerDID {
		return nil, nil, fmt.Errorf("httpapi: credential issued by %s, offered by %s", cred.Issuer, offer.IssuerDID)
	}
	if cred.Core.HolderBinding != binding {
		return nil, nil, fmt.Errorf("%w: the credential is bound to another secret", credential.ErrHolderMismatch)
	}
	w := new(revocation.Witness)
	if err := w.UnmarshalBinary(resp.Witness); err != nil {
		return nil, nil, fmt.Errorf("httpapi: witness: %w", err)
	}
	return cred, w, nil
}

// AccessLog fetches the access log of citizen from the citizen endpoints
// at base; check it with VerifyAccessLog.
func (c *Client) AccessLog(ctx context.Context, base string, citizen identity.DID) (*AccessLog, error) {
	var l AccessLog
	err := c.getJSON(ctx, strings.TrimSuffix(base, "/")+"/log?"+url.Values{"did": {string(citizen)}}.Encode(), &l)
	return &l, err
}

// Agency fetches the facts of an agency for role and typ; check them with
// VerifyAgency.
func (c *Client) Agency(ctx context.Context, base string, agency identity.DID, role ledger.Role, typ string) (*AgencyFacts, error) {
	var f AgencyFacts
	q := url.Values{"did": {string(agency)}, "role": {string(role)}, "type": {typ}}
	err := c.getJSON(ctx, strings.TrimSuffix(base, "/")+"/agency?"+q.Encode(), &f)
	return &f, err
}

// Submit posts a signed consent-receipt or consent-withdrawal record to
// the citizen endpoints at base and returns its ledger index.
func (c *Client) Submit(ctx context.Context, base string, sr *ledger.SignedRecord) (uint64, error) {
	body, err := sr.Bytes()
	if err != nil {
		return 0, err
	}
	b, err := c.do(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/records", "application/json", body, nil)
	if err != nil {
		return 0, err
	}
	var rr recordResult
	if err := decodeStrict(b, &rr); err != nil {
		return 0, fmt.Errorf("httpapi: ledger's answer: %w", err)
	}
	return rr.Index, nil
}

// Anchor puts the grant's receipt on the ledger through the citizen
// endpoints at base, as consent.Anchor does on a ledger at hand: a
// consent-receipt record signed by key (the grant's citizen) carrying the
// grant id, the agency and the receipt hash. It returns the record's index.
func (c *Client) Anchor(ctx context.Context, base string, key *identity.PrivateKey, g *consent.Grant, now time.Time) (uint64, error) {
	if err := g.Verify(); err != nil {
		return 0, fmt.Errorf("httpapi: anchor: %w", err)
	}
	if key.DID() != g.Signer() || g.Guardian != "" {
		return 0, fmt.Errorf("httpapi: anchor: key is not the grant's citizen (guardians anchor with consent.Anchor)")
	}
	rh, err := g.Receipt().Hash()
	if err != nil {
		return 0, err
	}
	sr, err := ledger.NewRecord(key.DID(), now, &ledger.ConsentReceipt{
		Grant: ledger.Hash(g.ID()), Content: ledger.HashBytes(g.SignedBytes()), Agency: g.Agency, Receipt: ledger.Hash(rh),
	}).Sign(key)
	if err != nil {
		return 0, fmt.Errorf("httpapi: anchor: %w", err)
	}
	return c.Submit(ctx, base, sr)
}

// Withdraw withdraws the whole grant through the citizen endpoints at
// base, as consent.Withdraw does: a consent-withdrawal record signed by
// key (the grant's citizen). Every later verification under the grant is
// refused with consent.ErrConsentWithdrawn.
func (c *Client) Withdraw(ctx context.Context, base string, key *identity.PrivateKey, g *consent.Grant, now time.Time) (uint64, error) {
	if key.DID() != g.Citizen {
		return 0, fmt.Errorf("httpapi: withdraw: key is not the grant's citizen")
	}
	sr, err := ledger.NewRecord(key.DID(), now, &ledger.ConsentWithdrawal{Grant: ledger.Hash(g.ID())}).Sign(key)
	if err != nil {
		return 0, fmt.Errorf("httpapi: withdraw: %w", err)
	}
	return c.Submit(ctx, base, sr)
}

// IssuerSet fetches the current issuer set of credential type typ (the
// schema name) from the citizen endpoints at base, for consent.HeldV2From,
// which checks that it rebuilds to its root (the gate then checks that
// the root is one the ledger has had for the type).
func (c *Client) IssuerSet(ctx context.Context, base, typ string) (*consent.IssuerSetFile, error) {
	var f consent.IssuerSetFile
	err := c.getJSON(ctx, strings.TrimSuffix(base, "/")+"/issuer-set?"+url.Values{"type": {typ}}.Encode(), &f)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// Key fetches the facts of the verifying key fp for shape; check them with
// VerifyOfficialKey.
func (c *Client) Key(ctx context.Context, base, shape string, fp [32]byte) (*KeyFacts, error) {
	var f KeyFacts
	q := url.Values{"shape": {shape}, "fingerprint": {ledger.Hash(fp).String()}}
	err := c.getJSON(ctx, strings.TrimSuffix(base, "/")+"/key?"+q.Encode(), &f)
	return &f, err
}
