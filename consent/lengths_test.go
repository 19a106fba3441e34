package consent

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// TestBadLengths cuts and pads every encoding of requests, grants and
// presentations (binary and JSON) and offers oversized inputs: each is
// refused with ErrMalformed.
func TestBadLengths(t *testing.T) {
	agency, citizen := testKey(t, 1), testKey(t, 3)
	req := sampleRequest(t, agency)
	grant := sampleGrant(t, citizen, req)
	pres := &Presentation{Request: req.ID(), Grant: grant, Type: "PersonalID/1", Issuer: testKey(t, 2).DID(), Proof: bytes.Repeat([]byte{7}, 512)}
	if err := pres.Sign(citizen); err != nil {
		t.Fatal(err)
	}
	type codec struct {
		name  string
		valid func() ([]byte, error)
		parse func([]byte) error
		json  bool
	}
	codecs := []codec{
		{"request", req.MarshalBinary, func(b []byte) error { _, err := ParseRequest(b); return err }, false},
		{"request JSON", func() ([]byte, error) { return json.Marshal(req) }, func(b []byte) error { _, err := ParseRequestJSON(b); return err }, true},
		{"grant", grant.MarshalBinary, func(b []byte) error { _, err := ParseGrant(b); return err }, false},
		{"grant JSON", func() ([]byte, error) { return json.Marshal(grant) }, func(b []byte) error { _, err := ParseGrantJSON(b); return err }, true},
		{"presentation", pres.MarshalBinary, func(b []byte) error { return new(Presentation).UnmarshalBinary(b) }, false},
		{"presentation JSON", func() ([]byte, error) { return json.Marshal(pres) }, func(b []byte) error { _, err := ParsePresentationJSON(b); return err }, true},
	}
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			valid, err := c.valid()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.parse(valid); err != nil {
				t.Fatalf("valid encoding refused: %v", err)
			}
			for i := 0; i < len(valid); i++ {
				if err := c.parse(valid[:i]); !errors.Is(err, ErrMalformed) {
					t.Fatalf("prefix %d of %d: got %v, want ErrMalformed", i, len(valid), err)
				}
			}
			for _, pad := range []string{"\x00", "x", "]", "}", "{}"} {
				if err := c.parse(append(bytes.Clone(valid), pad...)); !errors.Is(err, ErrMalformed) {
					t.Fatalf("padded with %q: got %v, want ErrMalformed", pad, err)
				}
			}
			var big [][]byte
			if c.json {
				big = [][]byte{
					append(bytes.Repeat([]byte(" "), MaxJSONSize), valid...), // valid JSON over the cap
					bytes.Repeat([]byte("["), 16<<20),
				}
			} else {
				big = [][]byte{
					append(bytes.Clone(valid), make([]byte, 16<<20)...),
					append(bytes.Clone(valid[:8]), bytes.Repeat([]byte{0xff}, 16<<20)...), // huge length prefixes
				}
			}
			for _, b := range big {
				if err := c.parse(b); !errors.Is(err, ErrMalformed) {
					t.Fatalf("oversized (%d bytes): got %v, want ErrMalformed", len(b), err)
				}
			}
		})
	}
}
