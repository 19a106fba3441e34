package zkp

import (
	"fmt"
	"math"
	"strconv"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// Op is a predicate operator. The numbering is part of the Request
// encoding and matches consent's.
type Op uint8

// Predicate operators. Ordered operators (Lt … InRange) compare a slot
// holding an ordered value (credential.DayValue, credential.IntValue or an
// unsigned number) with bounds A and B; Eq, Ne and InSet compare a slot
// with field elements (hashed strings included).
const (
	OpEq      Op = iota + 1 // slot == Set[0]
	OpNe                    // slot != Set[0]
	OpLt                    // slot <  A
	OpLe                    // slot <= A
	OpGt                    // slot >  A
	OpGe                    // slot >= A
	OpInRange               // A <= slot <= B
	OpInSet                 // slot ∈ Set (1 to MaxSetSize values)
)

var opNames = [...]string{OpEq: "eq", OpNe: "ne", OpLt: "lt", OpLe: "le", OpGt: "gt", OpGe: "ge", OpInRange: "range", OpInSet: "in"}

// String returns the operator's short name.
func (o Op) String() string {
	if o >= OpEq && o <= OpInSet {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText returns the operator's short name.
func (o Op) MarshalText() ([]byte, error) {
	if o < OpEq || o > OpInSet {
		return nil, fmt.Errorf("%w: unknown predicate operator %d", ErrMalformed, o)
	}
	return []byte(opNames[o]), nil
}

// UnmarshalText parses a short name ("eq", "ge", "in", ...).
func (o *Op) UnmarshalText(b []byte) error {
	op, ok := parseOp(string(b))
	if !ok {
		return fmt.Errorf("%w: unknown predicate operator %.20q", ErrMalformed, b)
	}
	*o = op
	return nil
}

// Predicate is one condition on one claim slot.
type Predicate struct {
	Slot uint8
	Op   Op
	A, B uint64
	Set  []fr.Element
}

// lowered is a predicate as circuit inputs.
type lowered struct {
	meta   uint64
	lo, hi uint64
	set    [MaxSetSize]fr.Element
}

// lower turns p into the circuit's form: ordered operators become an
// inclusive range, Eq a one-value set.
func (p *Predicate) lower() (lowered, error) {
	var l lowered
	if p.Slot >= NumSlots {
		return l, fmt.Errorf("%w: predicate slot %d, want < %d", ErrInvalidStatement, p.Slot, NumSlots)
	}
	l.meta = uint64(p.Slot)
	ordered := func() error {
		if len(p.Set) != 0 {
			return fmt.Errorf("%w: %s predicate takes no set", ErrInvalidStatement, p.Op)
		}
		if p.Op != OpInRange && p.B != 0 {
			return fmt.Errorf("%w: %s predicate takes only bound A", ErrInvalidStatement, p.Op)
		}
		l.meta |= flagRange
		return nil
	}
	switch p.Op {
	case OpLt, OpLe, OpGt, OpGe, OpInRange:
		if err := ordered(); err != nil {
			return l, err
		}
		switch p.Op {
		case OpLt:
			if p.A == 0 {
				return l, fmt.Errorf("%w: lt 0 holds for no value", ErrInvalidStatement)
			}
			l.lo, l.hi = 0, p.A-1
		case OpLe:
			l.lo, l.hi = 0, p.A
		case OpGt:
			if p.A == math.MaxUint64 {
				return l, fmt.Errorf("%w: gt 2^64-1 holds for no value", ErrInvalidStatement)
			}
			l.lo, l.hi = p.A+1, math.MaxUint64
		case OpGe:
			l.lo, l.hi = p.A, math.MaxUint64
		case OpInRange:
			if p.A > p.B {
				return l, fmt.Errorf("%w: range [%d, %d] is empty", ErrInvalidStatement, p.A, p.B)
			}
			l.lo, l.hi = p.A, p.B
		}
	case OpEq, OpNe, OpInSet:
		if p.A != 0 || p.B != 0 {
			return l, fmt.Errorf("%w: %s predicate takes no bounds", ErrInvalidStatement, p.Op)
		}
		if len(p.Set) == 0 || len(p.Set) > MaxSetSize || (p.Op != OpInSet && len(p.Set) != 1) {
			return l, fmt.Errorf("%w: %s predicate with %d values", ErrInvalidStatement, p.Op, len(p.Set))
		}
		if p.Op == OpNe {
			l.meta |= flagNe
			l.set[0] = p.Set[0]
			break
		}
		l.meta |= flagSet
		for i := range l.set {
			l.set[i] = p.Set[min(i, len(p.Set)-1)] // pad by repeating the last value
		}
	default:
		return l, fmt.Errorf("%w: unknown operator %d", ErrInvalidStatement, p.Op)
	}
	return l, nil
}

// holds evaluates the predicate on a slot value outside the circuit.
func (l *lowered) holds(v fr.Element) bool {
	switch {
	case l.meta&flagRange != 0:
		if !v.IsUint64() {
			return false
		}
		x := v.Uint64()
		return l.lo <= x && x <= l.hi
	case l.meta&flagSet != 0:
		for _, s := range l.set {
			if s == v {
				return true
			}
		}
		return false
	case l.meta&flagNe != 0:
		return v != l.set[0]
	}
	return true
}

// Request is what a verifier asks of a presentation: the credential type,
// the slots to disclose, up to MaxPredicates predicates, and the nonce and
// nullifier scope (field elements; consent derives them from its signed
// request, the scope with AgencyScope).
type Request struct {
	Type       fr.Element // credential.TypeID of the accepted type
	Disclose   uint16     // bit i: disclose slot i
	Predicates []Predicate
	Nonce      fr.Element
	Scope      fr.Element
}

// Statement is everything a proof is checked against: the request plus the
// issuer's key and revocation root (from the ledger) and the verifier's
// today (credential.DayValue).
type Statement struct {
	Request
	IssuerKey *eddsa.PublicKey
	Root      fr.Element
	Today     uint64
}

// lowered is the statement's predicates in circuit form, padded to K.
func (r *Request) lowered() ([MaxPredicates]lowered, error) {
	var out [MaxPredicates]lowered
	if len(r.Predicates) > MaxPredicates {
		return out, fmt.Errorf("%w: %d predicates, at most %d", ErrInvalidStatement, len(r.Predicates), MaxPredicates)
	}
	for i := range r.Predicates {
		l, err := r.Predicates[i].lower()
		if err != nil {
			return out, fmt.Errorf("predicate %d: %w", i, err)
		}
		out[i] = l
	}
	return out, nil
}

// publicValues lists the circuit's public values in digest order.
func (s *Statement) publicValues(nullifier fr.Element, disclosed *[NumSlots]fr.Element) ([]fr.Element, error) {
	if s.IssuerKey == nil {
		return nil, fmt.Errorf("%w: no issuer key", ErrInvalidStatement)
	}
	preds, err := s.lowered()
	if err != nil {
		return nil, err
	}
	u := func(x uint64) fr.Element { var e fr.Element; e.SetUint64(x); return e }
	xs := make([]fr.Element, 0, 9+NumSlots+MaxPredicates*(3+MaxSetSize))
	xs = append(xs, s.IssuerKey.A.X, s.IssuerKey.A.Y, s.Type, u(s.Today), s.Root, s.Nonce, s.Scope, nullifier, u(uint64(s.Disclose)))
	for i := range NumSlots {
		if s.Disclose&(1<<i) != 0 {
			xs = append(xs, disclosed[i])
		} else {
			xs = append(xs, fr.Element{})
		}
	}
	for _, p := range preds {
		xs = append(xs, u(p.meta), u(p.lo), u(p.hi))
		xs = append(xs, p.set[:]...)
	}
	return xs, nil
}

// digest is the circuit's single public input:
//
//	zkhash.Hash(TagStatement, IssuerX, IssuerY, Type, Today, Root, Nonce,
//	    Scope, Nullifier, Mask, Disclosed[0..15],
//	    for each of the K predicate positions: Meta, Lo, Hi, Set[0..7])
//
// with Disclosed[i] = 0 for slots not disclosed, Meta = slot + 16·range +
// 32·set + 64·ne, and unused positions all zero.
func (s *Statement) digest(nullifier fr.Element, disclosed *[NumSlots]fr.Element) (fr.Element, error) {
	xs, err := s.publicValues(nullifier, disclosed)
	if err != nil {
		return fr.Element{}, err
	}
	return digestOf(xs), nil
}

// digestInput is digest left to finish (see StatementV2.digestInput).
func (s *Statement) digestInput(nullifier fr.Element, disclosed *[NumSlots]fr.Element) (digestInput, error) {
	xs, err := s.publicValues(nullifier, disclosed)
	if err != nil {
		return digestInput{}, err
	}
	return digestInput{sp: zkhash.NewSponge(zkhash.TagStatement, len(xs)), rest: xs}, nil
}

func digestOf(xs []fr.Element) fr.Element { return zkhash.Hash(zkhash.TagStatement, xs...) }

// errStatementEncoding is returned by Statement's encoding methods.
var errStatementEncoding = fmt.Errorf("%w: a Statement is not encoded (the verifier assembles it from its own trusted inputs); encode its Request", ErrInvalidStatement)

// MarshalBinary refuses, so that the encoding methods promoted from the
// embedded Request cannot silently drop the issuer key, root and date.
func (s *Statement) MarshalBinary() ([]byte, error) { return nil, errStatementEncoding }

// UnmarshalBinary refuses (see MarshalBinary).
func (s *Statement) UnmarshalBinary([]byte) error { return errStatementEncoding }

// MarshalJSON refuses (see MarshalBinary).
func (s *Statement) MarshalJSON() ([]byte, error) { return nil, errStatementEncoding }

// UnmarshalJSON refuses (see MarshalBinary).
func (s *Statement) UnmarshalJSON([]byte) error { return errStatementEncoding }
