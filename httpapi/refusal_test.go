package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

type rawReq struct {
	method, path, ctype, body string
	hdr                       map[string]string
}

func (e *env) raw(t *testing.T, r rawReq) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(r.method, e.url(r.path), strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return resp, nil
	}
	var eb struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(b, &eb); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return resp, &httpapi.Error{Status: resp.StatusCode, Code: eb.Error, Description: eb.Description}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// TestRefusals sends each malformed, oversized, foreign or replayed call
// and checks the status, the code and the sentinel the client sees.
func TestRefusals(t *testing.T) {
	e := newEnv(t, httpapi.Options{AllowedOrigins: []string{"https://wallet.example"}})
	h := e.pickUp(t)
	ro := e.session(t)
	g := e.consentTo(t, h, ro)
	pj, err := json.Marshal(e.present(t, h, ro, g))
	if err != nil {
		t.Fatal(err)
	}
	var pm map[string]any
	json.Unmarshal(pj, &pm)
	pm["extra"] = 1
	pExtra, _ := json.Marshal(pm)

	offer, err := e.issuer.Offer(identitySchema, credential.Claims{"birthDate": "2004-03-09", "district": "Ward 3"}, e.w.Now().AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := identity.GenerateKey(nil)
	secret, _ := credential.NewHolderSecret(nil)
	cr, err := httpapi.NewCredentialRequest(offer, key, credential.HolderBinding(secret))
	if err != nil {
		t.Fatal(err)
	}
	crBody, _ := json.Marshal(cr)
	badProof := *cr
	badProof.Proof = bytes.Clone(cr.Proof)
	badProof.Proof[0] ^= 1
	badProofBody, _ := json.Marshal(&badProof)
	bearer := map[string]string{"Authorization": "Bearer " + offer.Code()}

	ev, err := ledger.NewRecord(h.key.DID(), e.w.Now(), &ledger.AgencyEvent{Topic: "x/y", Digest: ledger.HashBytes([]byte("x")), Amount: 1}).Sign(h.key)
	if err != nil {
		t.Fatal(err)
	}
	evBody, _ := ev.Bytes()

	big := form("state", ro.State, "vp_token", strings.Repeat("a", httpapi.MaxResponseBody))
	for _, tc := range []struct {
		desc    string
		req     rawReq
		wantErr error
	}{
		{"response-too-large", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", big, nil}, httpapi.ErrTooLarge},
		{"response-json-media-type", rawReq{"POST", "/verifier/response", "application/json", "{}", nil}, httpapi.ErrMediaType},
		{"response-repeated-field", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", form("state", "a", "state", "b", "vp_token", "{}"), nil}, httpapi.ErrBadBody},
		{"response-unknown-field", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", form("state", ro.State, "vp_token", string(pj), "x", "1"), nil}, httpapi.ErrBadBody},
		{"response-missing-state", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", form("vp_token", string(pj)), nil}, httpapi.ErrBadBody},
		{"presentation-unknown-field", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", form("state", ro.State, "vp_token", string(pExtra)), nil}, consent.ErrMalformed},
		{"presentation-trailing-data", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", form("state", ro.State, "vp_token", string(pj)+"{}"), nil}, consent.ErrMalformed},
		{"response-unknown-state", rawReq{"POST", "/verifier/response", "application/x-www-form-urlencoded", form("state", "nope", "vp_token", string(pj)), nil}, httpapi.ErrUnknownState},
		{"request-unknown-state", rawReq{"GET", "/verifier/request/nope", "", "", nil}, httpapi.ErrUnknownState},
		{"session-unknown-template", rawReq{"POST", "/verifier/sessions", "application/json", `{"template":"nope"}`, nil}, httpapi.ErrBadBody},
		{"session-unknown-field", rawReq{"POST", "/verifier/sessions", "application/json", `{"template":"age","x":1}`, nil}, httpapi.ErrBadBody},
		{"session-trailing-data", rawReq{"POST", "/verifier/sessions", "application/json", `{"template":"age"}{}`, nil}, httpapi.ErrBadBody},
		{"session-too-large", rawReq{"POST", "/verifier/sessions", "application/json", `{"template":"` + strings.Repeat("a", httpapi.MaxSessionBody) + `"}`, nil}, httpapi.ErrTooLarge},
		{"foreign-origin", rawReq{"POST", "/verifier/sessions", "application/json", `{"template":"age"}`, map[string]string{"Origin": "https://evil.example"}}, httpapi.ErrOrigin},
		{"foreign-origin-log", rawReq{"GET", "/citizen/log?did=" + url.QueryEscape(string(h.key.DID())), "", "", map[string]string{"Origin": "null"}}, httpapi.ErrOrigin},
		{"credential-no-bearer", rawReq{"POST", "/issuer/credential", "application/json", string(crBody), nil}, httpapi.ErrInvalidGrant},
		{"credential-unknown-code", rawReq{"POST", "/issuer/credential", "application/json", string(crBody), map[string]string{"Authorization": "Bearer nope"}}, httpapi.ErrInvalidGrant},
		{"credential-bad-proof", rawReq{"POST", "/issuer/credential", "application/json", string(badProofBody), bearer}, httpapi.ErrInvalidProof},
		{"credential-unknown-field", rawReq{"POST", "/issuer/credential", "application/json", strings.Replace(string(crBody), "{", `{"x":1,`, 1), bearer}, httpapi.ErrBadBody},
		{"credential-picked-up", rawReq{"POST", "/issuer/credential", "application/json", string(crBody), bearer}, nil},
		{"credential-used-code", rawReq{"POST", "/issuer/credential", "application/json", string(crBody), bearer}, httpapi.ErrInvalidGrant},
		{"record-unsupported-kind", rawReq{"POST", "/citizen/records", "application/json", string(evBody), nil}, httpapi.ErrUnsupportedRecord},
		{"record-garbage", rawReq{"POST", "/citizen/records", "application/json", `{"record":1}`, nil}, ledger.ErrInvalidRecord},
		{"record-too-large", rawReq{"POST", "/citizen/records", "application/json", strings.Repeat(" ", httpapi.MaxRecordBody+1), nil}, httpapi.ErrTooLarge},
		{"log-bad-did", rawReq{"GET", "/citizen/log?did=did:web:x", "", "", nil}, httpapi.ErrBadBody},
		{"issuer-set-no-type", rawReq{"GET", "/citizen/issuer-set", "", "", nil}, httpapi.ErrBadBody},
		{"issuer-set-unknown-type", rawReq{"GET", "/citizen/issuer-set?type=Diploma", "", "", nil}, consent.ErrNotAccredited},
		{"agency-unknown", rawReq{"GET", "/citizen/agency?role=verifier&type=Identity&did=" + url.QueryEscape(string(h.key.DID())), "", "", nil}, ledger.ErrNotFound},
		{"agency-bad-role", rawReq{"GET", "/citizen/agency?role=king&type=Identity&did=" + url.QueryEscape(string(e.licensing.DID())), "", "", nil}, httpapi.ErrBadBody},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := e.raw(t, tc.req)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			for _, c := range httpapi.ErrorCodes() {
				if c.Err == tc.wantErr && c.Status != err.(*httpapi.Error).Status {
					t.Fatalf("status %d, table says %d", err.(*httpapi.Error).Status, c.Status)
				}
			}
		})
	}
	// An allowed origin passes and gets its CORS header.
	resp, err := e.raw(t, rawReq{"POST", "/verifier/sessions", "application/json", `{"template":"age"}`, map[string]string{"Origin": "https://wallet.example"}})
	if err != nil || resp.Header.Get("Access-Control-Allow-Origin") != "https://wallet.example" {
		t.Fatalf("allowed origin: %v %v", err, resp.Header)
	}
}

// TestWalletChecks: what the wallet refuses before asking the citizen.
func TestWalletChecks(t *testing.T) {
	e := newEnv(t, httpapi.Options{})
	ctx := context.Background()
	s, err := e.verifier.NewSession("age")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.RequestURI)
	if err != nil {
		t.Fatal(err)
	}
	jws, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := httpapi.ParseRequestObject(jws, e.w.Now()); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(jws), ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	swapped := bytes.Replace(payload, []byte(`"response_uri":"`), []byte(`"response_uri":"https://evil.example/x?`), 1)
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	for _, tc := range []struct {
		desc    string
		jws     string
		now     time.Time
		wantErr error
	}{
		{"response-uri-swapped", parts[0] + "." + base64.RawURLEncoding.EncodeToString(swapped) + "." + parts[2], e.w.Now(), httpapi.ErrBadRequestObject},
		{"signature-cut", parts[0] + "." + parts[1] + "." + parts[2][:10], e.w.Now(), httpapi.ErrBadRequestObject},
		{"alg-none", base64.RawURLEncoding.EncodeToString(bytes.Replace(hdr, []byte("EdDSA"), []byte("none"), 1)) + "." + parts[1] + ".", e.w.Now(), httpapi.ErrBadRequestObject},
		{"not-jws", "abc", e.w.Now(), httpapi.ErrBadRequestObject},
		{"expired", string(jws), e.w.Now().Add(time.Hour), consent.ErrExpired},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := httpapi.ParseRequestObject([]byte(tc.jws), tc.now); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
	// An agency that is registered but not accredited as verifier.
	f, err := e.client.Agency(ctx, e.url("/citizen"), e.rogue.DID(), ledger.RoleVerifier, identitySchema.Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := httpapi.VerifyAgency(f, e.lv, e.rogue.DID(), ledger.RoleVerifier, identitySchema.Name); !errors.Is(err, httpapi.ErrNotAccredited) {
		t.Fatalf("unaccredited agency: %v", err)
	}
	// The registry is accredited as issuer, not verifier.
	f, _ = e.client.Agency(ctx, e.url("/citizen"), e.registry.DID(), ledger.RoleVerifier, identitySchema.Name)
	if _, err := httpapi.VerifyAgency(f, e.lv, e.registry.DID(), ledger.RoleVerifier, identitySchema.Name); !errors.Is(err, httpapi.ErrNotAccredited) {
		t.Fatalf("issuer taken for verifier: %v", err)
	}
	// Facts for one agency presented as another's.
	f, _ = e.client.Agency(ctx, e.url("/citizen"), e.licensing.DID(), ledger.RoleVerifier, identitySchema.Name)
	if _, err := httpapi.VerifyAgency(f, e.lv, e.rogue.DID(), ledger.RoleVerifier, identitySchema.Name); !errors.Is(err, httpapi.ErrNotAccredited) {
		t.Fatalf("facts of another agency: %v", err)
	}
	// A tampered inclusion proof or record.
	f.Registration.Proof[0][0] ^= 1
	if _, err := httpapi.VerifyAgency(f, e.lv, e.licensing.DID(), ledger.RoleVerifier, identitySchema.Name); !errors.Is(err, httpapi.ErrBadLedgerProof) {
		t.Fatalf("tampered proof: %v", err)
	}
	// A checkpoint signed by another ledger key.
	other, _ := identity.GenerateKey(nil)
	ov, _ := ledger.NewVerifier(e.lv.Origin(), other.Public().Ed25519())
	f, _ = e.client.Agency(ctx, e.url("/citizen"), e.licensing.DID(), ledger.RoleVerifier, identitySchema.Name)
	if _, err := httpapi.VerifyAgency(f, ov, e.licensing.DID(), ledger.RoleVerifier, identitySchema.Name); !errors.Is(err, httpapi.ErrBadLedgerProof) {
		t.Fatalf("foreign checkpoint: %v", err)
	}
	// An access log whose receipt is another citizen's.
	h := e.pickUp(t)
	ro := e.session(t)
	e.consentTo(t, h, ro)
	log, err := e.client.AccessLog(ctx, e.url("/citizen"), h.key.DID())
	if err != nil || len(log.Grants) != 1 {
		t.Fatalf("log: %v", err)
	}
	if _, err := httpapi.VerifyAccessLog(log, e.lv, e.rogue.DID()); !errors.Is(err, httpapi.ErrBadLedgerProof) {
		t.Fatalf("log of another citizen: %v", err)
	}
	log.Grants[0].Receipt.Record = bytes.Replace(log.Grants[0].Receipt.Record, []byte(`"kind"`), []byte(`"kind" `), 1)
	if _, err := httpapi.VerifyAccessLog(log, e.lv, h.key.DID()); !errors.Is(err, httpapi.ErrBadLedgerProof) {
		t.Fatalf("tampered record: %v", err)
	}
}
