package zkp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// cutAndPad checks that every proper prefix of a valid encoding, the
// encoding with bytes appended, and each oversized input are refused by
// parse with ErrMalformed.
func cutAndPad(t *testing.T, valid []byte, parse func([]byte) error, oversized ...[]byte) {
	t.Helper()
	if err := parse(valid); err != nil {
		t.Fatalf("valid encoding refused: %v", err)
	}
	for i := 0; i < len(valid); i++ {
		if err := parse(valid[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix %d of %d: got %v, want ErrMalformed", i, len(valid), err)
		}
	}
	for _, pad := range []string{"\x00", "x", "]", "}", "{}"} {
		if err := parse(append(bytes.Clone(valid), pad...)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("padded with %q: got %v, want ErrMalformed", pad, err)
		}
	}
	for _, big := range oversized {
		if err := parse(big); !errors.Is(err, ErrMalformed) {
			t.Fatalf("oversized input (%d bytes): got %v, want ErrMalformed", len(big), err)
		}
	}
}

// TestBadLengths cuts and pads every zkp encoding — proofs (binary and
// JSON), requests (binary and JSON), verifying keys, proving keys — and
// offers oversized ones.
func TestBadLengths(t *testing.T) {
	pk, vk := testKeys(t, Groth16)
	fx := newFixture(t)
	p, err := Prove(context.Background(), pk, &fx.st, &fx.hold)
	if err != nil {
		t.Fatal(err)
	}
	const huge = 16 << 20
	t.Run("proof", func(t *testing.T) {
		b, _ := p.MarshalBinary()
		cutAndPad(t, b, func(b []byte) error { return new(Proof).UnmarshalBinary(b) },
			append(bytes.Clone(b), make([]byte, huge)...))
		cutAndPad(t, b, func(b []byte) error { _, err := Inspect(b); return err })
	})
	t.Run("proof JSON", func(t *testing.T) {
		b, _ := json.Marshal(p)
		cutAndPad(t, b, func(b []byte) error { return new(Proof).UnmarshalJSON(b) },
			append(bytes.Repeat([]byte(" "), huge), b...), bytes.Repeat([]byte("["), huge))
	})
	req := testRequests(t)["fixture"]
	t.Run("request", func(t *testing.T) {
		b, err := req.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		cutAndPad(t, b, func(b []byte) error { return new(Request).UnmarshalBinary(b) },
			append(bytes.Clone(b), make([]byte, huge)...))
	})
	t.Run("request JSON", func(t *testing.T) {
		b, err := json.Marshal(&req)
		if err != nil {
			t.Fatal(err)
		}
		cutAndPad(t, b, func(b []byte) error { return new(Request).UnmarshalJSON(b) },
			append(bytes.Repeat([]byte(" "), huge), b...), bytes.Repeat([]byte("["), huge))
	})
	t.Run("verifying key", func(t *testing.T) {
		b, _ := vk.MarshalBinary()
		cutAndPad(t, b, func(b []byte) error { _, err := ParseVerifyingKey(b); return err },
			append(bytes.Clone(b), make([]byte, huge)...))
	})
	t.Run("proving key", func(t *testing.T) {
		var buf bytes.Buffer
		if _, err := pk.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		read := func(b []byte) error { _, err := ReadProvingKey(bytes.NewReader(b)); return err }
		if err := read(b); err != nil {
			t.Fatal(err)
		}
		// Every prefix through the embedded verifying key, then 64 cuts
		// spread over the rest (the key is megabytes).
		vkb, _ := vk.MarshalBinary()
		cuts := []int{}
		for i := 0; i <= 10+len(vkb)+8; i++ {
			cuts = append(cuts, i)
		}
		for i := 1; i <= 64; i++ {
			cuts = append(cuts, len(b)-1-(len(b)-1)*(i-1)/64)
		}
		for _, n := range cuts {
			if err := read(b[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("proving key cut to %d of %d bytes: got %v, want ErrMalformed", n, len(b), err)
			}
		}
	})
}

// TestCeremonyBadLengths cuts and pads a ceremony transcript (a small
// circuit's, two contributions per phase): reading every prefix, and the
// transcript with bytes appended, fails with ErrBadTranscript.
func TestCeremonyBadLengths(t *testing.T) {
	c := newCubeCeremony(t)
	runCeremony(t, c, 2)
	good := transcript(t, c)
	read := func(b []byte) error { return newCubeCeremony(t).readFrom(bytes.NewReader(b)) }
	if err := read(good); err != nil {
		t.Fatal(err)
	}
	step := max(1, len(good)/300) // every prefix of the header, then about 300 cuts
	for i := 0; i < len(good); i++ {
		if i > 256 && i%step != 0 && i != len(good)-1 {
			continue
		}
		if err := read(good[:i]); !errors.Is(err, ErrBadTranscript) {
			t.Fatalf("prefix %d of %d: got %v, want ErrBadTranscript", i, len(good), err)
		}
	}
	for _, pad := range []string{"\x00", "x", "\xff\xff\xff\xff"} {
		if err := read(append(bytes.Clone(good), pad...)); !errors.Is(err, ErrBadTranscript) {
			t.Fatalf("padded with %q: got %v, want ErrBadTranscript", pad, err)
		}
	}
	if err := read(append(bytes.Clone(good), make([]byte, 16<<20)...)); !errors.Is(err, ErrBadTranscript) {
		t.Fatalf("16 MiB appended: got %v, want ErrBadTranscript", err)
	}
}
