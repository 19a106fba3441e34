package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
)

func TestRequestRoundTrip(t *testing.T) {
	agency := testKey(t, 1)
	r := sampleRequest(t, agency)
	if err := r.Verify(t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Sign sorted the set.
	if got := r.Predicates[1].Set; !(got[0] == fv(3) && got[1] == fv(7) && got[2] == fv(9)) {
		t.Fatalf("set not sorted: %v", got)
	}
	bin, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ParseRequest(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, r2) {
		t.Fatalf("binary round trip:\n%+v\n%+v", r, r2)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	r3, err := ParseRequestJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if r3.ID() != r.ID() || !bytes.Equal(r3.Signature, r.Signature) {
		t.Fatal("JSON round trip changed the request")
	}
	t.Logf("compact request: %d bytes, JSON: %d bytes", len(bin), len(js))
}

func TestRequestVerifyRefuses(t *testing.T) {
	agency := testKey(t, 1)
	other := testKey(t, 2)
	now := t0.Add(time.Minute)
	tests := []struct {
		name    string
		mutate  func(r *Request)
		now     time.Time
		wantErr error
	}{
		{"valid", func(r *Request) {}, now, nil},
		{"expired", func(r *Request) {}, t0.Add(10 * time.Minute), ErrExpired},
		{"not yet valid", func(r *Request) {}, t0.Add(-ClockSkew - time.Second), ErrExpired},
		{"issued slightly ahead", func(r *Request) {}, t0.Add(-ClockSkew), nil},
		{"purpose changed", func(r *Request) { r.Purpose = PurposeServiceProvision }, now, ErrBadSignature},
		{"predicate bound changed", func(r *Request) { r.Predicates[0].A++ }, now, ErrBadSignature},
		{"disclosure added", func(r *Request) { r.Disclose = SlotSet{1, 2} }, now, ErrBadSignature},
		{"agency swapped", func(r *Request) { r.Agency = other.DID() }, now, ErrBadSignature},
		{"signature truncated", func(r *Request) { r.Signature = r.Signature[:10] }, now, ErrBadSignature},
		{"unknown purpose", func(r *Request) { r.Purpose = "dpv:Marketing" }, now, ErrMalformed},
		{"unknown legal basis", func(r *Request) { r.LegalBasis = "dpv:Whim" }, now, ErrMalformed},
		{"slot out of range", func(r *Request) { r.Disclose = SlotSet{16} }, now, ErrMalformed},
		{"unsorted types", func(r *Request) { r.Types = []string{"B/1", "A/1"} }, now, ErrMalformed},
		{"type without version", func(r *Request) { r.Types = []string{"PersonalID"} }, now, ErrMalformed},
		{"no types", func(r *Request) { r.Types = nil }, now, ErrMalformed},
		{"asks nothing", func(r *Request) { r.Disclose, r.Predicates = nil, nil }, now, ErrMalformed},
		{"too many predicates", func(r *Request) {
			r.Predicates = []Predicate{{Slot: 0, Op: OpGe, A: 1}, {Slot: 1, Op: OpGe, A: 1}, {Slot: 2, Op: OpGe, A: 1}, {Slot: 3, Op: OpGe, A: 1}, {Slot: 4, Op: OpGe, A: 1}}
		}, now, ErrMalformed},
		{"range reversed", func(r *Request) { r.Predicates[0] = Predicate{Slot: 2, Op: OpInRange, A: 5, B: 4} }, now, ErrMalformed},
		{"eq with two values", func(r *Request) { r.Predicates[1] = Predicate{Slot: 5, Op: OpEq, Set: []FieldValue{fv(1), fv(2)}} }, now, ErrMalformed},
		{"field value above modulus", func(r *Request) {
			r.Predicates[1].Set = []FieldValue{{0xff, 0xff}}
		}, now, ErrMalformed},
		{"unknown op", func(r *Request) { r.Predicates[0].Op = 99 }, now, ErrMalformed},
		{"zero nonce", func(r *Request) { r.Nonce = Digest{} }, now, ErrMalformed},
		{"bad agency DID", func(r *Request) { r.Agency = "did:web:example.org" }, now, ErrMalformed},
		{"expires before issue", func(r *Request) { r.Expires = r.IssuedAt }, now, ErrMalformed},
		{"scope with space", func(r *Request) { r.Scope = "a b" }, now, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRequest(t, agency)
			tc.mutate(r)
			err := r.Verify(tc.now)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == ErrBadSignature && !errors.Is(err, identity.ErrBadSignature) {
				t.Fatalf("%v does not wrap identity.ErrBadSignature", err)
			}
		})
	}
}

func TestRequestSignWrongKey(t *testing.T) {
	r := sampleRequest(t, testKey(t, 1))
	if err := r.Sign(testKey(t, 2)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
}

// TestRequestBadLengths cuts and extends the compact encoding at every
// position: every variant must be refused without panic.
func TestRequestBadLengths(t *testing.T) {
	bin, err := sampleRequest(t, testKey(t, 1)).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(bin); i++ {
		if _, err := ParseRequest(bin[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("cut at %d: got %v", i, err)
		}
	}
	if _, err := ParseRequest(append(bin[:len(bin):len(bin)], 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: got %v", err)
	}
	for i := 0; i < len(bin); i++ {
		b := bytes.Clone(bin)
		b[i] ^= 0x01
		if _, err := ParseRequest(b); err == nil {
			t.Fatalf("flip at %d accepted", i)
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("flip at %d: unexpected %v", i, err)
		}
	}
}

func TestRequestJSONStrict(t *testing.T) {
	r := sampleRequest(t, testKey(t, 1))
	js, _ := json.Marshal(r)
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(m map[string]any)
	}{
		{"unknown field", func(m map[string]any) { m["extra"] = 1 }},
		{"non-UTC time", func(m map[string]any) { m["issuedAt"] = "2026-11-01T11:00:00+01:00" }},
		{"uppercase nonce", func(m map[string]any) { m["nonce"] = strings.Repeat("0", 63) + "A" }},
		{"slot as string", func(m map[string]any) { m["disclose"] = []any{"1"} }},
		{"unknown op", func(m map[string]any) {
			m["predicates"].([]any)[0].(map[string]any)["op"] = "approx"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c map[string]any
			_ = json.Unmarshal(js, &c)
			tc.edit(c)
			b, _ := json.Marshal(c)
			if _, err := ParseRequestJSON(b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := ParseRequestJSON(append(js, []byte(" {}")...)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing data: got %v", err)
	}
}

func TestSplitType(t *testing.T) {
	for _, tc := range []struct {
		in      string
		name    string
		version uint32
	}{
		{"PersonalID/1", "PersonalID", 1},
		{"Birth_Certificate2/4294967295", "Birth_Certificate2", 4294967295},
	} {
		n, v, err := SplitType(tc.in)
		if err != nil || n != tc.name || v != tc.version {
			t.Errorf("SplitType(%q) = %q, %d, %v", tc.in, n, v, err)
		}
	}
	for _, bad := range []string{"", "/1", "A/", "A/0", "A/01", "A/4294967296", "1A/1", "A-B/1", "A/1/2", "A/x", "_A/1"} {
		if _, _, err := SplitType(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("SplitType(%q): %v", bad, err)
		}
	}
}

// TestNonMinimalVarint: an encoding with a padded length prefix decodes to
// the same value but is not canonical, and is refused.
func TestNonMinimalVarint(t *testing.T) {
	bin, _ := sampleRequest(t, testKey(t, 1)).MarshalBinary()
	// After the 3-byte magic comes the agency DID's length (one byte, < 128).
	padded := append([]byte{}, bin[:3]...)
	padded = append(padded, bin[3]|0x80, 0x00)
	padded = append(padded, bin[4:]...)
	if _, err := ParseRequest(padded); !errors.Is(err, ErrMalformed) {
		t.Fatalf("padded varint: %v", err)
	}
}

// TestRequestFormat3: requests of several credentials or with issuers
// hidden use format version 3 and round-trip in both encodings; those of
// one credential revealing the issuer keep format version 2; the limits
// on credentials and predicates in total hold.
func TestRequestFormat3(t *testing.T) {
	agency := testKey(t, 1)
	multi := sampleMultiRequest(t, agency)
	revealed := sampleRequest(t, agency)
	revealed.RevealIssuer = true
	if err := revealed.Sign(agency); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		r       *Request
		version byte
	}{{"three credentials, hidden", multi, 3}, {"one credential, hidden", sampleRequest(t, agency), 3}, {"one credential, revealed", revealed, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.r.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if b[2] != tc.version {
				t.Fatalf("format version %d, want %d", b[2], tc.version)
			}
			back, err := ParseRequest(b)
			if err != nil || back.ID() != tc.r.ID() || back.RevealIssuer != tc.r.RevealIssuer || len(back.Also) != len(tc.r.Also) {
				t.Fatalf("binary round trip: %v", err)
			}
			js, err := json.Marshal(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			back, err = ParseRequestJSON(js)
			if err != nil || back.ID() != tc.r.ID() {
				t.Fatalf("JSON round trip: %v", err)
			}
		})
	}
	bad := []struct {
		name string
		edit func(r *Request)
	}{
		{"four credentials", func(r *Request) { r.Also = append(r.Also, r.Also[0]) }},
		{"five predicates in all", func(r *Request) {
			r.Also[1].Predicates = append(r.Also[1].Predicates, Predicate{Slot: 1, Op: OpGe, A: 1}, Predicate{Slot: 2, Op: OpGe, A: 1})
		}},
		{"no type at position 2", func(r *Request) { r.Also[0].Types = nil }},
		{"bad slot at position 3", func(r *Request) { r.Also[1].Disclose = SlotSet{NumSlots} }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleMultiRequest(t, agency)
			tc.edit(r)
			if err := r.Sign(agency); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	// A JSON form with further credentials must say whether it reveals
	// issuers (only version 2 forms omit it, and they had one credential).
	js, _ := json.Marshal(multi)
	stripped := bytes.Replace(js, []byte(`"revealIssuer":false,`), nil, 1)
	if _, err := ParseRequestJSON(stripped); !errors.Is(err, ErrMalformed) {
		t.Fatalf("JSON without revealIssuer but with also: %v", err)
	}
}
