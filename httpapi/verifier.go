package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/identity"
)

// RequestObject is the signed authorization request a wallet fetches from
// request_uri (OpenID4VP §5, by reference): the agency as client_id (its
// DID; the JWS is signed by its Ed25519 key), the nonce (the consent
// request's, hex), the state naming the session, the response_uri the
// wallet posts its answer to with response_mode direct_post, and the
// agency's signed consent request (civicproof's presentation definition).
type RequestObject struct {
	ClientID     identity.DID     `json:"client_id"`
	ResponseType string           `json:"response_type"` // "vp_token"
	ResponseMode string           `json:"response_mode"` // "direct_post"
	ResponseURI  string           `json:"response_uri"`
	Nonce        string           `json:"nonce"`
	State        string           `json:"state"`
	IssuedAt     int64            `json:"iat"`
	Expires      int64            `json:"exp"`
	Request      *consent.Request `json:"civicproof_request"`
}

// Session is a presentation request waiting for the wallet's answer.
type Session struct {
	State      string       `json:"state"`
	ClientID   identity.DID `json:"client_id"`
	RequestURI string       `json:"request_uri"`
	// AuthorizationRequest is what the agency shows the citizen (as a
	// link or QR code): openid4vp://?client_id=...&request_uri=...
	AuthorizationRequest string `json:"authorization_request"`
}

// PresentationResult is the verifier's answer to an accepted presentation:
// what the gate accepted and the access record it wrote.
type PresentationResult struct {
	Status      string                       `json:"status"` // "accepted"
	Type        string                       `json:"type"`
	Issuer      identity.DID                 `json:"issuer,omitempty"` // absent unless the request revealed the issuer
	Disclosed   map[uint8]consent.FieldValue `json:"disclosed"`
	AccessIndex uint64                       `json:"access_index"`
	Grant       consent.Digest               `json:"grant"`
}

// maxSessions bounds the open sessions a Verifier (and the offers an
// Issuer) keeps.
const maxSessions = 1 << 14

// sweep drops the entries of m that have expired by now and refuses a new
// one (ErrServer) while maxSessions remain open.
func sweep[T any](m map[string]T, now time.Time, expires func(T) time.Time, what string) error {
	for k, e := range m {
		if !now.Before(expires(e)) {
			delete(m, k)
		}
	}
	if len(m) >= maxSessions {
		return fmt.Errorf("%w: too many open %s", ErrServer, what)
	}
	return nil
}

// Verifier serves an agency's presentation requests and receives the
// wallets' answers, in front of its consent.Gate. Safe for concurrent use.
type Verifier struct {
	opts      options
	gate      *consent.Gate
	key       *identity.PrivateKey
	base      *url.URL
	mu        sync.Mutex
	templates map[string]consent.Request
	sessions  map[string]*session
	batch     *batcher // nil without batching
}

type session struct {
	req     *consent.Request
	jws     string
	expires time.Time
	done    bool                // answered: accepted or refused by the citizen
	result  *PresentationResult // the accepted presentation's result
	refusal string              // the wallet's error code (access_denied) if refused
}

// NewVerifier returns the verifier endpoints of the agency whose key made
// gate, served under baseURL (the public URL of the mounted handler, e.g.
// "https://agency.example/verifier"). key signs the request objects and
// must be the gate's agency.
func NewVerifier(key *identity.PrivateKey, gate *consent.Gate, baseURL string, opts Options) (*Verifier, error) {
	if key == nil || gate == nil || key.DID() != gate.Agency() {
		return nil, errors.New("httpapi: verifier key is not the gate's agency")
	}
	u, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	v := &Verifier{opts: options{opts}, gate: gate, key: key, base: u,
		templates: map[string]consent.Request{}, sessions: map[string]*session{}}
	if opts.Batch.on() {
		v.batch = newBatcher(v, opts.Batch)
	}
	return v, nil
}

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("httpapi: base URL %q is not an absolute http(s) URL", s)
	}
	return u, nil
}

func (v *Verifier) url(p string) string { return v.base.String() + p }

// AddTemplate registers a request template under name; NewSession and the
// sessions endpoint complete it with the gate (consent.Gate.NewRequest).
func (v *Verifier) AddTemplate(name string, tmpl consent.Request) error {
	if name == "" || len(name) > 64 {
		return errors.New("httpapi: template name must have 1 to 64 bytes")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.templates[name] = tmpl
	return nil
}

// NewSession makes a fresh signed request from the named template, signs
// its request object and keeps it until it expires or is answered.
func (v *Verifier) NewSession(template string) (*Session, error) {
	v.mu.Lock()
	tmpl, ok := v.templates[template]
	v.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: no template %q", ErrBadBody, template)
	}
	req, err := v.gate.NewRequest(tmpl)
	if err != nil {
		return nil, fmt.Errorf("httpapi: new request: %w", err)
	}
	var sb [16]byte
	if _, err := rand.Read(sb[:]); err != nil {
		return nil, err
	}
	state := hex.EncodeToString(sb[:])
	ro := RequestObject{
		ClientID: v.key.DID(), ResponseType: "vp_token", ResponseMode: "direct_post",
		ResponseURI: v.url("/response"), Nonce: req.Nonce.String(), State: state,
		IssuedAt: req.IssuedAt.Unix(), Expires: req.Expires.Unix(), Request: req,
	}
	jws, err := signJWS(v.key.Ed25519(), string(v.key.DID()), ro)
	if err != nil {
		return nil, fmt.Errorf("httpapi: signing the request object: %w", err)
	}
	now := v.opts.now()
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := sweep(v.sessions, now, func(ss *session) time.Time { return ss.expires }, "sessions"); err != nil {
		return nil, err
	}
	v.sessions[state] = &session{req: req, jws: jws, expires: req.Expires}
	ruri := v.url("/request/" + state)
	q := url.Values{"client_id": {string(v.key.DID())}, "request_uri": {ruri}}
	return &Session{State: state, ClientID: v.key.DID(), RequestURI: ruri,
		AuthorizationRequest: "openid4vp://?" + q.Encode()}, nil
}

// Handler returns the endpoints, under the base URL's path:
//
//	POST {base}/sessions      {"template": name} -> Session (the agency's own front end)
//	GET  {base}/sessions/{state}  SessionStatus (the agency's own front end)
//	GET  {base}/request/{state}  the signed request object (application/oauth-authz-req+jwt)
//	POST {base}/response      direct_post: form fields state and vp_token
//	                          (the presentation's JSON) -> PresentationResult;
//	                          or state and error (access_denied: the citizen
//	                          refused), optionally error_description -> SessionStatus
//
// The agency's front end should not expose the session status endpoint
// to anyone but the session's own page: it says whether the citizen
// accepted (and what was disclosed).
func (v *Verifier) Handler() http.Handler {
	p := v.base.Path
	mux := http.NewServeMux()
	mux.Handle("POST "+p+"/sessions", v.opts.handle(v.serveSession))
	mux.Handle("GET "+p+"/sessions/{state}", v.opts.handle(v.serveStatus))
	mux.Handle("GET "+p+"/request/{state}", v.opts.handle(v.serveRequest))
	mux.Handle("POST "+p+"/response", v.opts.handle(v.serveResponse))
	return mux
}

type sessionRequest struct {
	Template string `json:"template"`
}

func (v *Verifier) serveSession(w http.ResponseWriter, r *http.Request) error {
	b, err := readBody(w, r, "application/json", MaxSessionBody)
	if err != nil {
		return err
	}
	var sr sessionRequest
	if err := decodeStrict(b, &sr); err != nil {
		return err
	}
	s, err := v.NewSession(sr.Template)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s)
	return nil
}

// open returns the live session state; an answered one only if answered
// is true (a second answer then reaches the gate, which refuses it as a
// replay).
func (v *Verifier) open(state string, answered bool) (*session, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.sessions[state]
	if !ok || (s.done && !answered) || s.refusal != "" || !v.opts.now().Before(s.expires) {
		return nil, ErrUnknownState
	}
	return s, nil
}

func (v *Verifier) serveRequest(w http.ResponseWriter, r *http.Request) error {
	s, err := v.open(r.PathValue("state"), false)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", RequestObjectMediaType)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(s.jws))
	return err
}

// Verify checks a presentation answering the session state with the gate
// and, when accepted, marks the session answered (its request object is
// no longer served). It is what the direct_post endpoint runs; errors are
// the gate's sentinels and ErrUnknownState. With Options.Batch on, the
// presentation is verified in a batch with those that arrive with it
// (each keeps its own result or error); it waits at most until r's
// context ends.
func (v *Verifier) Verify(r *http.Request, state string, p *consent.Presentation) (*PresentationResult, error) {
	s, err := v.open(state, true)
	if err != nil {
		return nil, err
	}
	if v.batch != nil {
		return v.batch.submit(&job{ctx: r.Context(), s: s, p: p, done: make(chan outcome, 1)})
	}
	res, err := v.gate.Verify(r.Context(), s.req, p)
	if err != nil {
		return nil, err
	}
	return v.accepted(s, res), nil
}

// accepted records the gate's result in the session and returns it.
func (v *Verifier) accepted(s *session, res *consent.Result) *PresentationResult {
	pr := &PresentationResult{Status: "accepted", Type: res.Type, Issuer: res.Issuer,
		Disclosed: res.Disclosed, AccessIndex: res.Access.Index, Grant: res.Grant}
	v.mu.Lock()
	s.done, s.result = true, pr
	v.mu.Unlock()
	return pr
}

// walletErrors are the error codes a wallet may answer a request with
// instead of a presentation (OpenID4VP §8.5, RFC 6749 §4.1.2.1).
var walletErrors = []string{AccessDenied, "invalid_request", "vp_formats_not_supported", "invalid_request_object"}

// SessionStatus is where a presentation session stands: "pending" (no
// answer yet), "accepted" (with the result) or "refused" (with the
// wallet's error code, access_denied when the citizen said no).
type SessionStatus struct {
	State  string              `json:"state"`
	Status string              `json:"status"`
	Error  string              `json:"error,omitempty"`
	Result *PresentationResult `json:"result,omitempty"`
}

// Status returns the session's status (ErrUnknownState once it expired).
func (v *Verifier) Status(state string) (*SessionStatus, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.sessions[state]
	if !ok || !v.opts.now().Before(s.expires) {
		return nil, ErrUnknownState
	}
	return s.status(state), nil
}

// status reports s; v.mu is held.
func (s *session) status(state string) *SessionStatus {
	st := &SessionStatus{State: state, Status: "pending"}
	switch {
	case s.refusal != "":
		st.Status, st.Error = "refused", s.refusal
	case s.result != nil:
		st.Status, st.Result = "accepted", s.result
	}
	return st
}

// Refuse records the wallet's error response (code, one of the OpenID4VP
// wallet errors: access_denied when the citizen refused) for an open
// session, which then takes no presentation (ErrUnknownState). A session
// already answered cannot be refused (ErrUnknownState).
func (v *Verifier) Refuse(state, code string) (*SessionStatus, error) {
	if !slices.Contains(walletErrors, code) {
		return nil, fmt.Errorf("%w: error %q is not a wallet error code", ErrBadBody, code)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.sessions[state]
	if !ok || s.done || !v.opts.now().Before(s.expires) {
		return nil, ErrUnknownState
	}
	s.done, s.refusal = true, code
	return s.status(state), nil
}

func (v *Verifier) serveStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := v.Status(r.PathValue("state"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (v *Verifier) serveResponse(w http.ResponseWriter, r *http.Request) error {
	f, err := readFormAny(w, r, MaxResponseBody, [][]string{{"state", "vp_token"}, {"state", "error"}, {"state", "error", "error_description"}})
	if err != nil {
		return err
	}
	if code := f.Get("error"); code != "" {
		st, err := v.Refuse(f.Get("state"), code)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, st)
		return nil
	}
	p, err := consent.ParsePresentationJSON([]byte(f.Get("vp_token")))
	if err != nil {
		return err
	}
	res, err := v.Verify(r, f.Get("state"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
