package zkp

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Encoding of a v2 request (the v1 magic, version 2):
//
//	"CPRQ" | version (2) | credentials n (1, 1 to MaxCredentials)
//	| per credential: type (32) | disclosure mask (2) | issuer form (1: 0 hiding, 1 revealing)
//	| nonce (32) | scope (32) | predicate count (1, at most MaxPredicates)
//	| per predicate: credential (1) | slot (1) | op (1) | A (8) | B (8)
//	  | set count (1, at most MaxSetSize) | set values (32 each)
//
// Integers are big-endian; field elements 32 bytes big-endian and
// canonical. A v1 decoder refuses it (version), and RequestV2's decoder
// refuses version 1. Every predicate must be one the circuit can express
// and name a requested credential.
const (
	requestV2Version = 2
	requestV2Fixed   = 4 + 1 + 1 + 32 + 32 + 1
	credReqSize      = 32 + 2 + 1
	predicateV2Fixed = 1 + predicateFixed
)

// MarshalBinary returns the compact encoding. It fails with
// ErrInvalidStatement for a request the circuit cannot express.
func (r *RequestV2) MarshalBinary() ([]byte, error) {
	if _, err := r.lowered(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, requestV2Fixed+len(r.Credentials)*credReqSize+len(r.Predicates)*(predicateV2Fixed+32*MaxSetSize))
	b = append(b, requestMagic[:]...)
	b = append(b, requestV2Version, byte(len(r.Credentials)))
	for i := range r.Credentials {
		c := &r.Credentials[i]
		t := c.Type.Bytes()
		b = append(b, t[:]...)
		b = binary.BigEndian.AppendUint16(b, c.Disclose)
		if c.RevealIssuer {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	nonce, scope := r.Nonce.Bytes(), r.Scope.Bytes()
	b = append(b, nonce[:]...)
	b = append(b, scope[:]...)
	b = append(b, byte(len(r.Predicates)))
	for i := range r.Predicates {
		p := &r.Predicates[i]
		b = append(b, p.Cred, p.Slot, byte(p.Op))
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

// UnmarshalBinary decodes MarshalBinary's encoding strictly: version 2,
// canonical field elements, issuer form 0 or 1, no trailing bytes, and
// only requests the circuit can express. Errors wrap ErrMalformed; on
// error r is unchanged.
func (r *RequestV2) UnmarshalBinary(b []byte) error {
	if len(b) < 6 || [4]byte(b[:4]) != requestMagic {
		return fmt.Errorf("%w: not a civicproof request", ErrMalformed)
	}
	if b[4] != requestV2Version {
		return fmt.Errorf("%w: request version %d, want %d", ErrMalformed, b[4], requestV2Version)
	}
	n := int(b[5])
	if n < 1 || n > MaxCredentials {
		return fmt.Errorf("%w: %d credentials, want 1 to %d", ErrMalformed, n, MaxCredentials)
	}
	rest := b[6:]
	elem := func(name string, e *fr.Element) error {
		if len(rest) < 32 {
			return fmt.Errorf("%w: truncated request %s", ErrMalformed, name)
		}
		if err := e.SetBytesCanonical(rest[:32]); err != nil {
			return fmt.Errorf("%w: request %s is not a canonical field element", ErrMalformed, name)
		}
		rest = rest[32:]
		return nil
	}
	var out RequestV2
	out.Credentials = make([]CredentialRequest, n)
	for i := range out.Credentials {
		c := &out.Credentials[i]
		if err := elem(fmt.Sprintf("credential %d type", i), &c.Type); err != nil {
			return err
		}
		if len(rest) < 3 {
			return fmt.Errorf("%w: truncated credential %d", ErrMalformed, i)
		}
		c.Disclose = binary.BigEndian.Uint16(rest)
		switch rest[2] {
		case 0:
		case 1:
			c.RevealIssuer = true
		default:
			return fmt.Errorf("%w: credential %d issuer form %d", ErrMalformed, i, rest[2])
		}
		rest = rest[3:]
	}
	if err := elem("nonce", &out.Nonce); err != nil {
		return err
	}
	if err := elem("scope", &out.Scope); err != nil {
		return err
	}
	if len(rest) < 1 {
		return fmt.Errorf("%w: truncated request", ErrMalformed)
	}
	count := int(rest[0])
	rest = rest[1:]
	if count > MaxPredicates {
		return fmt.Errorf("%w: %d predicates, at most %d", ErrMalformed, count, MaxPredicates)
	}
	for i := range count {
		if len(rest) < predicateV2Fixed {
			return fmt.Errorf("%w: truncated predicate %d", ErrMalformed, i)
		}
		p := PredicateV2{Cred: rest[0], Predicate: Predicate{Slot: rest[1], Op: Op(rest[2]),
			A: binary.BigEndian.Uint64(rest[3:]), B: binary.BigEndian.Uint64(rest[11:])}}
		k := int(rest[19])
		rest = rest[predicateV2Fixed:]
		if k > MaxSetSize {
			return fmt.Errorf("%w: predicate %d has %d set values, at most %d", ErrMalformed, i, k, MaxSetSize)
		}
		if k > 0 {
			p.Set = make([]fr.Element, k)
		}
		for j := range k {
			if err := elem(fmt.Sprintf("predicate %d set value %d", i, j), &p.Set[j]); err != nil {
				return err
			}
		}
		out.Predicates = append(out.Predicates, p)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes after the request", ErrMalformed, len(rest))
	}
	if _, err := out.lowered(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	*r = out
	return nil
}

// JSON form of a v2 request:
//
//	{"credentials": [{"type": "<64 hex>", "disclose": 4, "revealIssuer": true}, …],
//	 "predicates": [{"cred": 0, "slot": 0, "op": "le", "a": "11280"}, …],
//	 "nonce": "<64 hex>", "scope": "<64 hex>"}
//
// with the conventions of Request's JSON form (64 lowercase hex digits
// for field elements, decimal strings for bounds, omitted when zero, ops
// by name); "revealIssuer" is omitted when false.
type requestV2JSON struct {
	Credentials []credReqJSON     `json:"credentials"`
	Predicates  []predicateV2JSON `json:"predicates"`
	Nonce       string            `json:"nonce"`
	Scope       string            `json:"scope"`
}

type credReqJSON struct {
	Type         string `json:"type"`
	Disclose     uint16 `json:"disclose"`
	RevealIssuer bool   `json:"revealIssuer,omitempty"`
}

type predicateV2JSON struct {
	Cred uint8    `json:"cred"`
	Slot uint8    `json:"slot"`
	Op   string   `json:"op"`
	A    uint64   `json:"a,omitempty,string"`
	B    uint64   `json:"b,omitempty,string"`
	Set  []string `json:"set,omitempty"`
}

// MarshalJSON encodes the request in its JSON form. It fails with
// ErrInvalidStatement for a request the circuit cannot express.
func (r *RequestV2) MarshalJSON() ([]byte, error) {
	if _, err := r.lowered(); err != nil {
		return nil, err
	}
	w := requestV2JSON{Credentials: []credReqJSON{}, Predicates: []predicateV2JSON{},
		Nonce: hexElem(&r.Nonce), Scope: hexElem(&r.Scope)}
	for i := range r.Credentials {
		c := &r.Credentials[i]
		w.Credentials = append(w.Credentials, credReqJSON{Type: hexElem(&c.Type), Disclose: c.Disclose, RevealIssuer: c.RevealIssuer})
	}
	for i := range r.Predicates {
		p := &r.Predicates[i]
		pj := predicateV2JSON{Cred: p.Cred, Slot: p.Slot, Op: p.Op.String(), A: p.A, B: p.B}
		for j := range p.Set {
			pj.Set = append(pj.Set, hexElem(&p.Set[j]))
		}
		w.Predicates = append(w.Predicates, pj)
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes the JSON form strictly, as Request.UnmarshalJSON
// does, and accepts only requests the circuit can express. Errors wrap
// ErrMalformed; on error r is unchanged.
func (r *RequestV2) UnmarshalJSON(b []byte) error {
	var w requestV2JSON
	if err := decodeStrictJSON(b, maxRequestJSON, "request", &w); err != nil {
		return err
	}
	if len(w.Credentials) > MaxCredentials || len(w.Predicates) > MaxPredicates {
		return fmt.Errorf("%w: %d credentials and %d predicates, at most %d and %d", ErrMalformed, len(w.Credentials), len(w.Predicates), MaxCredentials, MaxPredicates)
	}
	var out RequestV2
	var err error
	for i, cj := range w.Credentials {
		c := CredentialRequest{Disclose: cj.Disclose, RevealIssuer: cj.RevealIssuer}
		if c.Type, err = parseHexElem(fmt.Sprintf("credential %d type", i), cj.Type); err != nil {
			return err
		}
		out.Credentials = append(out.Credentials, c)
	}
	if out.Nonce, err = parseHexElem("nonce", w.Nonce); err != nil {
		return err
	}
	if out.Scope, err = parseHexElem("scope", w.Scope); err != nil {
		return err
	}
	for i, pj := range w.Predicates {
		op, ok := parseOp(pj.Op)
		if !ok {
			return fmt.Errorf("%w: predicate %d: unknown op %.20q", ErrMalformed, i, pj.Op)
		}
		if len(pj.Set) > MaxSetSize {
			return fmt.Errorf("%w: predicate %d has %d set values, at most %d", ErrMalformed, i, len(pj.Set), MaxSetSize)
		}
		p := PredicateV2{Cred: pj.Cred, Predicate: Predicate{Slot: pj.Slot, Op: op, A: pj.A, B: pj.B}}
		for j, s := range pj.Set {
			e, err := parseHexElem(fmt.Sprintf("predicate %d set value %d", i, j), s)
			if err != nil {
				return err
			}
			p.Set = append(p.Set, e)
		}
		out.Predicates = append(out.Predicates, p)
	}
	if _, err := out.lowered(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	*r = out
	return nil
}
