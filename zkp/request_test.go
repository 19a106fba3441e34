package zkp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
)

// testRequests covers every operator and the empty request.
func testRequests(t testing.TB) map[string]Request {
	f := newFixture(t)
	ward := credential.HashString("Ward 2")
	return map[string]Request{
		"fixture": f.st.Request,
		"empty":   {Type: f.st.Type, Nonce: elem(1), Scope: elem(2)},
		"eq ne lt gt": {Type: f.st.Type, Disclose: 0xffff, Nonce: elem(3), Scope: elem(4), Predicates: []Predicate{
			{Slot: 1, Op: OpEq, Set: []fr.Element{ward}},
			{Slot: 1, Op: OpNe, Set: []fr.Element{elem(0)}},
			{Slot: 2, Op: OpLt, A: 1},
			{Slot: 15, Op: OpGt, A: math.MaxUint64 - 1},
		}},
		"full set": {Type: f.st.Type, Nonce: elem(5), Scope: elem(6), Predicates: []Predicate{
			{Slot: 3, Op: OpInSet, Set: []fr.Element{elem(1), elem(2), elem(3), elem(4), elem(5), elem(6), elem(7), ward}},
			{Slot: 0, Op: OpInRange, A: 0, B: math.MaxUint64},
		}},
	}
}

func TestRequestRoundTrip(t *testing.T) {
	for name, r := range testRequests(t) {
		t.Run(name, func(t *testing.T) {
			b, err := r.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got Request
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if b2, _ := got.MarshalBinary(); !bytes.Equal(b, b2) {
				t.Fatal("binary round trip changed the encoding")
			}
			assertSameRequest(t, &r, &got)

			j, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			var gotJ Request
			if err := json.Unmarshal(j, &gotJ); err != nil {
				t.Fatalf("UnmarshalJSON(%s): %v", j, err)
			}
			if j2, _ := json.Marshal(&gotJ); !bytes.Equal(j, j2) {
				t.Fatalf("JSON round trip changed the encoding:\n%s\n%s", j, j2)
			}
			assertSameRequest(t, &r, &gotJ)
		})
	}
}

// assertSameRequest compares requests up to nil and empty slices.
func assertSameRequest(t *testing.T, want, got *Request) {
	t.Helper()
	norm := func(r *Request) Request {
		c := *r
		c.Predicates = nil
		for _, p := range r.Predicates {
			if len(p.Set) == 0 {
				p.Set = nil
			}
			c.Predicates = append(c.Predicates, p)
		}
		return c
	}
	if w, g := norm(want), norm(got); !reflect.DeepEqual(w, g) {
		t.Fatalf("decoded request differs:\nwant %+v\ngot  %+v", w, g)
	}
}

func TestRequestEncodingLayout(t *testing.T) {
	r := Request{Type: elem(1), Disclose: 0x0102, Nonce: elem(2), Scope: elem(3), Predicates: []Predicate{
		{Slot: 4, Op: OpInRange, A: 5, B: 6},
		{Slot: 7, Op: OpInSet, Set: []fr.Element{elem(8), elem(9)}},
	}}
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := "CPRQ\x01" + strings.Repeat("\x00", 31) + "\x01" + "\x01\x02" +
		strings.Repeat("\x00", 31) + "\x02" + strings.Repeat("\x00", 31) + "\x03" + "\x02" +
		"\x04\x07" + "\x00\x00\x00\x00\x00\x00\x00\x05" + "\x00\x00\x00\x00\x00\x00\x00\x06" + "\x00" +
		"\x07\x08" + strings.Repeat("\x00", 16) + "\x02" + strings.Repeat("\x00", 31) + "\x08" + strings.Repeat("\x00", 31) + "\x09"
	if string(b) != want {
		t.Fatalf("encoding\n%x\nwant\n%x", b, want)
	}
	j, _ := json.Marshal(&r)
	z := strings.Repeat("0", 63)
	wantJ := `{"type":"` + z + `1","disclose":258,"predicates":[{"slot":4,"op":"range","a":"5","b":"6"},` +
		`{"slot":7,"op":"in","set":["` + z + `8","` + z + `9"]}],"nonce":"` + z + `2","scope":"` + z + `3"}`
	if string(j) != wantJ {
		t.Fatalf("JSON\n%s\nwant\n%s", j, wantJ)
	}
}

func TestRequestMarshalRefusesInvalid(t *testing.T) {
	for _, r := range []Request{
		{Predicates: make([]Predicate, MaxPredicates+1)},
		{Predicates: []Predicate{{Slot: 0, Op: OpInRange, A: 2, B: 1}}},
		{Predicates: []Predicate{{Slot: 0, Op: OpInSet, Set: make([]fr.Element, MaxSetSize+1)}}},
	} {
		if _, err := r.MarshalBinary(); !errors.Is(err, ErrInvalidStatement) {
			t.Errorf("MarshalBinary = %v, want ErrInvalidStatement", err)
		}
		if _, err := r.MarshalJSON(); !errors.Is(err, ErrInvalidStatement) {
			t.Errorf("MarshalJSON = %v, want ErrInvalidStatement", err)
		}
	}
}

func TestRequestUnmarshalBinaryStrict(t *testing.T) {
	base := testRequests(t)["fixture"]
	good, err := base.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	modulus := fr.Modulus().FillBytes(make([]byte, 32))
	pred0 := requestHeader           // first predicate
	set1 := pred0 + predicateFixed*2 // first set value of the second predicate (the first has no set)
	tests := []struct {
		name   string
		mutate func(b []byte) []byte
	}{
		{"empty", func([]byte) []byte { return nil }},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }},
		{"version", func(b []byte) []byte { b[4] = 2; return b }},
		{"truncated header", func(b []byte) []byte { return b[:requestHeader-1] }},
		{"truncated predicate", func(b []byte) []byte { return b[:pred0+5] }},
		{"truncated set", func(b []byte) []byte { return b[:set1+31] }},
		{"truncated end", func(b []byte) []byte { return b[:len(b)-1] }},
		{"trailing byte", func(b []byte) []byte { return append(b, 0) }},
		{"type not canonical", func(b []byte) []byte { copy(b[5:], modulus); return b }},
		{"nonce not canonical", func(b []byte) []byte { copy(b[39:], modulus); return b }},
		{"scope not canonical", func(b []byte) []byte { copy(b[71:], modulus); return b }},
		{"set value not canonical", func(b []byte) []byte { copy(b[set1:], modulus); return b }},
		{"too many predicates", func(b []byte) []byte { b[103] = MaxPredicates + 1; return b }},
		{"set too large", func(b []byte) []byte { b[pred0+predicateFixed+18] = MaxSetSize + 1; return b }},
		{"slot out of range", func(b []byte) []byte { b[pred0] = NumSlots; return b }},
		{"unknown op", func(b []byte) []byte { b[pred0+1] = 0; return b }},
		{"unknown op 9", func(b []byte) []byte { b[pred0+1] = byte(OpInSet + 1); return b }},
		{"empty range", func(b []byte) []byte {
			// predicate 3 is InRange: swap its bounds
			at := len(b) - predicateFixed
			a, c := binary.BigEndian.Uint64(b[at+2:]), binary.BigEndian.Uint64(b[at+10:])
			binary.BigEndian.PutUint64(b[at+2:], c)
			binary.BigEndian.PutUint64(b[at+10:], a)
			return b
		}},
		{"le with bound B", func(b []byte) []byte { b[pred0+17] = 1; return b }},
		{"lt 0", func(b []byte) []byte {
			b[pred0+1] = byte(OpLt)
			binary.BigEndian.PutUint64(b[pred0+2:], 0)
			return b
		}},
		{"ordered op with a set", func(b []byte) []byte { b[pred0+predicateFixed+1] = byte(OpGe); return b }},
		{"eq with two values", func(b []byte) []byte { b[pred0+predicateFixed+1] = byte(OpEq); return b }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mutate(bytes.Clone(good))
			r := testRequests(t)["eq ne lt gt"]
			before := r
			before.Predicates = append([]Predicate(nil), r.Predicates...)
			err := r.UnmarshalBinary(b)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnmarshalBinary = %v, want ErrMalformed", err)
			}
			if !reflect.DeepEqual(r, before) {
				t.Fatal("receiver changed on error")
			}
		})
	}
}

func TestRequestUnmarshalJSONStrict(t *testing.T) {
	base := testRequests(t)["fixture"]
	good, err := json.Marshal(&base)
	if err != nil {
		t.Fatal(err)
	}
	typ := hexElem(&base.Type)
	modulus := fr.Modulus().Text(16)
	tests := []struct {
		name string
		from string // replace the first occurrence
		to   string
	}{
		{"uppercase hex", typ, strings.ToUpper(typ)},
		{"63 digits", typ, typ[1:]},
		{"0x prefix", typ, "0x" + typ[2:]},
		{"not canonical", typ, modulus},
		{"unknown field", `"disclose"`, `"extra":1,"disclose"`},
		{"unknown predicate field", `"slot":0`, `"slot":0,"c":"1"`},
		{"unknown op", `"op":"le"`, `"op":"lte"`},
		{"op by number", `"op":"le"`, `"op":4`},
		{"bound as number", `"a":"` + itoa(base.Predicates[0].A) + `"`, `"a":` + itoa(base.Predicates[0].A)},
		{"bound not decimal", `"a":"` + itoa(base.Predicates[0].A) + `"`, `"a":"0x10"`},
		{"slot out of range", `"slot":0`, `"slot":16`},
		{"slot overflows", `"slot":0`, `"slot":256`},
		{"disclose overflows", `"disclose":4`, `"disclose":65536`},
		{"missing nonce", `,"nonce":"` + hexElem(&base.Nonce) + `"`, ``},
		{"empty range", `"b":"` + itoa(base.Predicates[3].B) + `"`, `"b":"1"`},
		{"trailing data", `}]`, `}]`}, // replaced below
		{"set on ordered op", `"op":"le"`, `"op":"le","set":["` + typ + `"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := strings.Replace(string(good), tc.from, tc.to, 1)
			if tc.name == "trailing data" {
				s += " {}"
			}
			if s == string(good) {
				t.Fatalf("mutation %q did not apply to %s", tc.from, good)
			}
			r := testRequests(t)["empty"]
			before := r
			err := r.UnmarshalJSON([]byte(s))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnmarshalJSON(%s) = %v, want ErrMalformed", s, err)
			}
			if !reflect.DeepEqual(r, before) {
				t.Fatal("receiver changed on error")
			}
		})
	}
	// Too many predicates and a set too large.
	var w map[string]any
	_ = json.Unmarshal(good, &w)
	preds := w["predicates"].([]any)
	w["predicates"] = append(preds, preds[0])
	big, _ := json.Marshal(w)
	var r Request
	if err := r.UnmarshalJSON(big); !errors.Is(err, ErrMalformed) {
		t.Fatalf("five predicates: %v", err)
	}
	set := make([]string, MaxSetSize+1)
	for i := range set {
		set[i] = typ
	}
	preds[1].(map[string]any)["set"] = set
	w["predicates"] = preds
	big, _ = json.Marshal(w)
	if err := r.UnmarshalJSON(big); !errors.Is(err, ErrMalformed) {
		t.Fatalf("nine set values: %v", err)
	}
	if err := r.UnmarshalJSON([]byte(`null`)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("null: %v", err)
	}
}

func itoa(x uint64) string { b, _ := json.Marshal(x); return string(b) }

// TestStatementNotEncoded: a Statement does not pass for its Request.
func TestStatementNotEncoded(t *testing.T) {
	st := newFixture(t).st
	if _, err := st.MarshalBinary(); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("MarshalBinary = %v", err)
	}
	if _, err := json.Marshal(&st); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("json.Marshal = %v", err)
	}
	if err := json.Unmarshal([]byte(`{}`), &st); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("json.Unmarshal = %v", err)
	}
	if err := st.UnmarshalBinary(nil); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("UnmarshalBinary = %v", err)
	}
}

// TestAgencyScope: the scope element binds the agency and the scope name,
// with their boundary, and matches its specification.
func TestAgencyScope(t *testing.T) {
	a := AgencyScope("did:key:zA", "age-check")
	for _, tc := range []struct{ agency, name string }{
		{"did:key:zB", "age-check"}, {"did:key:zA", "age-check2"}, {"did:key:zAa", "ge-check"}, {"", "did:key:zAage-check"},
	} {
		if b := AgencyScope(tc.agency, tc.name); a.Equal(&b) {
			t.Fatalf("AgencyScope(%q, %q) equals AgencyScope(did:key:zA, age-check)", tc.agency, tc.name)
		}
	}
	// The specification, spelled out.
	msg := append([]byte("civicproof/zkp/agency-scope/v1"), 10)
	msg = append(msg, "did:key:zA"...)
	msg = append(msg, 9)
	msg = append(msg, "age-check"...)
	h := sha256.Sum256(msg)
	var want fr.Element
	want.SetBytes(h[:])
	if !a.Equal(&want) {
		t.Fatal("AgencyScope does not follow its documented encoding")
	}
}
