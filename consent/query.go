package consent

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// queries returns the credential positions of a request or grant: first,
// then also, in order.
func queries(first Query, also []Query) []Query {
	return append([]Query{first}, also...)
}

// checkQueries validates the positions of a request or grant: at most
// MaxCredentials, each a valid Query, at most MaxPredicates predicates in
// total (one proof answers them all).
func checkQueries(qs []Query) error {
	if len(qs) > MaxCredentials {
		return fmt.Errorf("%w: %d credentials, at most %d", ErrMalformed, len(qs), MaxCredentials)
	}
	n := 0
	for i := range qs {
		if err := qs[i].check(); err != nil {
			if i == 0 {
				return err
			}
			return fmt.Errorf("credential %d: %w", i+1, err)
		}
		n += len(qs[i].Predicates)
	}
	if n > MaxPredicates {
		return fmt.Errorf("%w: %d predicates over all credentials, at most %d", ErrMalformed, n, MaxPredicates)
	}
	return nil
}

func normalizeQueries(qs []Query) {
	for i := range qs {
		qs[i].normalize()
	}
}

func cloneQueries(qs []Query) []Query {
	if qs == nil {
		return nil
	}
	out := make([]Query, len(qs))
	for i := range qs {
		out[i] = qs[i].clone()
	}
	return out
}

// encodeAlso writes the further credential positions and the issuer
// choice: the part format version 3 adds to requests and grants.
func encodeAlso(e *encoder, also []Query, reveal bool) {
	e.uvarint(uint64(len(also)))
	for i := range also {
		also[i].encode(e)
	}
	if reveal {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

func decodeAlso(d *decoder) ([]Query, bool) {
	var also []Query
	if n := d.count(MaxCredentials - 1); n > 0 {
		also = make([]Query, n)
		for i := range also {
			also[i].decode(d)
		}
	}
	switch b := d.byte(); b {
	case 0, 1:
		return also, b == 1
	default:
		d.fail(fmt.Errorf("issuer choice %d, want 0 or 1", b))
		return nil, false
	}
}

// fitsFormat2 reports whether a request or grant can be written in format
// version 2: one credential and the issuer revealed, as every request and
// grant was before version 3. Such values keep their version 2 bytes, so
// their signatures, ids and anchored receipts stay valid.
func fitsFormat2(also []Query, reveal bool) bool { return len(also) == 0 && reveal }

// jsonFormat2 applies the rule for JSON forms without a "revealIssuer"
// member: they are version 2 forms, which revealed the issuer and asked
// for one credential.
func jsonFormat2(b []byte, what string, reveal *bool, also []Query) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if _, ok := m["revealIssuer"]; ok {
		return nil
	}
	if len(also) > 0 {
		return fmt.Errorf("%w: %s with further credentials must say revealIssuer", ErrMalformed, what)
	}
	*reveal = true
	return nil
}

// PartAt returns the name of a part of a grant (TypePart, DisclosurePart,
// Predicate.Part) at credential position pos (1-based): the part itself at
// position 1, as grants of one credential name it, and
// "credential<pos>:<part>" at positions 2 and 3.
func PartAt(pos int, part string) string {
	if pos <= 1 {
		return part
	}
	return "credential" + strconv.Itoa(pos) + ":" + part
}
