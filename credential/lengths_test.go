package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// cutAndPad checks that every proper prefix of a valid encoding, the
// encoding with bytes appended, and an oversized input are refused by
// parse with want (and that the encoding itself parses).
func cutAndPad(t *testing.T, name string, valid []byte, parse func([]byte) error, want error, oversized ...[]byte) {
	t.Helper()
	if err := parse(valid); err != nil {
		t.Fatalf("%s: valid encoding refused: %v", name, err)
	}
	for i := 0; i < len(valid); i++ {
		if err := parse(valid[:i]); !errors.Is(err, want) {
			t.Fatalf("%s: prefix %d of %d: got %v, want %v", name, i, len(valid), err, want)
		}
	}
	for _, pad := range []string{"x", "{}", "]", "\x00", `"`} {
		if err := parse(append(bytes.Clone(valid), pad...)); !errors.Is(err, want) {
			t.Fatalf("%s: padded with %q: got %v, want %v", name, pad, err, want)
		}
	}
	for _, big := range oversized {
		if err := parse(big); !errors.Is(err, want) {
			t.Fatalf("%s: oversized input (%d bytes): got %v, want %v", name, len(big), err, want)
		}
	}
}

// spaced returns doc preceded by whitespace to n bytes: valid JSON, over
// any cap when n is.
func spaced(doc []byte, n int) []byte {
	return append(bytes.Repeat([]byte(" "), n-len(doc)), doc...)
}

// TestBadLengths cuts and pads every credential encoding and offers
// oversized ones; the 1 MB holder DID (7.4 s before identity's length
// caps) is among them.
func TestBadLengths(t *testing.T) {
	c, _ := testCredential(t)
	doc, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	longHolder := bytes.Replace(doc, []byte(`"`+string(c.Holder)+`"`), []byte(`"did:key:z`+strings.Repeat("6Mk", 300_000)+`"`), 1)
	if len(longHolder) > maxCredentialJSON || bytes.Equal(longHolder, doc) {
		t.Fatalf("long-holder document: %d bytes", len(longHolder))
	}
	cutAndPad(t, "ParseCredential", doc, func(b []byte) error { _, err := ParseCredential(b); return err }, ErrMalformed,
		spaced(doc, maxCredentialJSON+1), longHolder, bytes.Repeat([]byte("["), maxCredentialJSON))

	d, err := c.Disclose("district")
	if err != nil {
		t.Fatal(err)
	}
	ddoc, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	cutAndPad(t, "ParseDisclosure", ddoc, func(b []byte) error { _, err := ParseDisclosure(b); return err }, ErrMalformed,
		spaced(ddoc, maxCredentialJSON+1), bytes.Repeat([]byte("["), maxCredentialJSON))

	sdoc, err := json.Marshal(testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	cutAndPad(t, "ParseSchema", sdoc, func(b []byte) error { _, err := ParseSchema(b); return err }, ErrInvalidSchema,
		spaced(sdoc, MaxSchemaJSON+1), bytes.Repeat([]byte("["), MaxSchemaJSON+1))
}

// BenchmarkParseCredentialLongHolder: refusing a credential document
// whose holder is a 900 KB did:key (7.4 s for 1 MB before identity's
// length caps).
func BenchmarkParseCredentialLongHolder(b *testing.B) {
	c, _ := testCredential(b)
	doc, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	long := bytes.Replace(doc, []byte(`"`+string(c.Holder)+`"`), []byte(`"did:key:z`+strings.Repeat("6Mk", 300_000)+`"`), 1)
	for b.Loop() {
		if _, err := ParseCredential(long); !errors.Is(err, ErrMalformed) {
			b.Fatal(err)
		}
	}
}
