package zkp

import (
	"encoding/binary"
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
