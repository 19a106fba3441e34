package zkp

import (
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// CredentialRequest is what a v2 request asks of one credential.
type CredentialRequest struct {
	Type     fr.Element // credential.TypeID of the accepted type
	Disclose uint16     // bit i: disclose slot i
	// RevealIssuer selects the issuer-revealing form: the proof carries
	// the signing key (as a disclosed value, checked to be the key of the
	// issuer-set leaf the proof opens). False is the issuer-hiding form:
	// the verifier learns only that an accredited key signed.
	RevealIssuer bool
}

// PredicateV2 is a predicate on slot Slot of the request's credential
// number Cred (0-based, in RequestV2.Credentials order).
type PredicateV2 struct {
	Cred uint8
	Predicate
}

// RequestV2 is what a verifier asks of a v2 presentation: one to
// MaxCredentials credentials, all bound to the same holder secret, each
// with its own type, disclosures and issuer form, and up to MaxPredicates
// predicates in total over them; a nonce and a nullifier scope as in
// Request.
type RequestV2 struct {
	Credentials []CredentialRequest
	Predicates  []PredicateV2
	Nonce       fr.Element
	Scope       fr.Element
}

// StatementV2 is everything a v2 proof is checked against: the request,
// the issuer-set root of each requested credential's type (from the
// ledger; IssuerSets[i] for Credentials[i]) and the verifier's today
// (credential.DayValue).
type StatementV2 struct {
	RequestV2
	IssuerSets []fr.Element
	Today      uint64
}

// Shape returns the v2 shape that proves the request with backend b
// (ShapeV2(b, len(r.Credentials))).
func (r *RequestV2) Shape(b Backend) Shape { return ShapeV2(b, len(r.Credentials)) }

// loweredV2 is a v2 predicate in circuit form.
type loweredV2 struct {
	cred, slot uint8
	meta       uint64
	vals       [MaxSetSize]fr.Element
	l          lowered // for holds
}

// lowered checks the request against the circuit's limits and returns its
// predicates in circuit form, padded to MaxPredicates.
func (r *RequestV2) lowered() ([MaxPredicates]loweredV2, error) {
	var out [MaxPredicates]loweredV2
	n := len(r.Credentials)
	if n < 1 || n > MaxCredentials {
		return out, fmt.Errorf("%w: %d credentials, want 1 to %d", ErrInvalidStatement, n, MaxCredentials)
	}
	if len(r.Predicates) > MaxPredicates {
		return out, fmt.Errorf("%w: %d predicates, at most %d in total", ErrInvalidStatement, len(r.Predicates), MaxPredicates)
	}
	for i := range r.Predicates {
		p := &r.Predicates[i]
		if int(p.Cred) >= n {
			return out, fmt.Errorf("%w: predicate %d names credential %d of %d", ErrInvalidStatement, i, p.Cred, n)
		}
		l, err := p.Predicate.lower()
		if err != nil {
			return out, fmt.Errorf("predicate %d: %w", i, err)
		}
		o := loweredV2{cred: p.Cred, slot: p.Slot, l: l, meta: uint64(p.Slot) | uint64(p.Cred)<<metaCredShift}
		switch {
		case l.meta&flagRange != 0:
			o.meta |= metaRange
			o.vals[0].SetUint64(l.lo)
			o.vals[1].SetUint64(l.hi)
		case l.meta&flagSet != 0:
			o.meta |= metaSet
			o.vals = l.set
		case l.meta&flagNe != 0:
			o.meta |= metaNe
			o.vals[0] = l.set[0]
		}
		out[i] = o
	}
	return out, nil
}

// flags packs the credentials' masks and reveal bits as the circuit's
// Flags value.
func (r *RequestV2) flags() uint64 {
	var f uint64
	for i, c := range r.Credentials {
		v := uint64(c.Disclose)
		if c.RevealIssuer {
			v |= 1 << NumSlots
		}
		f |= v << (credFlagBits * i)
	}
	return f
}

// check validates the statement beyond its request.
func (s *StatementV2) check() ([MaxPredicates]loweredV2, error) {
	preds, err := s.lowered()
	if err != nil {
		return preds, err
	}
	if len(s.IssuerSets) != len(s.Credentials) {
		return preds, fmt.Errorf("%w: %d issuer-set roots for %d credentials", ErrInvalidStatement, len(s.IssuerSets), len(s.Credentials))
	}
	return preds, nil
}

// prefix returns the request-constant part of the digest preimage, padded
// with zeros to a multiple of zkhash.Rate:
//
//	Today, Scope, Flags, (Type, IssuerSet) per credential,
//	(Meta, Vals[0..7]) per predicate position, 0…
func (s *StatementV2) prefix() ([]fr.Element, error) {
	preds, err := s.check()
	if err != nil {
		return nil, err
	}
	n := len(s.Credentials)
	xs := make([]fr.Element, paddedPrefixLenV2(n))
	xs[0].SetUint64(s.Today)
	xs[1] = s.Scope
	xs[2].SetUint64(s.flags())
	k := 3
	for i := range s.Credentials {
		xs[k], xs[k+1] = s.Credentials[i].Type, s.IssuerSets[i]
		k += 2
	}
	for i := range preds {
		xs[k].SetUint64(preds[i].meta)
		copy(xs[k+1:], preds[i].vals[:])
		k += 1 + MaxSetSize
	}
	return xs, nil
}

// proven is what a proof carries for one credential beyond the request:
// the revealed key (zero when hiding) and the disclosed values (zero for
// slots not disclosed).
type proven struct {
	issuerX, issuerY fr.Element
	disclosed        [NumSlots]fr.Element
}

// suffix returns the per-presentation part of the digest preimage:
//
//	Nonce, Nullifier, (IssuerX, IssuerY, Disclosed[0..15]) per credential
func (s *StatementV2) suffix(nullifier fr.Element, creds []proven) []fr.Element {
	xs := make([]fr.Element, 0, suffixLenV2(len(creds)))
	xs = append(xs, s.Nonce, nullifier)
	for i := range creds {
		xs = append(xs, creds[i].issuerX, creds[i].issuerY)
		xs = append(xs, creds[i].disclosed[:]...)
	}
	return xs
}

// digest is the v2 circuit's single public input:
// zkhash.Hash(TagStatementV2, prefix..., suffix...). The sponge state
// after the prefix is cached (digestPrefixes), so a verifier checking
// many proofs of one request on one day hashes only the suffix of each.
func (s *StatementV2) digest(nullifier fr.Element, creds []proven) (fr.Element, error) {
	in, err := s.digestInput(nullifier, creds)
	if err != nil {
		return fr.Element{}, err
	}
	return in.sum(), nil
}

// digestInput is digest before its last permutations: the sponge after
// the (cached) prefix and the suffix still to absorb.
func (s *StatementV2) digestInput(nullifier fr.Element, creds []proven) (digestInput, error) {
	pre, err := s.prefix()
	if err != nil {
		return digestInput{}, err
	}
	if len(creds) != len(s.Credentials) {
		return digestInput{}, fmt.Errorf("%w: values of %d credentials, statement has %d", ErrInvalidStatement, len(creds), len(s.Credentials))
	}
	sp := digestPrefixes.state(pre, len(pre)+suffixLenV2(len(creds)))
	return digestInput{sp: sp, rest: s.suffix(nullifier, creds)}, nil
}

// digestInput is a statement digest left to finish: a sponge and the
// inputs it still has to absorb. A batch finishes many together
// (sumDigests).
type digestInput struct {
	sp   zkhash.Sponge
	rest []fr.Element
}

// sum finishes the digest.
func (d digestInput) sum() fr.Element {
	d.sp.Absorb(d.rest...)
	return d.sp.Sum()
}

// sumDigests finishes many digests, their permutations computed together
// (zkhash.SumAll).
func sumDigests(ins []digestInput) []fr.Element {
	sps := make([]zkhash.Sponge, len(ins))
	rests := make([][]fr.Element, len(ins))
	for i := range ins {
		sps[i], rests[i] = ins[i].sp, ins[i].rest
	}
	return zkhash.SumAll(sps, rests)
}

// prefixCache keeps the sponge states of recent digest prefixes, keyed by
// the prefix itself and the preimage length, so a hit is always the state
// the prefix would give. It holds at most maxEntries states and forgets
// all of them when full (a verifier has a handful of live requests a day).
// It is safe for concurrent use.
type prefixCache struct {
	mu         sync.Mutex
	m          map[string]zkhash.Sponge
	maxEntries int
}

var digestPrefixes = &prefixCache{maxEntries: 256}

func (c *prefixCache) state(prefix []fr.Element, total int) zkhash.Sponge {
	key := make([]byte, 0, 4+32*len(prefix))
	key = append(key, byte(total>>24), byte(total>>16), byte(total>>8), byte(total))
	for i := range prefix {
		b := prefix[i].Bytes()
		key = append(key, b[:]...)
	}
	c.mu.Lock()
	sp, ok := c.m[string(key)]
	c.mu.Unlock()
	if ok {
		return sp
	}
	sp = zkhash.NewSponge(zkhash.TagStatementV2, total)
	sp.Absorb(prefix...)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.maxEntries {
		c.m = make(map[string]zkhash.Sponge)
	}
	c.m[string(key)] = sp
	c.mu.Unlock()
	return sp
}

// MarshalBinary refuses, so that the encoding methods promoted from the
// embedded RequestV2 cannot silently drop the roots and date.
func (s *StatementV2) MarshalBinary() ([]byte, error) { return nil, errStatementEncoding }

// UnmarshalBinary refuses (see MarshalBinary).
func (s *StatementV2) UnmarshalBinary([]byte) error { return errStatementEncoding }
