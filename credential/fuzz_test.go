package credential

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzEncodeClaims feeds arbitrary values of every Go type a claim accepts
// to every claim type: encoding never panics, errors are ErrInvalidClaim,
// and an accepted value survives the credential's JSON form unchanged.
func FuzzEncodeClaims(f *testing.F) {
	f.Add(int64(0), uint64(0), "1970-01-01", []byte{}, true, 2000, 2, 29)
	f.Add(int64(-1), uint64(1<<63), "B", []byte("x"), false, 1, 1, 1)
	f.Add(int64(1<<62), uint64(600), "\xff", make([]byte, 40), true, 9999, 12, 31)
	s := testSchema(f)
	f.Fuzz(func(t *testing.T, i int64, u uint64, str string, b []byte, bo bool, y, m, d int) {
		values := []any{i, u, str, b, bo, int(i), json.Number(str),
			time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)}
		for _, def := range s.Claims {
			for _, v := range values {
				e1, err := def.Encode(v)
				if err != nil {
					if !errors.Is(err, ErrInvalidClaim) {
						t.Fatalf("%s(%T %v): error %v does not wrap ErrInvalidClaim", def.Name, v, v, err)
					}
					continue
				}
				e2, _ := def.Encode(v)
				if !e1.Equal(&e2) {
					t.Fatal("encoding is not deterministic")
				}
				n, _ := def.Normalize(v)
				raw, err := json.Marshal(def.claimToJSON(n))
				if err != nil {
					t.Fatalf("%s: JSON of %v: %v", def.Name, v, err)
				}
				back, err := def.claimFromJSON(raw)
				if err != nil {
					t.Fatalf("%s: %s does not parse back: %v", def.Name, raw, err)
				}
				e3 := def.encodeNormalized(back)
				if !e1.Equal(&e3) {
					t.Fatalf("%s: %v changed across JSON (%s)", def.Name, v, raw)
				}
			}
		}
	})
}

func FuzzParseSchema(f *testing.F) {
	b, _ := json.Marshal(testSchema(f))
	f.Add(b)
	f.Add([]byte(`{"name":"T","version":1,"claims":[{"name":"a","type":"integer","slot":0,"min":"-1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSchema(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidSchema) {
				t.Fatalf("error %v does not wrap ErrInvalidSchema", err)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseSchema(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		h1, _ := s.Hash()
		h2, _ := s2.Hash()
		if h1 != h2 {
			t.Fatal("schema hash not stable across a round trip")
		}
	})
}

func FuzzDecodeDisclosure(f *testing.F) {
	c, _ := testCredential(f)
	d, err := c.Disclose("district", "balance")
	if err != nil {
		f.Fatal(err)
	}
	doc, _ := json.Marshal(d)
	f.Add(doc)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDisclosure(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		d2, err := ParseDisclosure(out)
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		a1, _ := d.Anchor()
		a2, _ := d2.Anchor()
		if a1 != a2 {
			t.Fatal("anchor changed across a round trip")
		}
	})
}
