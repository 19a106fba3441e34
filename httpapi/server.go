package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Body size limits of the endpoints that read a body.
const (
	// MaxResponseBody bounds a direct_post answer: a presentation (its
	// proof at most consent.MaxProofSize) with its grant, form-encoded.
	MaxResponseBody = 64 << 10
	// MaxCredentialRequest bounds a credential request.
	MaxCredentialRequest = 8 << 10
	// MaxRecordBody bounds a ledger record (ledger.MaxRecordSize).
	MaxRecordBody = 16 << 10
	// MaxSessionBody bounds a session creation request.
	MaxSessionBody = 1 << 10
)

// Options configure the handlers of this package.
type Options struct {
	// AllowedOrigins lists the origins ("https://wallet.example") whose
	// browser pages may call the handlers, besides the server's own
	// origin. A request with an Origin header not listed is refused with
	// ErrOrigin; requests without one (non-browser callers) pass.
	AllowedOrigins []string
	// Logger, if set, receives one line per refusal: method, route
	// pattern, status and code. Never a body, a DID, a state, a code or a
	// claim value. Nil logs nothing.
	Logger *slog.Logger
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Batch turns on the verifier's micro-batching of direct_post
	// answers (off by default); see Batch and Verifier.Close.
	Batch Batch
}

type options struct{ Options }

func (o *options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *options) log(r *http.Request, status int, code string) {
	if o.Logger == nil {
		return
	}
	o.Logger.LogAttrs(r.Context(), slog.LevelInfo, "httpapi refusal",
		slog.String("method", r.Method), slog.String("route", r.Pattern),
		slog.Int("status", status), slog.String("code", code))
}

// NewServer returns the http.Server configuration recommended for these
// handlers: header, read and write timeouts (a slow client cannot hold a
// connection), idle timeout, and a 16 KiB header limit. Proving happens in
// the wallet, so no handler needs a long write.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// checkOrigin refuses a browser request from an origin that is neither the
// server's own nor allowed, and sets the CORS header for allowed ones.
func (o *options) checkOrigin(w http.ResponseWriter, r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && u.Host == r.Host && (u.Scheme == "http" || u.Scheme == "https") {
		return nil
	}
	if slices.Contains(o.AllowedOrigins, origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
		return nil
	}
	return fmt.Errorf("%w: %q", ErrOrigin, origin)
}

// handle wraps an endpoint: origin check, then fn; an error is answered
// from the table.
func (o *options) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := o.checkOrigin(w, r); err != nil {
			o.writeError(w, r, err)
			return
		}
		if err := fn(w, r); err != nil {
			o.writeError(w, r, err)
		}
	}
}

// readBody reads at most limit bytes of a body of media type want.
func readBody(w http.ResponseWriter, r *http.Request, want string, limit int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return nil, fmt.Errorf("%w: want %s", ErrMediaType, want)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading: %v", ErrBadBody, err)
	}
	return b, nil
}

// decodeStrict decodes exactly one JSON value into v: unknown fields and
// trailing data are refused with ErrBadBody.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadBody, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrBadBody)
	}
	return nil
}

// readFormAny parses a form body of at most limit bytes holding exactly
// the keys of one of shapes, each once.
func readFormAny(w http.ResponseWriter, r *http.Request, limit int64, shapes [][]string) (url.Values, error) {
	b, err := readBody(w, r, "application/x-www-form-urlencoded", limit)
	if err != nil {
		return nil, err
	}
	vs, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w: form: %v", ErrBadBody, err)
	}
	for k, v := range vs {
		if len(v) != 1 {
			return nil, fmt.Errorf("%w: repeated form field %q", ErrBadBody, k)
		}
	}
	for _, keys := range shapes {
		if len(vs) != len(keys) || slices.ContainsFunc(keys, func(k string) bool { _, in := vs[k]; return !in }) {
			continue
		}
		for _, k := range keys {
			if vs.Get(k) == "" {
				return nil, fmt.Errorf("%w: missing form field %q", ErrBadBody, k)
			}
		}
		return vs, nil
	}
	for k := range vs {
		if !slices.ContainsFunc(shapes, func(keys []string) bool { return slices.Contains(keys, k) }) {
			return nil, fmt.Errorf("%w: unexpected form field %q", ErrBadBody, k)
		}
	}
	return nil, fmt.Errorf("%w: missing form field (want one of %v)", ErrBadBody, shapes)
}
