package consent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/zkp"
)

// Limits of one presentation: the circuit's (package zkp), and the
// sizes of requests and grants.
const (
	NumSlots       = zkp.NumSlots      // claim slots of a credential
	MaxPredicates  = zkp.MaxPredicates // predicates proven by one presentation, over all its credentials
	MaxCredentials = 3                 // credentials one presentation proves (one proof, one holder)
	MaxSetSize     = zkp.MaxSetSize    // values of one membership predicate
	MaxTypes       = 8                 // accepted credential types of one request or grant
	MaxTypeLen     = 64                // bytes of a credential type name
)

// Op is a predicate operator: zkp's, with its names ("eq", "ne", "lt",
// "le", "gt", "ge", "range", "in") as text and JSON form. Ordered
// operators compare a slot holding an ordered value (unsigned, integer or
// date, as credential encodes them) with bound A (and B for InRange,
// inclusive); Eq, Ne and InSet compare a slot with field elements (any
// slot, hashed strings included).
type Op = zkp.Op

// Predicate operators.
const (
	OpEq      = zkp.OpEq      // slot == Set[0]
	OpNe      = zkp.OpNe      // slot != Set[0]
	OpLt      = zkp.OpLt      // slot <  A
	OpLe      = zkp.OpLe      // slot <= A
	OpGt      = zkp.OpGt      // slot >  A
	OpGe      = zkp.OpGe      // slot >= A
	OpInRange = zkp.OpInRange // A <= slot <= B
	OpInSet   = zkp.OpInSet   // slot ∈ Set
)

// FieldValue is a BN254 scalar-field element, big-endian, canonical
// (less than the field modulus). Its JSON form is 64 hex digits.
type FieldValue [32]byte

// MarshalText implements encoding.TextMarshaler.
func (v FieldValue) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(v[:])), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *FieldValue) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("%w: field value is %d hex digits, want 64", ErrMalformed, len(b))
	}
	if _, err := hex.Decode(v[:], b); err != nil {
		return fmt.Errorf("%w: field value: %v", ErrMalformed, err)
	}
	if bytes.ContainsFunc(b, func(r rune) bool { return 'A' <= r && r <= 'F' }) {
		return fmt.Errorf("%w: field value must be lowercase hex", ErrMalformed)
	}
	return nil
}

// Element returns v as a field element, or an error if v is not canonical.
func (v FieldValue) Element() (fr.Element, error) {
	var e fr.Element
	if err := e.SetBytesCanonical(v[:]); err != nil {
		return e, fmt.Errorf("%w: field value not below the modulus", ErrMalformed)
	}
	return e, nil
}

// FieldValueOf returns the canonical bytes of a field element.
func FieldValueOf(e fr.Element) FieldValue { return FieldValue(e.Bytes()) }

// Predicate is one condition on one claim slot that a presentation proves
// without revealing the claim.
type Predicate struct {
	Slot uint8        `json:"slot"`
	Op   Op           `json:"op"`
	A    uint64       `json:"a,omitempty,string"`
	B    uint64       `json:"b,omitempty,string"`
	Set  []FieldValue `json:"set,omitempty"`
}

// check validates the shape of p. Sets must be sorted and without
// duplicates so that equal conditions have equal encodings.
func (p *Predicate) check() error {
	if p.Slot >= NumSlots {
		return fmt.Errorf("%w: predicate slot %d, want < %d", ErrMalformed, p.Slot, NumSlots)
	}
	switch p.Op {
	case OpLt, OpLe, OpGt, OpGe:
		if p.B != 0 || len(p.Set) != 0 {
			return fmt.Errorf("%w: %s predicate takes only bound A", ErrMalformed, p.Op)
		}
	case OpInRange:
		if p.A > p.B || len(p.Set) != 0 {
			return fmt.Errorf("%w: range predicate needs A <= B and no set", ErrMalformed)
		}
	case OpEq, OpNe, OpInSet:
		if p.A != 0 || p.B != 0 {
			return fmt.Errorf("%w: %s predicate takes no bounds", ErrMalformed, p.Op)
		}
		if p.Op != OpInSet && len(p.Set) != 1 {
			return fmt.Errorf("%w: %s predicate takes exactly one value", ErrMalformed, p.Op)
		}
		if len(p.Set) == 0 || len(p.Set) > MaxSetSize {
			return fmt.Errorf("%w: set of %d values, want 1..%d", ErrMalformed, len(p.Set), MaxSetSize)
		}
		for i := range p.Set {
			if _, err := p.Set[i].Element(); err != nil {
				return err
			}
			if i > 0 && bytes.Compare(p.Set[i-1][:], p.Set[i][:]) >= 0 {
				return fmt.Errorf("%w: set values must be sorted and distinct", ErrMalformed)
			}
		}
	default:
		return fmt.Errorf("%w: unknown predicate operator %d", ErrMalformed, p.Op)
	}
	return nil
}

func (p *Predicate) normalize() {
	slices.SortFunc(p.Set, func(a, b FieldValue) int { return bytes.Compare(a[:], b[:]) })
	p.Set = slices.Compact(p.Set)
}

func (p *Predicate) encode(e *encoder) {
	e.byte(p.Slot)
	e.byte(byte(p.Op))
	e.uvarint(p.A)
	e.uvarint(p.B)
	e.uvarint(uint64(len(p.Set)))
	for _, v := range p.Set {
		e.raw(v[:])
	}
}

func (p *Predicate) decode(d *decoder) {
	p.Slot = d.byte()
	p.Op = Op(d.byte())
	p.A = d.uvarint()
	p.B = d.uvarint()
	if n := d.count(MaxSetSize); n > 0 {
		p.Set = make([]FieldValue, n)
		for i := range p.Set {
			d.fixed(p.Set[i][:])
		}
	}
}

func (p *Predicate) bytes() []byte {
	var e encoder
	p.encode(&e)
	return e.b
}

// Equal reports whether p and q state the same condition.
func (p Predicate) Equal(q Predicate) bool { return bytes.Equal(p.bytes(), q.bytes()) }

func comparePredicates(p, q Predicate) int { return bytes.Compare(p.bytes(), q.bytes()) }

// Part returns the name of this predicate as a part of a grant, the form
// a partial withdrawal names it by: "predicate:<slot>:<op>:<A>[:<B>]" for
// ordered operators, "predicate:<slot>:<op>:<first 16 hex digits of
// SHA-256 of the set values>" for the others.
func (p Predicate) Part() string {
	s := "predicate:" + strconv.Itoa(int(p.Slot)) + ":" + p.Op.String() + ":"
	switch p.Op {
	case OpInRange:
		return s + strconv.FormatUint(p.A, 10) + ":" + strconv.FormatUint(p.B, 10)
	case OpLt, OpLe, OpGt, OpGe:
		return s + strconv.FormatUint(p.A, 10)
	}
	h := sha256.New()
	for _, v := range p.Set {
		h.Write(v[:])
	}
	return s + hex.EncodeToString(h.Sum(nil)[:8])
}

// TypePart returns the part name of a credential type in a grant.
func TypePart(credentialType string) string { return "type:" + credentialType }

// DisclosurePart returns the part name of a disclosed slot in a grant.
func DisclosurePart(slot uint8) string { return "disclose:" + strconv.Itoa(int(slot)) }

// Query is what a request asks of one credential, and what a grant allows
// at one credential position: the accepted credential types (any one of
// them answers), the slots disclosed and the predicates proven. A request
// asks its first credential with its own Types, Disclose and Predicates
// and up to two more with Also; a grant mirrors that shape.
type Query struct {
	Types      []string    `json:"types"`      // accepted credential types (any one)
	Disclose   SlotSet     `json:"disclose"`   // slots whose values are revealed
	Predicates []Predicate `json:"predicates"` // conditions proven without revealing
}

func (s *Query) clone() Query {
	return Query{Types: slices.Clone(s.Types), Disclose: slices.Clone(s.Disclose), Predicates: clonePredicates(s.Predicates)}
}

func (s *Query) empty() bool { return len(s.Disclose) == 0 && len(s.Predicates) == 0 }

func (s *Query) normalize() {
	slices.Sort(s.Types)
	s.Types = slices.Compact(s.Types)
	slices.Sort(s.Disclose)
	s.Disclose = slices.Compact(s.Disclose)
	for i := range s.Predicates {
		s.Predicates[i].normalize()
	}
	slices.SortFunc(s.Predicates, comparePredicates)
	s.Predicates = slices.CompactFunc(s.Predicates, Predicate.Equal)
	if len(s.Predicates) == 0 {
		s.Predicates = nil // as decoded: one JSON form
	}
}

func (s *Query) check() error {
	if len(s.Types) == 0 || len(s.Types) > MaxTypes {
		return fmt.Errorf("%w: %d credential types, want 1..%d", ErrMalformed, len(s.Types), MaxTypes)
	}
	for i, t := range s.Types {
		if _, _, err := SplitType(t); err != nil {
			return err
		}
		if len(t) > MaxTypeLen {
			err := fmt.Errorf("%w: credential type of %d bytes, at most %d", ErrMalformed, len(t), MaxTypeLen)
			return err
		}
		if i > 0 && s.Types[i-1] >= t {
			return fmt.Errorf("%w: credential types must be sorted and distinct", ErrMalformed)
		}
	}
	for i, sl := range s.Disclose {
		if sl >= NumSlots {
			return fmt.Errorf("%w: disclosed slot %d, want < %d", ErrMalformed, sl, NumSlots)
		}
		if i > 0 && s.Disclose[i-1] >= sl {
			return fmt.Errorf("%w: disclosed slots must be sorted and distinct", ErrMalformed)
		}
	}
	if len(s.Predicates) > MaxPredicates {
		return fmt.Errorf("%w: %d predicates, at most %d", ErrMalformed, len(s.Predicates), MaxPredicates)
	}
	for i := range s.Predicates {
		if err := s.Predicates[i].check(); err != nil {
			return err
		}
		if i > 0 && comparePredicates(s.Predicates[i-1], s.Predicates[i]) >= 0 {
			return fmt.Errorf("%w: predicates must be sorted and distinct", ErrMalformed)
		}
	}
	return nil
}

func (s *Query) encode(e *encoder) {
	e.uvarint(uint64(len(s.Types)))
	for _, t := range s.Types {
		e.string(t)
	}
	e.bytes(s.Disclose)
	e.uvarint(uint64(len(s.Predicates)))
	for i := range s.Predicates {
		s.Predicates[i].encode(e)
	}
}

func (s *Query) decode(d *decoder) {
	if n := d.count(MaxTypes); n > 0 {
		s.Types = make([]string, n)
		for i := range s.Types {
			s.Types[i] = d.string()
		}
	}
	if b := d.bytes(NumSlots); len(b) > 0 {
		s.Disclose = slices.Clone(b)
	}
	if n := d.count(MaxPredicates); n > 0 {
		s.Predicates = make([]Predicate, n)
		for i := range s.Predicates {
			s.Predicates[i].decode(d)
		}
	}
}

// checkName accepts 1..maxString printable ASCII characters without spaces.
func checkName(what, s string) error {
	if len(s) == 0 || len(s) > maxString {
		return fmt.Errorf("%w: %s of %d bytes, want 1..%d", ErrMalformed, what, len(s), maxString)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return fmt.Errorf("%w: %s %q has a byte outside printable ASCII", ErrMalformed, what, s)
		}
	}
	return nil
}

// SlotSet is a list of claim slots. Its JSON form is an array of numbers.
type SlotSet []uint8

// MarshalJSON implements json.Marshaler.
func (s SlotSet) MarshalJSON() ([]byte, error) {
	out := []byte{'['}
	for i, v := range s {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendUint(out, uint64(v), 10)
	}
	return append(out, ']'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *SlotSet) UnmarshalJSON(b []byte) error {
	var v []int
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%w: slot list: %v", ErrMalformed, err)
	}
	out := make(SlotSet, len(v))
	for i, x := range v {
		if x < 0 || x >= NumSlots {
			return fmt.Errorf("%w: slot %d, want < %d", ErrMalformed, x, NumSlots)
		}
		out[i] = uint8(x)
	}
	*s = out
	return nil
}

// SplitType splits a credential type as this package names it,
// "<schema name>/<version>" (e.g. "BirthCertificate/2"), into the schema
// name (the type the ledger accredits issuers for) and the version (which
// with the name fixes the type id inside proofs). Names are ASCII letters,
// digits and '_', starting with a letter; versions are decimal, >= 1,
// without leading zeros.
func SplitType(t string) (name string, version uint32, err error) {
	i := strings.LastIndexByte(t, '/')
	bad := func(why string) (string, uint32, error) {
		return "", 0, fmt.Errorf("%w: credential type %.70q: %s", ErrMalformed, t, why)
	}
	if i <= 0 || i == len(t)-1 {
		return bad(`want "<name>/<version>"`)
	}
	name, vs := t[:i], t[i+1:]
	for j := 0; j < len(name); j++ {
		c := name[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return bad("bad schema name")
		}
	}
	v, perr := strconv.ParseUint(vs, 10, 32)
	if perr != nil || v == 0 || vs[0] == '0' {
		return bad("bad version")
	}
	return name, uint32(v), nil
}
