package credential

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/gowebpki/jcs"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// ClaimType is the type of one claim of a schema. It decides which Go values
// a claim accepts and how the value is encoded into its slot (see Encode).
type ClaimType uint8

// Claim types.
const (
	TypeDate     ClaimType = iota + 1 // calendar date, time.Time or "YYYY-MM-DD"
	TypeInteger                       // signed 64-bit integer
	TypeUnsigned                      // unsigned 64-bit integer
	TypeBool                          // true / false
	TypeEnum                          // one of the schema's Values, by name
	TypeString                        // UTF-8 text, hashed into the field
	TypeBytes                         // opaque bytes, hashed into the field
)

var claimTypeNames = [...]string{
	TypeDate:     "date",
	TypeInteger:  "integer",
	TypeUnsigned: "unsigned",
	TypeBool:     "bool",
	TypeEnum:     "enum",
	TypeString:   "string",
	TypeBytes:    "bytes",
}

// String returns the type's schema name ("date", "integer", ...).
func (t ClaimType) String() string {
	if t.valid() {
		return claimTypeNames[t]
	}
	return "ClaimType(" + strconv.Itoa(int(t)) + ")"
}

func (t ClaimType) valid() bool { return t >= TypeDate && t <= TypeBytes }

// Ordered reports whether values of this type are encoded as order-preserving
// 64-bit numbers, so that <, ≤, >, ≥ and ranges can be proven on them.
func (t ClaimType) Ordered() bool {
	return t == TypeDate || t == TypeInteger || t == TypeUnsigned || t == TypeBool || t == TypeEnum
}

// MarshalText encodes the type as its schema name.
func (t ClaimType) MarshalText() ([]byte, error) {
	if !t.valid() {
		return nil, fmt.Errorf("%w: claim type %d", ErrInvalidSchema, t)
	}
	return []byte(claimTypeNames[t]), nil
}

// UnmarshalText parses a schema type name.
func (t *ClaimType) UnmarshalText(b []byte) error {
	for i, n := range claimTypeNames {
		if i > 0 && n == string(b) {
			*t = ClaimType(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown claim type %q", ErrInvalidSchema, truncate(string(b)))
}

// MaxClaimBytes is the default and largest length, in bytes, of a string or
// bytes claim.
const MaxClaimBytes = 1024

// maxNameLen bounds schema and claim names.
const maxNameLen = 64

// ClaimDef defines one claim of a schema.
type ClaimDef struct {
	// Name is the claim's name in credentialSubject: ASCII letters, digits
	// and '_', starting with a letter, at most 64 bytes; "id" is reserved.
	Name string
	// Type is the claim's type.
	Type ClaimType
	// Slot is the index in Slots, 0 ≤ Slot < NumSlots, unique in the schema.
	Slot int
	// Required claims must be present; an absent optional claim is encoded
	// as AbsentValue.
	Required bool
	// Min and Max are optional inclusive bounds for TypeInteger and
	// TypeUnsigned (for TypeUnsigned, Min ≥ 0; a nil Max allows the full
	// uint64 range). Nil means unbounded.
	Min, Max *int64
	// Values lists the names of a TypeEnum claim; a value is encoded as its
	// index in this list, so the order is part of the schema.
	Values []string
	// MaxLen bounds the length in bytes of a TypeString or TypeBytes claim;
	// 0 means MaxClaimBytes.
	MaxLen int
}

func (d *ClaimDef) maxLen() int {
	if d.MaxLen == 0 {
		return MaxClaimBytes
	}
	return d.MaxLen
}

// Schema is a named, versioned list of typed claims, each on a fixed slot.
// Create one with NewSchema or ParseSchema, which validate it; treat it as
// immutable afterwards.
type Schema struct {
	// Name is the credential type name, e.g. "BirthCertificate": ASCII
	// letters, digits and '_', starting with a letter, at most 64 bytes.
	// It appears in the credential's "type" list.
	Name string
	// Version is the schema version, ≥ 1. A changed claim list is a new
	// version.
	Version uint32
	// Claims are the schema's claims, in the order they were defined.
	Claims []ClaimDef
}

// NewSchema validates and returns a schema. It returns an error wrapping
// ErrInvalidSchema naming the rule that was broken.
func NewSchema(name string, version uint32, claims ...ClaimDef) (*Schema, error) {
	s := &Schema{Name: name, Version: version, Claims: make([]ClaimDef, len(claims))}
	for i, c := range claims {
		c.Values = append([]string(nil), c.Values...)
		if c.Min != nil {
			v := *c.Min
			c.Min = &v
		}
		if c.Max != nil {
			v := *c.Max
			c.Max = &v
		}
		s.Claims[i] = c
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// MustSchema is NewSchema for schemas fixed in source code; it panics if the
// schema is invalid.
func MustSchema(name string, version uint32, claims ...ClaimDef) *Schema {
	s, err := NewSchema(name, version, claims...)
	if err != nil {
		panic(err)
	}
	return s
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// Validate checks every rule of NewSchema.
func (s *Schema) Validate() error {
	if s == nil {
		return fmt.Errorf("%w: nil schema", ErrInvalidSchema)
	}
	if !validName(s.Name) {
		return fmt.Errorf("%w: bad schema name %q", ErrInvalidSchema, truncate(s.Name))
	}
	if s.Version == 0 {
		return fmt.Errorf("%w: version must be ≥ 1", ErrInvalidSchema)
	}
	if len(s.Claims) == 0 || len(s.Claims) > NumSlots {
		return fmt.Errorf("%w: %d claims, want 1 to %d", ErrInvalidSchema, len(s.Claims), NumSlots)
	}
	var slots [NumSlots]bool
	names := make(map[string]bool, len(s.Claims))
	for i := range s.Claims {
		c := &s.Claims[i]
		if !validName(c.Name) || c.Name == "id" {
			return fmt.Errorf("%w: claim %d: bad name %q", ErrInvalidSchema, i, truncate(c.Name))
		}
		if names[c.Name] {
			return fmt.Errorf("%w: claim %q defined twice", ErrInvalidSchema, c.Name)
		}
		names[c.Name] = true
		if !c.Type.valid() {
			return fmt.Errorf("%w: claim %q: unknown type %d", ErrInvalidSchema, c.Name, c.Type)
		}
		if c.Slot < 0 || c.Slot >= NumSlots {
			return fmt.Errorf("%w: claim %q: slot %d out of range [0,%d)", ErrInvalidSchema, c.Name, c.Slot, NumSlots)
		}
		if slots[c.Slot] {
			return fmt.Errorf("%w: claim %q: slot %d used twice", ErrInvalidSchema, c.Name, c.Slot)
		}
		slots[c.Slot] = true
		if (c.Min != nil || c.Max != nil) && c.Type != TypeInteger && c.Type != TypeUnsigned {
			return fmt.Errorf("%w: claim %q: bounds on a %v claim", ErrInvalidSchema, c.Name, c.Type)
		}
		if c.Type == TypeUnsigned && (c.Min != nil && *c.Min < 0 || c.Max != nil && *c.Max < 0) {
			return fmt.Errorf("%w: claim %q: negative bound on an unsigned claim", ErrInvalidSchema, c.Name)
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			return fmt.Errorf("%w: claim %q: min %d > max %d", ErrInvalidSchema, c.Name, *c.Min, *c.Max)
		}
		if c.Type == TypeEnum {
			if len(c.Values) == 0 {
				return fmt.Errorf("%w: claim %q: enum without values", ErrInvalidSchema, c.Name)
			}
			seen := make(map[string]bool, len(c.Values))
			for _, v := range c.Values {
				if v == "" || len(v) > maxNameLen*4 || seen[v] || !utf8.ValidString(v) {
					return fmt.Errorf("%w: claim %q: bad or duplicate enum value %q", ErrInvalidSchema, c.Name, truncate(v))
				}
				seen[v] = true
			}
		} else if c.Values != nil {
			return fmt.Errorf("%w: claim %q: values on a %v claim", ErrInvalidSchema, c.Name, c.Type)
		}
		if c.MaxLen != 0 && (c.Type != TypeString && c.Type != TypeBytes || c.MaxLen < 0 || c.MaxLen > MaxClaimBytes) {
			return fmt.Errorf("%w: claim %q: bad maxLen %d", ErrInvalidSchema, c.Name, c.MaxLen)
		}
	}
	return nil
}

// Claim returns the definition of the named claim.
func (s *Schema) Claim(name string) (ClaimDef, bool) {
	for _, c := range s.Claims {
		if c.Name == name {
			return c, true
		}
	}
	return ClaimDef{}, false
}

// ClaimAt returns the definition of the claim on slot, if any.
func (s *Schema) ClaimAt(slot int) (ClaimDef, bool) {
	for _, c := range s.Claims {
		if c.Slot == slot {
			return c, true
		}
	}
	return ClaimDef{}, false
}

// schemaJSON is the JSON form of a schema. Bounds are decimal strings so
// that RFC 8785 canonicalization (which treats numbers as IEEE doubles)
// keeps every 64-bit value exact.
type schemaJSON struct {
	Name    string         `json:"name"`
	Version uint32         `json:"version"`
	Claims  []claimDefJSON `json:"claims"`
}

type claimDefJSON struct {
	Name     string    `json:"name"`
	Type     ClaimType `json:"type"`
	Slot     int       `json:"slot"`
	Required bool      `json:"required,omitempty"`
	Min      *string   `json:"min,omitempty"`
	Max      *string   `json:"max,omitempty"`
	Values   []string  `json:"values,omitempty"`
	MaxLen   int       `json:"maxLen,omitempty"`
}

func boundString(p *int64) *string {
	if p == nil {
		return nil
	}
	s := strconv.FormatInt(*p, 10)
	return &s
}

func parseBound(p *string) (*int64, error) {
	if p == nil {
		return nil, nil
	}
	v, err := strconv.ParseInt(*p, 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != *p {
		return nil, fmt.Errorf("%w: bad bound %q", ErrInvalidSchema, truncate(*p))
	}
	return &v, nil
}

// MarshalJSON returns the schema's JSON form:
//
//	{"name":"...","version":1,"claims":[{"name":"birthDate","type":"date","slot":0,"required":true},
//	  {"name":"monthsPaid","type":"unsigned","slot":1,"min":"0","max":"600"},
//	  {"name":"class","type":"enum","slot":2,"values":["A","B"]}, ...]}
func (s *Schema) MarshalJSON() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	w := schemaJSON{Name: s.Name, Version: s.Version, Claims: make([]claimDefJSON, len(s.Claims))}
	for i, c := range s.Claims {
		w.Claims[i] = claimDefJSON{Name: c.Name, Type: c.Type, Slot: c.Slot, Required: c.Required,
			Min: boundString(c.Min), Max: boundString(c.Max), Values: c.Values, MaxLen: c.MaxLen}
	}
	return json.Marshal(w)
}

// UnmarshalJSON parses and validates a schema's JSON form; unknown fields
// are rejected.
func (s *Schema) UnmarshalJSON(data []byte) error {
	if len(data) > MaxSchemaJSON {
		return fmt.Errorf("%w: schema JSON is %d bytes, at most %d", ErrInvalidSchema, len(data), MaxSchemaJSON)
	}
	var w schemaJSON
	if err := strictUnmarshal(data, &w); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSchema, err)
	}
	claims := make([]ClaimDef, len(w.Claims))
	for i, c := range w.Claims {
		lo, err := parseBound(c.Min)
		if err != nil {
			return err
		}
		hi, err := parseBound(c.Max)
		if err != nil {
			return err
		}
		claims[i] = ClaimDef{Name: c.Name, Type: c.Type, Slot: c.Slot, Required: c.Required,
			Min: lo, Max: hi, Values: c.Values, MaxLen: c.MaxLen}
	}
	ns, err := NewSchema(w.Name, w.Version, claims...)
	if err != nil {
		return err
	}
	*s = *ns
	return nil
}

// MaxSchemaJSON is the largest schema JSON ParseSchema reads (a schema
// has at most one claim per slot); larger input is refused with
// ErrInvalidSchema before decoding.
const MaxSchemaJSON = 64 << 10

// ParseSchema parses and validates a schema's JSON form (at most
// MaxSchemaJSON bytes). Errors wrap ErrInvalidSchema.
func ParseSchema(data []byte) (*Schema, error) {
	s := new(Schema)
	if err := s.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return s, nil
}

// CanonicalJSON returns the RFC 8785 (JCS) canonical form of the schema's
// JSON, the bytes that Hash covers.
func (s *Schema) CanonicalJSON() ([]byte, error) {
	b, err := s.MarshalJSON()
	if err != nil {
		return nil, err
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return nil, fmt.Errorf("credential: canonicalizing schema: %w", err)
	}
	return c, nil
}

// Hash returns SHA-256 of CanonicalJSON: the schema hash that an issuer
// registers on the ledger and that credentials name.
func (s *Schema) Hash() ([32]byte, error) {
	c, err := s.CanonicalJSON()
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(c), nil
}

// TypeID returns the credential type id that credentials of this schema
// carry in Core.Type: TypeID(s.Name, s.Version).
func (s *Schema) TypeID() fr.Element { return TypeID(s.Name, s.Version) }

// TypeID returns the field element naming credential type name at version:
//
//	H(TagTypeID, HashString(name), version)
//
// It is public input to presentation proofs, so it depends only on the name
// and version; the exact claim layout is pinned by the schema hash that the
// issuer registers on the ledger for (name, version).
func TypeID(name string, version uint32) fr.Element {
	var v fr.Element
	v.SetUint64(uint64(version))
	return zkhash.Hash(zkhash.TagTypeID, HashString(name), v)
}

// strictUnmarshal decodes exactly one JSON value, rejecting unknown fields
// and trailing data.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Only whitespace may follow: Token returns io.EOF then, and an error
	// or a token for anything else (a stray ']' or '}' included, which
	// More alone does not report).
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
