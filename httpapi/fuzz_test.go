package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/httpapi"
)

// fuzzEnv is one env per fuzz target (keys come from the test cache).
func fuzzEnv(f *testing.F) (*env, string) {
	e := newEnv(f, httpapi.Options{})
	s, err := e.verifier.NewSession("age")
	if err != nil {
		f.Fatal(err)
	}
	resp, err := http.Get(s.RequestURI)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return e, string(b)
}

// serve runs one call through the whole mux in process; the server must
// never fail with a 5xx on input, nor panic.
func serve(t *testing.T, h http.Handler, method, path, ctype, auth, body string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

// FuzzParseRequestObject: no input panics, and whatever verifies is
// consistent (the consent request is the client's, with the same nonce).
func FuzzParseRequestObject(f *testing.F) {
	e, jws := fuzzEnv(f)
	f.Add(jws)
	f.Add(jws[:len(jws)/2])
	f.Add("e30.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		ro, err := httpapi.ParseRequestObject([]byte(s), e.w.Now())
		if err == nil && (ro.Request == nil || ro.Request.Agency != ro.ClientID || ro.Request.Nonce.String() != ro.Nonce) {
			t.Fatalf("an inconsistent request object verified: %+v", ro)
		}
	})
}

func FuzzDirectPost(f *testing.F) {
	e, _ := fuzzEnv(f)
	h := e.verifier.Handler()
	f.Add("state=x&vp_token=%7B%7D")
	f.Add(`state=x&vp_token={"request":"00","grant":null}`)
	f.Add("vp_token=1&vp_token=2")
	f.Fuzz(func(t *testing.T, body string) {
		serve(t, h, "POST", "/verifier/response", "application/x-www-form-urlencoded", "", body)
	})
}

func FuzzCredentialRequest(f *testing.F) {
	e, _ := fuzzEnv(f)
	h := e.issuer.Handler()
	f.Add("code", `{"credential_configuration_id":"Identity/1","holder_key":"z","holder_binding":"00","proof":""}`)
	f.Add("", `{}`)
	f.Fuzz(func(t *testing.T, code, body string) {
		serve(t, h, "POST", "/issuer/credential", "application/json", "Bearer "+code, body)
	})
}

func FuzzSessionAndRecord(f *testing.F) {
	e, _ := fuzzEnv(f)
	vh, ch := e.verifier.Handler(), e.citizenAPI.Handler()
	f.Add(`{"template":"age"}`)
	f.Add(`{"kind":"consent-receipt"}`)
	f.Fuzz(func(t *testing.T, body string) {
		serve(t, vh, "POST", "/verifier/sessions", "application/json", "", body)
		serve(t, ch, "POST", "/citizen/records", "application/json", "", body)
	})
}
