package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// Grant is a citizen's consent that one agency may ask, for one purpose
// under one legal basis and in one nullifier scope of that agency, for the
// listed credential types, disclosed slots and predicates, within a
// validity window and at most UseLimit times (0: no limit). It is signed
// by the citizen, or by a guardian acting for the citizen (Guardian set;
// the guardianship must be on the ledger).
//
// The citizen's DID should be pairwise (one per agency), so that grants to
// different agencies cannot be linked; package holder derives such DIDs
// and uses them without the caller doing anything. A request is covered
// when it is a subset of the grant: see Covers.
//
// Types, Disclose and Predicates allow what may be asked of the first
// credential of a request, Also what may be asked of the second and third,
// position by position; RevealIssuer allows requests that name and prove
// each credential's issuer (without it, only issuer-hiding requests are
// covered).
type Grant struct {
	Citizen       identity.DID `json:"citizen"`
	Guardian      identity.DID `json:"guardian,omitempty"`
	Agency        identity.DID `json:"agency"`
	Purpose       Purpose      `json:"purpose"`
	LegalBasis    LegalBasis   `json:"legalBasis"`
	NoticeVersion string       `json:"noticeVersion"`
	NoticeHash    Digest       `json:"noticeHash"`
	Types         []string     `json:"types"`
	Disclose      SlotSet      `json:"disclose"`
	Predicates    []Predicate  `json:"predicates"`
	Also          []Query      `json:"also,omitempty"` // the second and third credential positions
	RevealIssuer  bool         `json:"revealIssuer"`   // requests may ask to reveal issuers
	Scope         string       `json:"scope"`          // the agency's nullifier scope name this grant covers
	NotBefore     time.Time    `json:"notBefore"`
	NotAfter      time.Time    `json:"notAfter"`
	UseLimit      uint32       `json:"useLimit,omitempty"`
	Salt          Digest       `json:"salt"` // random: grant ids are unique and unguessable
	IssuedAt      time.Time    `json:"issuedAt"`
	Signature     []byte       `json:"signature"`
}

// NewGrant returns the grant that exactly covers req, for the citizen, valid
// from now for validity, with a random salt from rand (nil: crypto/rand).
// The caller may narrow or widen it, then signs it with Sign.
func NewGrant(rand io.Reader, citizen identity.DID, req *Request, now time.Time, validity time.Duration) (*Grant, error) {
	salt, err := NewNonce(rand)
	if err != nil {
		return nil, err
	}
	g := &Grant{
		Citizen: citizen, Agency: req.Agency,
		Purpose: req.Purpose, LegalBasis: req.LegalBasis,
		NoticeVersion: req.NoticeVersion, NoticeHash: req.NoticeHash,
		Types:      append([]string(nil), req.Types...),
		Disclose:   append(SlotSet(nil), req.Disclose...),
		Predicates: clonePredicates(req.Predicates),
		Also:       cloneQueries(req.Also), RevealIssuer: req.RevealIssuer,
		Scope:     req.Scope,
		NotBefore: now, NotAfter: now.Add(validity), Salt: salt, IssuedAt: now,
	}
	g.normalize()
	return g, nil
}

func clonePredicates(ps []Predicate) []Predicate {
	out := make([]Predicate, len(ps))
	for i, p := range ps {
		p.Set = append([]FieldValue(nil), p.Set...)
		out[i] = p
	}
	return out
}

func (g *Grant) shape() *Query {
	return &Query{Types: g.Types, Disclose: g.Disclose, Predicates: g.Predicates}
}

// Queries returns what the grant allows at each credential position, in
// order: the first position (Types, Disclose, Predicates), then Also.
func (g *Grant) Queries() []Query { return queries(*g.shape(), g.Also) }

func (g *Grant) normalize() {
	s := g.shape()
	s.normalize()
	g.Types, g.Disclose, g.Predicates = s.Types, s.Disclose, s.Predicates
	normalizeQueries(g.Also)
	g.NotBefore = g.NotBefore.UTC().Truncate(time.Second)
	g.NotAfter = g.NotAfter.UTC().Truncate(time.Second)
	g.IssuedAt = g.IssuedAt.UTC().Truncate(time.Second)
}

func (g *Grant) check() error { return g.checkWith(directKeys{}) }

func (g *Grant) checkWith(k didKeys) error {
	if err := checkDID(k, "citizen", g.Citizen); err != nil {
		return err
	}
	if g.Guardian != "" {
		if err := checkDID(k, "guardian", g.Guardian); err != nil {
			return err
		}
		if g.Guardian == g.Citizen {
			return fmt.Errorf("%w: guardian is the citizen", ErrMalformed)
		}
	}
	if err := checkDID(k, "agency", g.Agency); err != nil {
		return err
	}
	if g.Agency == g.Citizen || g.Agency == g.Guardian {
		return fmt.Errorf("%w: agency is the citizen or guardian", ErrMalformed)
	}
	if !g.Purpose.Valid() {
		return fmt.Errorf("%w: unknown purpose %q", ErrMalformed, g.Purpose)
	}
	if !g.LegalBasis.Valid() {
		return fmt.Errorf("%w: unknown legal basis %q", ErrMalformed, g.LegalBasis)
	}
	if err := checkName("notice version", g.NoticeVersion); err != nil {
		return err
	}
	if err := checkName("scope", g.Scope); err != nil {
		return err
	}
	if err := checkQueries(g.Queries()); err != nil {
		return err
	}
	for _, t := range []time.Time{g.NotBefore, g.NotAfter, g.IssuedAt} {
		if err := checkTime(t); err != nil {
			return err
		}
	}
	if !g.NotAfter.After(g.NotBefore) {
		return fmt.Errorf("%w: grant ends before it starts", ErrMalformed)
	}
	if g.UseLimit > math.MaxInt32 {
		return fmt.Errorf("%w: use limit %d too large", ErrMalformed, g.UseLimit)
	}
	if g.Salt.IsZero() {
		return fmt.Errorf("%w: zero salt", ErrMalformed)
	}
	return nil
}

// Signer returns the DID that signs the grant: the guardian if set, else
// the citizen.
func (g *Grant) Signer() identity.DID {
	if g.Guardian != "" {
		return g.Guardian
	}
	return g.Citizen
}

func (g *Grant) encodeBody(e *encoder) {
	v2 := fitsFormat2(g.Also, g.RevealIssuer)
	if v2 {
		e.raw(magicGrant)
	} else {
		e.raw(magicGrant3)
	}
	e.string(string(g.Citizen))
	e.string(string(g.Guardian))
	e.string(string(g.Agency))
	e.string(string(g.Purpose))
	e.string(string(g.LegalBasis))
	e.string(g.NoticeVersion)
	e.raw(g.NoticeHash[:])
	g.shape().encode(e)
	if !v2 {
		encodeAlso(e, g.Also, g.RevealIssuer)
	}
	e.string(g.Scope)
	e.time(g.NotBefore)
	e.time(g.NotAfter)
	e.uvarint(uint64(g.UseLimit))
	e.raw(g.Salt[:])
	e.time(g.IssuedAt)
}

// SignedBytes returns the canonical binary encoding of everything but the
// signature: the message the citizen (or guardian) signs.
func (g *Grant) SignedBytes() []byte {
	var e encoder
	g.encodeBody(&e)
	return e.b
}

// ID returns the grant id: ledger.GrantID(citizen, contentDigest()), so
// the id commits to the citizen and the ledger can refuse a receipt for it
// from anyone else. It names the grant on the ledger without revealing
// its content.
func (g *Grant) ID() Digest {
	return Digest(ledger.GrantID(g.Citizen, ledger.Hash(g.contentDigest())))
}

// contentDigest returns SHA-256 of SignedBytes, the content digest a
// consent receipt carries next to the grant id.
func (g *Grant) contentDigest() Digest { return sha256.Sum256(g.SignedBytes()) }

// Sign normalizes and checks the grant and signs it with key, which must
// be the citizen's (or, with Guardian set, the guardian's).
func (g *Grant) Sign(key *identity.PrivateKey) error {
	if key == nil {
		return errors.New("consent: sign grant: nil key")
	}
	g.normalize()
	if err := g.check(); err != nil {
		return err
	}
	if key.DID() != g.Signer() {
		return fmt.Errorf("%w: grant must be signed by %s", ErrMalformed, g.Signer())
	}
	g.Signature = key.Sign(DomainGrant, g.SignedBytes())
	return nil
}

// Verify checks the grant's shape and signature (not its validity window
// or its state on the ledger).
func (g *Grant) Verify() error {
	if err := g.check(); err != nil {
		return err
	}
	return g.verifySignature(directKeys{})
}

func (g *Grant) verifySignature(k didKeys) error {
	return verifySig(k, g.Signer(), DomainGrant, g.SignedBytes(), g.Signature, "grant")
}

// Parts returns the names of every part of the grant that can be withdrawn
// on its own (TypePart, DisclosurePart, Predicate.Part; at the second and
// third credential positions named with PartAt).
func (g *Grant) Parts() []string {
	var out []string
	for i, q := range g.Queries() {
		for _, t := range q.Types {
			out = append(out, PartAt(i+1, TypePart(t)))
		}
		for _, s := range q.Disclose {
			out = append(out, PartAt(i+1, DisclosurePart(s)))
		}
		for _, p := range q.Predicates {
			out = append(out, PartAt(i+1, p.Part()))
		}
	}
	return out
}

// MarshalBinary returns the compact encoding: SignedBytes then the
// length-prefixed signature.
func (g *Grant) MarshalBinary() ([]byte, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	e := encoder{b: g.SignedBytes()}
	e.bytes(g.Signature)
	return e.b, nil
}

// UnmarshalBinary decodes the compact encoding strictly (canonical form,
// valid shape, no trailing bytes), without verifying the signature.
func (g *Grant) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	var q Grant
	m := d.raw(len(magicGrant))
	v3 := bytes.Equal(m, magicGrant3)
	if d.err == nil && !v3 && !bytes.Equal(m, magicGrant) {
		return fmt.Errorf("%w: not a grant of format version 2 or 3", ErrMalformed)
	}
	q.Citizen = identity.DID(d.string())
	q.Guardian = identity.DID(d.string())
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
	q.NotBefore = d.time()
	q.NotAfter = d.time()
	if u := d.uvarint(); u > math.MaxInt32 {
		d.fail(fmt.Errorf("use limit %d too large", u))
	} else {
		q.UseLimit = uint32(u)
	}
	d.fixed(q.Salt[:])
	q.IssuedAt = d.time()
	q.Signature = bytes.Clone(d.bytes(64))
	if err := d.finish(); err != nil {
		return fmt.Errorf("%w: grant: %v", ErrMalformed, err)
	}
	if err := q.check(); err != nil {
		return err
	}
	if again, _ := q.MarshalBinary(); !bytes.Equal(again, b) {
		return fmt.Errorf("%w: grant: non-canonical encoding", ErrMalformed)
	}
	*g = q
	return nil
}

// ParseGrant decodes a compact grant and verifies its shape and signature.
func ParseGrant(b []byte) (*Grant, error) {
	var g Grant
	if err := g.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	if err := g.Verify(); err != nil {
		return nil, err
	}
	return &g, nil
}

// ParseGrantJSON decodes the JSON form strictly and verifies shape and
// signature. A form without "revealIssuer" is a version 2 form: one
// credential position, issuer may be revealed.
func ParseGrantJSON(b []byte) (*Grant, error) {
	var g Grant
	if err := strictJSON(b, &g); err != nil {
		return nil, fmt.Errorf("%w: grant: %v", ErrMalformed, err)
	}
	for _, t := range []time.Time{g.NotBefore, g.NotAfter, g.IssuedAt} {
		if t.Location() != time.UTC {
			return nil, fmt.Errorf("%w: grant times must be UTC", ErrMalformed)
		}
	}
	if err := g.Verify(); err != nil {
		return nil, err
	}
	return &g, nil
}

// UnmarshalJSON decodes the JSON form strictly (unknown members refused).
// A form without "revealIssuer" is the version 2 form, which asked for
// one credential and revealed the issuer: it decodes with RevealIssuer
// set, so its signature still verifies.
func (g *Grant) UnmarshalJSON(b []byte) error {
	type plain Grant
	var q plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return err
	}
	if err := jsonFormat2(b, "grant", &q.RevealIssuer, q.Also); err != nil {
		return err
	}
	*g = Grant(q)
	return nil
}
