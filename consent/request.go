package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/civicproof/civicproof/identity"
)

// Signature domains (identity.PrivateKey.Sign) of the objects this package
// signs.
const (
	DomainRequest      = "consent.request"
	DomainGrant        = "consent.grant"
	DomainPresentation = "consent.presentation"
)

// Binary format identifiers: two magic bytes and a version.
//
// Version 2 of requests and grants: the nullifier scope is bound to the
// requesting agency (Request.ZKScope), and a grant names the one scope it
// covers (Grant.Scope). A version 1 request meant an unbound scope, which
// two agencies could share to link a citizen's claims; a version 1 grant
// covered every scope. Version 1 is refused with ErrMalformed.
//
// Version 3 of requests and grants adds, after the first credential's
// query, the further credentials (Also) and the issuer choice
// (RevealIssuer). A request or grant of one credential that reveals the
// issuer is written in version 2, exactly as before, so that every
// version 2 signature, id and anchored receipt stays valid; every other
// one in version 3 (so each value still has exactly one encoding).
// Presentations follow the same rule: version 1 for one credential with
// its issuer named, version 2 (a list of credentials, issuers only when
// revealed) otherwise.
var (
	magicRequest       = []byte{'c', 'R', 2}
	magicRequest3      = []byte{'c', 'R', 3}
	magicGrant         = []byte{'c', 'G', 2}
	magicGrant3        = []byte{'c', 'G', 3}
	magicPresentation  = []byte{'c', 'P', 1}
	magicPresentation2 = []byte{'c', 'P', 2}
)

// Digest is a 32-byte value (a hash or a nonce). Its JSON form is 64
// lowercase hex digits.
type Digest [32]byte

// String returns the lowercase hex form.
func (h Digest) String() string { return hex.EncodeToString(h[:]) }

// MarshalText implements encoding.TextMarshaler.
func (h Digest) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText accepts exactly 64 lowercase hex digits.
func (h *Digest) UnmarshalText(b []byte) error {
	if len(b) != 64 || bytes.ContainsFunc(b, func(r rune) bool { return 'A' <= r && r <= 'F' }) {
		return fmt.Errorf("%w: digest must be 64 lowercase hex digits", ErrMalformed)
	}
	if _, err := hex.Decode(h[:], b); err != nil {
		return fmt.Errorf("%w: digest: %v", ErrMalformed, err)
	}
	return nil
}

// IsZero reports whether h is all zeros.
func (h Digest) IsZero() bool { return h == Digest{} }

// Request is an agency's signed presentation request: who asks, why, under
// which legal basis and notice, for which facts about which credential
// types, with a fresh nonce, an expiry and the scope of nullifiers (one
// claim per person per scope). The scope is a name within the agency:
// the proof's scope is derived from Agency and Scope together (ZKScope),
// so no two agencies share one. A wallet checks it with Verify before
// showing it to the citizen.
//
// Types, Disclose and Predicates ask about the first credential; Also asks
// about up to two more, which one proof covers together with the first,
// all bound to the same holder (MaxCredentials in all, MaxPredicates
// predicates in total). By default the proof hides which issuer signed
// each credential (it shows only that an issuer accredited for the type
// did, under an issuer-set root on the ledger); RevealIssuer asks the
// holder to name and prove the issuer.
type Request struct {
	Agency        identity.DID `json:"agency"`
	Purpose       Purpose      `json:"purpose"`
	LegalBasis    LegalBasis   `json:"legalBasis"`
	NoticeVersion string       `json:"noticeVersion"`
	NoticeHash    Digest       `json:"noticeHash"`     // SHA-256 of the notice text shown to the citizen
	Types         []string     `json:"types"`          // accepted credential types (any one)
	Disclose      SlotSet      `json:"disclose"`       // slots whose values are revealed
	Predicates    []Predicate  `json:"predicates"`     // conditions proven without revealing
	Also          []Query      `json:"also,omitempty"` // the second and third credentials, if any
	RevealIssuer  bool         `json:"revealIssuer"`   // name and prove each credential's issuer
	Scope         string       `json:"scope"`          // nullifier scope name, bound to Agency (ZKScope)
	Nonce         Digest       `json:"nonce"`          // 32 random bytes chosen by the agency
	IssuedAt      time.Time    `json:"issuedAt"`
	Expires       time.Time    `json:"expires"`
	Signature     []byte       `json:"signature"`
}

func (r *Request) shape() *Query {
	return &Query{Types: r.Types, Disclose: r.Disclose, Predicates: r.Predicates}
}

// Queries returns what the request asks of each credential, in order: the
// first credential's query (Types, Disclose, Predicates), then Also.
func (r *Request) Queries() []Query { return queries(*r.shape(), r.Also) }

func (r *Request) normalize() {
	s := r.shape()
	s.normalize()
	r.Types, r.Disclose, r.Predicates = s.Types, s.Disclose, s.Predicates
	normalizeQueries(r.Also)
	r.IssuedAt = r.IssuedAt.UTC().Truncate(time.Second)
	r.Expires = r.Expires.UTC().Truncate(time.Second)
}

// check validates the request's shape (not its signature or expiry).
func (r *Request) check() error { return r.checkWith(directKeys{}) }

func (r *Request) checkWith(k didKeys) error {
	if err := checkDID(k, "agency", r.Agency); err != nil {
		return err
	}
	if !r.Purpose.Valid() {
		return fmt.Errorf("%w: unknown purpose %q", ErrMalformed, r.Purpose)
	}
	if !r.LegalBasis.Valid() {
		return fmt.Errorf("%w: unknown legal basis %q", ErrMalformed, r.LegalBasis)
	}
	if err := checkName("notice version", r.NoticeVersion); err != nil {
		return err
	}
	if err := checkName("scope", r.Scope); err != nil {
		return err
	}
	qs := r.Queries()
	if err := checkQueries(qs); err != nil {
		return err
	}
	if !slices.ContainsFunc(qs, func(q Query) bool { return !q.empty() }) {
		return fmt.Errorf("%w: request asks for nothing", ErrMalformed)
	}
	if r.Nonce.IsZero() {
		return fmt.Errorf("%w: zero nonce", ErrMalformed)
	}
	if err := checkTime(r.IssuedAt); err != nil {
		return err
	}
	if err := checkTime(r.Expires); err != nil {
		return err
	}
	if !r.Expires.After(r.IssuedAt) {
		return fmt.Errorf("%w: request expires before it is issued", ErrMalformed)
	}
	return nil
}

// Times are whole seconds between 1970 and 9999 (UTC).
func checkTime(t time.Time) error {
	if u := t.Unix(); u < 1 || u > 253402300799 || t.Nanosecond() != 0 {
		return fmt.Errorf("%w: time %v out of range or not whole seconds", ErrMalformed, t)
	}
	return nil
}

func (r *Request) encodeBody(e *encoder) {
	v2 := fitsFormat2(r.Also, r.RevealIssuer)
	if v2 {
		e.raw(magicRequest)
	} else {
		e.raw(magicRequest3)
	}
	e.string(string(r.Agency))
	e.string(string(r.Purpose))
	e.string(string(r.LegalBasis))
	e.string(r.NoticeVersion)
	e.raw(r.NoticeHash[:])
	r.shape().encode(e)
	if !v2 {
		encodeAlso(e, r.Also, r.RevealIssuer)
	}
	e.string(r.Scope)
	e.raw(r.Nonce[:])
	e.time(r.IssuedAt)
	e.time(r.Expires)
}

// SignedBytes returns the canonical binary encoding of everything but the
// signature: the message the agency signs and the input of ID.
func (r *Request) SignedBytes() []byte {
	var e encoder
	r.encodeBody(&e)
	return e.b
}

// ID returns SHA-256 of the request's SignedBytes.
func (r *Request) ID() Digest { return sha256.Sum256(r.SignedBytes()) }

// NewNonce returns 32 random bytes from rand (nil: crypto/rand).
func NewNonce(rand io.Reader) (Digest, error) {
	var n Digest
	if rand == nil {
		rand = cryptoRand{}
	}
	if _, err := io.ReadFull(rand, n[:]); err != nil {
		return n, fmt.Errorf("consent: nonce: %w", err)
	}
	return n, nil
}

// Sign normalizes the request (sorts its sets, truncates times to seconds,
// UTC), checks its shape and signs it with the agency's key. An empty
// Agency becomes the key's DID; a different one is an error.
func (r *Request) Sign(key *identity.PrivateKey) error {
	if key == nil {
		return errors.New("consent: sign request: nil key")
	}
	if r.Agency == "" {
		r.Agency = key.DID()
	}
	if r.Agency != key.DID() {
		return fmt.Errorf("%w: agency %s is not the signing key's DID", ErrMalformed, r.Agency)
	}
	r.normalize()
	if err := r.check(); err != nil {
		return err
	}
	r.Signature = key.Sign(DomainRequest, r.SignedBytes())
	return nil
}

// Verify is the wallet's check of a request: its shape, the agency's
// signature, and that now lies in [IssuedAt - ClockSkew, Expires). It returns an error
// wrapping ErrMalformed, ErrBadSignature (and identity.ErrBadSignature) or
// ErrExpired (also ErrClockSkew when now is before IssuedAt - ClockSkew:
// this clock is behind the agency's).
func (r *Request) Verify(now time.Time) error { return r.verifyWith(directKeys{}, now) }

func (r *Request) verifyWith(k didKeys, now time.Time) error {
	if err := r.checkWith(k); err != nil {
		return err
	}
	if err := verifySig(k, r.Agency, DomainRequest, r.SignedBytes(), r.Signature, "request"); err != nil {
		return err
	}
	return r.checkTime(now)
}

// ClockSkew is the tolerance between agency and wallet clocks: how far
// ahead of the wallet's clock a request's issue time may be (a request
// issued further in the wallet's future is refused with ErrClockSkew), and
// how far around the request's life a gate accepts the date a proof was
// made for (see Gate.Verify).
const ClockSkew = time.Minute

func (r *Request) checkTime(now time.Time) error {
	if now.Add(ClockSkew).Before(r.IssuedAt) {
		return fmt.Errorf("%w: %w: request issued at %v, %v after this clock's time (tolerance %v)",
			ErrClockSkew, ErrExpired, r.IssuedAt.UTC(), r.IssuedAt.Sub(now).Round(time.Second), ClockSkew)
	}
	if !now.Before(r.Expires) {
		return fmt.Errorf("%w: request expired at %v", ErrExpired, r.Expires)
	}
	return nil
}

// MarshalBinary returns the compact encoding: SignedBytes followed by the
// length-prefixed signature.
func (r *Request) MarshalBinary() ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	e := encoder{b: r.SignedBytes()}
	e.bytes(r.Signature)
	return e.b, nil
}

// UnmarshalBinary decodes the compact encoding strictly: canonical form
// only, valid shape, no trailing bytes. It does not verify the signature;
// ParseRequest does.
func (r *Request) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	var q Request
	m := d.raw(len(magicRequest))
	v3 := bytes.Equal(m, magicRequest3)
	if d.err == nil && !v3 && !bytes.Equal(m, magicRequest) {
		return fmt.Errorf("%w: not a request of format version 2 or 3", ErrMalformed)
	}
	q.Agency = identity.DID(d.string())
	q.Purpose = Purpose(d.string())
	q.LegalBasis = LegalBasis(d.string())
	q.NoticeVersion = d.string()
	d.fixed(q.NoticeHash[:])
	s := q.shape()
	s.decode(&d)
	q.Types, q.Disclose, q.Predicates = s.Types, s.Disclose, s.Predicates
	if v3 {
		q.Also, q.RevealIssuer = decodeAlso(&d)
	} else {
		q.RevealIssuer = true
	}
	q.Scope = d.string()
	d.fixed(q.Nonce[:])
	q.IssuedAt = d.time()
	q.Expires = d.time()
	q.Signature = bytes.Clone(d.bytes(64))
	if err := d.finish(); err != nil {
		return fmt.Errorf("%w: request: %v", ErrMalformed, err)
	}
	if err := q.check(); err != nil {
		return err
	}
	if again, _ := q.MarshalBinary(); !bytes.Equal(again, b) {
		return fmt.Errorf("%w: request: non-canonical encoding", ErrMalformed)
	}
	*r = q
	return nil
}

// ParseRequest decodes a compact request and verifies its shape and
// signature (not its expiry: see Verify).
func ParseRequest(b []byte) (*Request, error) {
	var r Request
	if err := r.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	if err := verifySig(directKeys{}, r.Agency, DomainRequest, r.SignedBytes(), r.Signature, "request"); err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseRequestJSON decodes the JSON form strictly (unknown fields and
// trailing data refused, sets sorted, times in whole seconds) and verifies
// shape and signature. A form without "revealIssuer" is a version 2 form:
// one credential, issuer revealed.
func ParseRequestJSON(b []byte) (*Request, error) {
	var r Request
	if err := strictJSON(b, &r); err != nil {
		return nil, fmt.Errorf("%w: request: %v", ErrMalformed, err)
	}
	if r.IssuedAt.Location() != time.UTC || r.Expires.Location() != time.UTC {
		return nil, fmt.Errorf("%w: request times must be UTC", ErrMalformed)
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	if err := verifySig(directKeys{}, r.Agency, DomainRequest, r.SignedBytes(), r.Signature, "request"); err != nil {
		return nil, err
	}
	return &r, nil
}

func strictJSON(b []byte, v any) error {
	if len(b) > MaxJSONSize {
		return fmt.Errorf("%d bytes of JSON, at most %d", len(b), MaxJSONSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after JSON value")
	}
	return nil
}

// UnmarshalJSON decodes the JSON form strictly (unknown members refused).
// A form without "revealIssuer" is the version 2 form, which asked for
// one credential and revealed the issuer: it decodes with RevealIssuer
// set, so its signature still verifies.
func (r *Request) UnmarshalJSON(b []byte) error {
	type plain Request
	var q plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return err
	}
	if err := jsonFormat2(b, "request", &q.RevealIssuer, q.Also); err != nil {
		return err
	}
	*r = Request(q)
	return nil
}
