//go:build credwip

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
