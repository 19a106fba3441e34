package zkp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Encoding of a request:
//
//	"CPRQ" | version (1) | type (32) | disclosure mask (2) | nonce (32)
//	| scope (32) | predicate count (1, at most MaxPredicates)
//	| per predicate: slot (1) | op (1) | A (8) | B (8)
//	  | set count (1, at most MaxSetSize) | set values (32 each)
//
// Integers are big-endian; field elements are 32 bytes big-endian and must
// be canonical. Every predicate must be one the circuit can express (the
// same checks as Prove), so a request that decodes is one a wallet can
// prove against.
var requestMagic = [4]byte{'C', 'P', 'R', 'Q'}

const (
	requestVersion = 1
	requestHeader  = 4 + 1 + 32 + 2 + 32 + 32 + 1
	predicateFixed = 1 + 1 + 8 + 8 + 1
	// maxRequestJSON bounds the JSON form before decoding: the largest
	// request (every predicate with a full set of 64-hex-digit values) is
	// far below it.
	maxRequestJSON = 64 << 10
)

// validate checks r as the encodings require: what Prove would accept.
func (r *Request) validate() error {
	_, err := r.lowered()
	return err
}

// MarshalBinary returns the compact encoding. It fails with
// ErrInvalidStatement for a request the circuit cannot express.
func (r *Request) MarshalBinary() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	n := requestHeader
	for i := range r.Predicates {
		n += predicateFixed + 32*len(r.Predicates[i].Set)
	}
	b := make([]byte, 0, n)
	b = append(b, requestMagic[:]...)
	b = append(b, requestVersion)
	t := r.Type.Bytes()
	b = append(b, t[:]...)
	b = binary.BigEndian.AppendUint16(b, r.Disclose)
	nonce, scope := r.Nonce.Bytes(), r.Scope.Bytes()
	b = append(b, nonce[:]...)
	b = append(b, scope[:]...)
	b = append(b, byte(len(r.Predicates)))
	for i := range r.Predicates {
		p := &r.Predicates[i]
		b = append(b, p.Slot, byte(p.Op))
		b = binary.BigEndian.AppendUint64(b, p.A)
		b = binary.BigEndian.AppendUint64(b, p.B)
		b = append(b, byte(len(p.Set)))
		for j := range p.Set {
			v := p.Set[j].Bytes()
			b = append(b, v[:]...)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's encoding strictly: canonical
// field elements, no trailing bytes, and only predicates the circuit can
// express. Errors wrap ErrMalformed; on error r is unchanged.
func (r *Request) UnmarshalBinary(b []byte) error {
	if len(b) < requestHeader || [4]byte(b[:4]) != requestMagic {
		return fmt.Errorf("%w: not a civicproof request", ErrMalformed)
	}
	if b[4] != requestVersion {
		return fmt.Errorf("%w: request version %d", ErrMalformed, b[4])
	}
	var out Request
	elem := func(name string, e *fr.Element, at []byte) error {
		if err := e.SetBytesCanonical(at[:32]); err != nil {
			return fmt.Errorf("%w: request %s is not a canonical field element", ErrMalformed, name)
		}
		return nil
	}
	if err := elem("type", &out.Type, b[5:]); err != nil {
		return err
	}
	out.Disclose = binary.BigEndian.Uint16(b[37:])
	if err := elem("nonce", &out.Nonce, b[39:]); err != nil {
		return err
	}
	if err := elem("scope", &out.Scope, b[71:]); err != nil {
		return err
	}
	count := int(b[103])
	if count > MaxPredicates {
		return fmt.Errorf("%w: %d predicates, at most %d", ErrMalformed, count, MaxPredicates)
	}
	rest := b[requestHeader:]
	for i := range count {
		if len(rest) < predicateFixed {
			return fmt.Errorf("%w: truncated predicate %d", ErrMalformed, i)
		}
		p := Predicate{Slot: rest[0], Op: Op(rest[1]), A: binary.BigEndian.Uint64(rest[2:]), B: binary.BigEndian.Uint64(rest[10:])}
		k := int(rest[18])
		rest = rest[predicateFixed:]
		if k > MaxSetSize {
			return fmt.Errorf("%w: predicate %d has %d set values, at most %d", ErrMalformed, i, k, MaxSetSize)
		}
		if len(rest) < 32*k {
			return fmt.Errorf("%w: truncated set of predicate %d", ErrMalformed, i)
		}
		if k > 0 {
			p.Set = make([]fr.Element, k)
		}
		for j := range k {
			if err := elem(fmt.Sprintf("predicate %d set value %d", i, j), &p.Set[j], rest[32*j:]); err != nil {
				return err
			}
		}
		rest = rest[32*k:]
		out.Predicates = append(out.Predicates, p)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes after the request", ErrMalformed, len(rest))
	}
	if err := out.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	*r = out
	return nil
}

// JSON form of a request:
//
//	{"type": "<64 hex>", "disclose": 4,
//	 "predicates": [{"slot": 0, "op": "le", "a": "11280"},
//	                {"slot": 1, "op": "in", "set": ["<64 hex>", …]}],
//	 "nonce": "<64 hex>", "scope": "<64 hex>"}
//
// Field elements are 64 lowercase hex digits (big-endian, canonical);
// bounds A and B are decimal strings, since day and integer values exceed
// what JSON numbers carry exactly, and are omitted when zero; ops are
// named as Op.String.
type requestJSON struct {
	Type       string          `json:"type"`
	Disclose   uint16          `json:"disclose"`
	Predicates []predicateJSON `json:"predicates"`
	Nonce      string          `json:"nonce"`
	Scope      string          `json:"scope"`
}

type predicateJSON struct {
	Slot uint8    `json:"slot"`
	Op   string   `json:"op"`
	A    uint64   `json:"a,omitempty,string"`
	B    uint64   `json:"b,omitempty,string"`
	Set  []string `json:"set,omitempty"`
}

func hexElem(e *fr.Element) string {
	b := e.Bytes()
	return hex.EncodeToString(b[:])
}

// parseHexElem accepts exactly 64 lowercase hex digits of a canonical
// field element.
func parseHexElem(name, s string) (fr.Element, error) {
	var e fr.Element
	if len(s) != 64 {
		return e, fmt.Errorf("%w: %s: want 64 hex digits, have %d characters", ErrMalformed, name, len(s))
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return e, fmt.Errorf("%w: %s: not lowercase hex", ErrMalformed, name)
		}
	}
	b, _ := hex.DecodeString(s)
	if err := e.SetBytesCanonical(b); err != nil {
		return e, fmt.Errorf("%w: %s is not a canonical field element", ErrMalformed, name)
	}
	return e, nil
}

func parseOp(s string) (Op, bool) {
	for o := OpEq; o <= OpInSet; o++ {
		if opNames[o] == s {
			return o, true
		}
	}
	return 0, false
}

// MarshalJSON encodes the request in its JSON form. It fails with
// ErrInvalidStatement for a request the circuit cannot express.
func (r *Request) MarshalJSON() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	w := requestJSON{Type: hexElem(&r.Type), Disclose: r.Disclose, Predicates: []predicateJSON{},
		Nonce: hexElem(&r.Nonce), Scope: hexElem(&r.Scope)}
	for i := range r.Predicates {
		p := &r.Predicates[i]
		pj := predicateJSON{Slot: p.Slot, Op: p.Op.String(), A: p.A, B: p.B}
		for j := range p.Set {
			pj.Set = append(pj.Set, hexElem(&p.Set[j]))
		}
		w.Predicates = append(w.Predicates, pj)
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the JSON form strictly: no unknown fields, no
// trailing data, field elements as 64 lowercase hex digits, known op
// names, and only predicates the circuit can express; input over 64 KiB is
// refused before decoding. Errors wrap ErrMalformed; on error r is
// unchanged.
func (r *Request) UnmarshalJSON(b []byte) error {
	var w requestJSON
	if err := decodeStrictJSON(b, maxRequestJSON, "request", &w); err != nil {
		return err
	}
	if len(w.Predicates) > MaxPredicates {
		return fmt.Errorf("%w: %d predicates, at most %d", ErrMalformed, len(w.Predicates), MaxPredicates)
	}
	var out Request
	var err error
	if out.Type, err = parseHexElem("type", w.Type); err != nil {
		return err
	}
	if out.Nonce, err = parseHexElem("nonce", w.Nonce); err != nil {
		return err
	}
	if out.Scope, err = parseHexElem("scope", w.Scope); err != nil {
		return err
	}
	out.Disclose = w.Disclose
	for i, pj := range w.Predicates {
		op, ok := parseOp(pj.Op)
		if !ok {
			return fmt.Errorf("%w: predicate %d: unknown op %q", ErrMalformed, i, pj.Op)
		}
		if len(pj.Set) > MaxSetSize {
			return fmt.Errorf("%w: predicate %d has %d set values, at most %d", ErrMalformed, i, len(pj.Set), MaxSetSize)
		}
		p := Predicate{Slot: pj.Slot, Op: op, A: pj.A, B: pj.B}
		for j, s := range pj.Set {
			e, err := parseHexElem(fmt.Sprintf("predicate %d set value %d", i, j), s)
			if err != nil {
				return err
			}
			p.Set = append(p.Set, e)
		}
		out.Predicates = append(out.Predicates, p)
	}
	if err := out.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	*r = out
	return nil
}

// agencyScopeDomain separates AgencyScope's hash from every other use of
// SHA-256 in civicproof.
const agencyScopeDomain = "civicproof/zkp/agency-scope/v1"

// AgencyScope returns the nullifier scope element of the scope name as
// used by the agency: SHA-256(domain || uvarint(len(agency)) || agency ||
// uvarint(len(name)) || name), read big-endian and reduced modulo the
// BN254 scalar field, with domain "civicproof/zkp/agency-scope/v1".
//
// Binding the scope to the agency is what keeps nullifiers unlinkable
// across agencies: Nullifier(secret, scope) is one value per holder and
// scope, so if two agencies could name the same scope they would receive
// the same nullifier for the same citizen. A verifier and a wallet both
// compute the scope from the request's agency DID and scope name — never
// from a field element the requester supplies — so agency B asking in
// agency A's scope name gets a different element, and a different
// nullifier, than A does. The hash is computed outside the circuit; the
// circuit is unchanged.
func AgencyScope(agency, name string) fr.Element {
	b := make([]byte, 0, len(agencyScopeDomain)+len(agency)+len(name)+2*binary.MaxVarintLen64)
	b = append(b, agencyScopeDomain...)
	b = binary.AppendUvarint(b, uint64(len(agency)))
	b = append(b, agency...)
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	h := sha256.Sum256(b)
	var e fr.Element
	e.SetBytes(h[:])
	return e
}

// decodeStrictJSON decodes b into v strictly: at most max bytes, no
// unknown fields, nothing after the value. Errors wrap ErrMalformed and
// name what was decoded.
func decodeStrictJSON(b []byte, max int, what string, v any) error {
	if len(b) > max {
		return fmt.Errorf("%w: %s JSON of %d bytes, at most %d", ErrMalformed, what, len(b), max)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %s JSON: %v", ErrMalformed, what, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("%w: %s JSON: trailing data", ErrMalformed, what)
	}
	return nil
}
