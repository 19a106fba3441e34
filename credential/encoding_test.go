package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

func feU(v uint64) fr.Element {
	var e fr.Element
	e.SetUint64(v)
	return e
}

// daysSinceEpoch is an independent day count: whole days between the Unix
// epoch and the date, by calendar arithmetic (floor division for dates
// before 1970).
func daysSinceEpoch(y int, m time.Month, d int) int64 {
	sec := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	return int64(math.Floor(float64(sec) / 86400))
}

func TestEncodeClaimTable(t *testing.T) {
	s := testSchema(t)
	def := func(name string) *ClaimDef {
		d, ok := s.Claim(name)
		if !ok {
			t.Fatalf("no claim %q", name)
		}
		return &d
	}
	dateVal := func(days int64) fr.Element { return feU(uint64(days) ^ 1<<63) }
	unbounded := &ClaimDef{Name: "n", Type: TypeInteger}
	unboundedU := &ClaimDef{Name: "u", Type: TypeUnsigned}
	tests := []struct {
		desc    string
		def     *ClaimDef
		in      any
		want    fr.Element
		wantErr error
	}{
		{"epoch", def("birthDate"), "1970-01-01", feU(1 << 63), nil},
		{"day before epoch", def("birthDate"), "1969-12-31", feU(1<<63 - 1), nil},
		{"leap day 2000", def("birthDate"), "2000-02-29", dateVal(11016), nil},
		{"leap day 2024", def("birthDate"), "2024-02-29", dateVal(daysSinceEpoch(2024, 2, 29)), nil},
		{"day after leap day", def("birthDate"), "2024-03-01", dateVal(daysSinceEpoch(2024, 2, 29) + 1), nil},
		{"1900 not leap", def("birthDate"), "1900-03-01", dateVal(daysSinceEpoch(1900, 2, 28) + 1), nil},
		{"before 1970", def("birthDate"), "1900-01-01", dateVal(-25567), nil},
		{"year 1", def("birthDate"), "0001-01-01", dateVal(-719162), nil},
		{"year 9999", def("birthDate"), "9999-12-31", dateVal(2932896), nil},
		{"time.Time keeps its own calendar date", def("birthDate"),
			time.Date(1990, 5, 17, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)), dateVal(daysSinceEpoch(1990, 5, 17)), nil},
		{"2023-02-29 does not exist", def("birthDate"), "2023-02-29", fr.Element{}, ErrClaimType},
		{"date not zero padded", def("birthDate"), "2000-2-29", fr.Element{}, ErrClaimType},
		{"date as number", def("birthDate"), 20000229, fr.Element{}, ErrClaimType},
		{"year 10000", def("birthDate"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), fr.Element{}, ErrClaimRange},
		{"year 0", def("birthDate"), time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC), fr.Element{}, ErrClaimRange},

		{"int zero", unbounded, 0, feU(1 << 63), nil},
		{"int -1", unbounded, int64(-1), feU(1<<63 - 1), nil},
		{"int max", unbounded, int64(math.MaxInt64), feU(math.MaxUint64), nil},
		{"int min", unbounded, int64(math.MinInt64), feU(0), nil},
		{"int from uint64", unbounded, uint64(7), feU(7 ^ 1<<63), nil},
		{"int from big uint64", unbounded, uint64(math.MaxInt64 + 1), fr.Element{}, ErrClaimRange},
		{"int json number", unbounded, json.Number("-9223372036854775808"), feU(0), nil},
		{"int json overflow", unbounded, json.Number("9223372036854775808"), fr.Element{}, ErrClaimRange},
		{"int json fraction", unbounded, json.Number("1.5"), fr.Element{}, ErrClaimType},
		{"int float", unbounded, 1.0, fr.Element{}, ErrClaimType},
		{"int string", unbounded, "1", fr.Element{}, ErrClaimType},
		{"int at min bound", def("balance"), -1000, feU(IntValue(-1000)), nil},
		{"int at max bound", def("balance"), 1000, feU(1000 ^ 1<<63), nil},
		{"int below min", def("balance"), -1001, fr.Element{}, ErrClaimRange},
		{"int above max", def("balance"), 1001, fr.Element{}, ErrClaimRange},

		{"uint max", unboundedU, uint64(math.MaxUint64), feU(math.MaxUint64), nil},
		{"uint zero", unboundedU, uint(0), feU(0), nil},
		{"uint from int", unboundedU, 5, feU(5), nil},
		{"uint negative", unboundedU, -1, fr.Element{}, ErrClaimRange},
		{"uint json max", unboundedU, json.Number("18446744073709551615"), feU(math.MaxUint64), nil},
		{"uint json overflow", unboundedU, json.Number("18446744073709551616"), fr.Element{}, ErrClaimRange},
		{"uint json negative", unboundedU, json.Number("-1"), fr.Element{}, ErrClaimRange},
		{"uint bool", unboundedU, true, fr.Element{}, ErrClaimType},
		{"uint at max bound", def("monthsPaid"), 600, feU(600), nil},
		{"uint above max", def("monthsPaid"), 601, fr.Element{}, ErrClaimRange},

		{"bool true", def("resident"), true, feU(1), nil},
		{"bool false", def("resident"), false, feU(0), nil},
		{"bool as int", def("resident"), 1, fr.Element{}, ErrClaimType},

		{"enum first", def("licenceClass"), "A", feU(0), nil},
		{"enum last", def("licenceClass"), "C", feU(2), nil},
		{"enum unknown", def("licenceClass"), "D", fr.Element{}, ErrClaimRange},
		{"enum case matters", def("licenceClass"), "a", fr.Element{}, ErrClaimRange},
		{"enum index", def("licenceClass"), 1, fr.Element{}, ErrClaimType},

		{"string", def("district"), "Ward 7", HashString("Ward 7"), nil},
		{"string empty", def("district"), "", HashString(""), nil},
		{"string at max len", def("district"), strings.Repeat("x", 64), HashString(strings.Repeat("x", 64)), nil},
		{"string too long", def("district"), strings.Repeat("x", 65), fr.Element{}, ErrClaimRange},
		{"string invalid utf8", def("district"), "\xff\xfe", fr.Element{}, ErrClaimType},
		{"string as bytes", def("district"), []byte("Ward 7"), fr.Element{}, ErrClaimType},

		{"bytes", def("photoHash"), []byte{1, 2, 3}, HashBytes([]byte{1, 2, 3}), nil},
		{"bytes empty", def("photoHash"), []byte{}, HashBytes(nil), nil},
		{"bytes too long", def("photoHash"), make([]byte, 33), fr.Element{}, ErrClaimRange},
		{"bytes as string", def("photoHash"), "AQID", fr.Element{}, ErrClaimType},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := tc.def.Encode(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrInvalidClaim) {
					t.Fatalf("Encode(%v) error = %v, want %v and ErrInvalidClaim", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Encode(%v): %v", tc.in, err)
			}
			if !got.Equal(&tc.want) {
				t.Fatalf("Encode(%v) = %s, want %s", tc.in, got.String(), tc.want.String())
			}
		})
	}
}

func TestOrderPreserved(t *testing.T) {
	ints := []int64{math.MinInt64, -1 << 40, -1, 0, 1, 1 << 40, math.MaxInt64}
	for i := 1; i < len(ints); i++ {
		if !(IntValue(ints[i-1]) < IntValue(ints[i])) {
			t.Errorf("IntValue(%d) >= IntValue(%d)", ints[i-1], ints[i])
		}
	}
	dates := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(dates); i++ {
		if !(DayValue(dates[i-1]) < DayValue(dates[i])) {
			t.Errorf("DayValue(%v) >= DayValue(%v)", dates[i-1], dates[i])
		}
	}
	for _, d := range dates {
		if got := DayDate(DayValue(d)); !got.Equal(d) {
			t.Errorf("DayDate(DayValue(%v)) = %v", d, got)
		}
	}
}

func TestHashBytesConstruction(t *testing.T) {
	// Recompute the documented construction by hand for a 40-byte input:
	// length, then a 31-byte chunk and a 9-byte chunk.
	b := make([]byte, 40)
	for i := range b {
		b[i] = byte(i + 1)
	}
	var n, c0, c1 fr.Element
	n.SetUint64(40)
	c0.SetBytes(b[:31])
	c1.SetBytes(b[31:])
	want := zkhash.Hash(zkhash.TagString, n, c0, c1)
	if got := HashBytes(b); !got.Equal(&want) {
		t.Fatal("HashBytes does not follow its documented construction")
	}
	// Distinct inputs around chunk boundaries and trailing zeros differ.
	inputs := [][]byte{nil, {0}, {0, 0}, {'a'}, {'a', 0}, {0, 'a'},
		bytes.Repeat([]byte{1}, 30), bytes.Repeat([]byte{1}, 31), bytes.Repeat([]byte{1}, 32),
		append(bytes.Repeat([]byte{1}, 31), 0)}
	seen := map[fr.Element]int{}
	for i, in := range inputs {
		h := HashBytes(in)
		if j, ok := seen[h]; ok {
			t.Errorf("HashBytes(%x) == HashBytes(%x)", in, inputs[j])
		}
		seen[h] = i
	}
	if a, b := HashString("Ward 7"), HashBytes([]byte("Ward 7")); !a.Equal(&b) {
		t.Error("HashString differs from HashBytes of the UTF-8 bytes")
	}
}

func TestSchemaEncodeSlots(t *testing.T) {
	s := testSchema(t)
	slots, err := s.Encode(Claims{"birthDate": "1970-01-01", "resident": false, "district": "X"})
	if err != nil {
		t.Fatal(err)
	}
	absent := AbsentValue()
	for i := range slots {
		want := absent
		switch i {
		case 0:
			want = feU(1 << 63)
		case 3:
			want = feU(0)
		case 5:
			want = HashString("X")
		}
		if !slots[i].Equal(&want) {
			t.Errorf("slot %d = %s, want %s", i, slots[i].String(), want.String())
		}
	}
	// AbsentValue is p-1: adding one gives zero, and it exceeds every 64-bit value.
	var one fr.Element
	one.SetOne()
	sum := absent
	sum.Add(&sum, &one)
	if !sum.IsZero() {
		t.Error("AbsentValue + 1 != 0")
	}
}

func TestSchemaEncodeErrors(t *testing.T) {
	s := testSchema(t)
	base := testClaims()
	with := func(k string, v any) Claims {
		c := Claims{}
		for kk, vv := range base {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		desc    string
		claims  Claims
		wantErr error
	}{
		{"unknown claim", with("nickname", "x"), ErrUnknownClaim},
		{"id is not a claim", with("id", "did:key:z"), ErrUnknownClaim},
		{"missing required", with("district", nil), ErrMissingClaim},
		{"wrong type", with("resident", "yes"), ErrClaimType},
		{"out of range", with("monthsPaid", 601), ErrClaimRange},
		{"nil claims", nil, ErrMissingClaim},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := s.Encode(tc.claims)
			if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrInvalidClaim) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
	// Optional claims may be omitted.
	if _, err := s.Encode(with("balance", nil)); err != nil {
		t.Fatal(err)
	}
}

func TestSchemaValidation(t *testing.T) {
	ok := ClaimDef{Name: "a", Type: TypeBool, Slot: 0}
	tests := []struct {
		desc    string
		name    string
		version uint32
		claims  []ClaimDef
	}{
		{"empty name", "", 1, []ClaimDef{ok}},
		{"bad name", "Birth Cert", 1, []ClaimDef{ok}},
		{"version 0", "T", 0, []ClaimDef{ok}},
		{"no claims", "T", 1, nil},
		{"too many claims", "T", 1, func() []ClaimDef {
			var cs []ClaimDef
			for i := 0; i <= NumSlots; i++ {
				cs = append(cs, ClaimDef{Name: "c" + string(rune('a'+i)), Type: TypeBool, Slot: i % NumSlots})
			}
			return cs
		}()},
		{"duplicate name", "T", 1, []ClaimDef{ok, {Name: "a", Type: TypeBool, Slot: 1}}},
		{"duplicate slot", "T", 1, []ClaimDef{ok, {Name: "b", Type: TypeBool, Slot: 0}}},
		{"slot out of range", "T", 1, []ClaimDef{{Name: "a", Type: TypeBool, Slot: NumSlots}}},
		{"negative slot", "T", 1, []ClaimDef{{Name: "a", Type: TypeBool, Slot: -1}}},
		{"reserved id", "T", 1, []ClaimDef{{Name: "id", Type: TypeBool}}},
		{"unknown type", "T", 1, []ClaimDef{{Name: "a", Type: 99}}},
		{"bounds on bool", "T", 1, []ClaimDef{{Name: "a", Type: TypeBool, Min: i64(0)}}},
		{"min above max", "T", 1, []ClaimDef{{Name: "a", Type: TypeInteger, Min: i64(2), Max: i64(1)}}},
		{"negative unsigned bound", "T", 1, []ClaimDef{{Name: "a", Type: TypeUnsigned, Min: i64(-1)}}},
		{"enum without values", "T", 1, []ClaimDef{{Name: "a", Type: TypeEnum}}},
		{"enum duplicate", "T", 1, []ClaimDef{{Name: "a", Type: TypeEnum, Values: []string{"x", "x"}}}},
		{"values on string", "T", 1, []ClaimDef{{Name: "a", Type: TypeString, Values: []string{"x"}}}},
		{"maxLen on int", "T", 1, []ClaimDef{{Name: "a", Type: TypeInteger, MaxLen: 3}}},
		{"maxLen too big", "T", 1, []ClaimDef{{Name: "a", Type: TypeString, MaxLen: MaxClaimBytes + 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := NewSchema(tc.name, tc.version, tc.claims...); !errors.Is(err, ErrInvalidSchema) {
				t.Fatalf("NewSchema error = %v, want ErrInvalidSchema", err)
			}
		})
	}
}

func TestSchemaJSONAndHash(t *testing.T) {
	s := testSchema(t)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := ParseSchema(b)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := s.Hash()
	h2, _ := s2.Hash()
	if h1 != h2 {
		t.Fatal("schema hash changed across a JSON round trip")
	}
	// Extreme bounds survive canonicalization exactly (they are strings).
	big1 := MustSchema("T", 1, ClaimDef{Name: "a", Type: TypeInteger, Max: i64(math.MaxInt64)})
	big2 := MustSchema("T", 1, ClaimDef{Name: "a", Type: TypeInteger, Max: i64(math.MaxInt64 - 1)})
	hb1, _ := big1.Hash()
	hb2, _ := big2.Hash()
	if hb1 == hb2 {
		t.Fatal("schemas differing only in a large bound hash equal")
	}
	// Any change changes the hash.
	variants := []*Schema{
		MustSchema("CivicTestCard", 2, s.Claims...),
		MustSchema("CivicTestCardX", 1, s.Claims...),
	}
	c := append([]ClaimDef(nil), s.Claims...)
	c[0].Required = false
	variants = append(variants, MustSchema("CivicTestCard", 1, c...))
	for i, v := range variants {
		if h, _ := v.Hash(); h == h1 {
			t.Errorf("variant %d has the same hash", i)
		}
	}
	bad := []string{
		`{"name":"T","version":1,"claims":[{"name":"a","type":"bool","slot":0}],"extra":1}`,
		`{"name":"T","version":1,"claims":[{"name":"a","type":"float","slot":0}]}`,
		`{"name":"T","version":1,"claims":[{"name":"a","type":"integer","slot":0,"min":"01"}]}`,
		`{"name":"T","version":1,"claims":[{"name":"a","type":"integer","slot":0,"min":5}]}`,
		`{"name":"T","version":1,"claims":[]}`,
		`{"name":"T","version":1,"claims":[{"name":"a","type":"bool","slot":0}]} {}`,
	}
	for _, in := range bad {
		if _, err := ParseSchema([]byte(in)); !errors.Is(err, ErrInvalidSchema) {
			t.Errorf("ParseSchema(%s) error = %v, want ErrInvalidSchema", in, err)
		}
	}
}

func TestTypeID(t *testing.T) {
	a, b, c := TypeID("T", 1), TypeID("T", 2), TypeID("U", 1)
	if a.Equal(&b) || a.Equal(&c) {
		t.Fatal("type ids collide")
	}
	var v fr.Element
	v.SetUint64(1)
	want := zkhash.Hash(zkhash.TagTypeID, HashString("T"), v)
	if !a.Equal(&want) {
		t.Fatal("TypeID does not follow its documented construction")
	}
}
