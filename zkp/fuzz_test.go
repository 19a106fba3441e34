package zkp

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	"github.com/consensys/gnark/backend/plonk"
)

// Fuzz targets of every decoder. Properties: no decoder panics; every
// error wraps ErrMalformed; what a binary decoder accepts re-encodes to
// the same bytes; what a JSON decoder accepts re-encodes to a canonical
// form that decodes to the same value (same binary encoding) and is a
// fixed point. Seeds are real encodings (a Groth16 proof and verifying key
// from testKeys) plus the files under testdata/fuzz.

var fuzzOnce struct {
	sync.Once
	proof, proofJSON, vk []byte
}

// fuzzSeeds returns a real Groth16 proof (binary and JSON) and its
// verifying key.
func fuzzSeeds(f *testing.F) (proof, proofJSON, vk []byte) {
	f.Helper()
	fuzzOnce.Do(func() {
		pk, v := testKeys(f, Groth16)
		fx := newFixture(f)
		p, err := Prove(context.Background(), pk, &fx.st, &fx.hold)
		if err != nil {
			f.Fatal(err)
		}
		fuzzOnce.proof, _ = p.MarshalBinary()
		fuzzOnce.proofJSON, _ = json.Marshal(p)
		fuzzOnce.vk, _ = v.MarshalBinary()
	})
	if fuzzOnce.proof == nil {
		f.Fatal("no seeds")
	}
	return fuzzOnce.proof, fuzzOnce.proofJSON, fuzzOnce.vk
}

// uncompressedSeed returns the v1 proof encoding b with its Groth16
// points uncompressed (Prove writes them compressed).
func uncompressedSeed(f *testing.F, b []byte) []byte {
	f.Helper()
	var p Proof
	if err := p.UnmarshalBinary(b); err != nil {
		f.Fatal(err)
	}
	p.raw = reencode(f, p.raw, uncompressedPoints)
	out, _ := p.MarshalBinary()
	return out
}

func mustMalformed(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("error does not wrap ErrMalformed: %v", err)
	}
}

func FuzzProofUnmarshal(f *testing.F) {
	proof, _, _ := fuzzSeeds(f)
	f.Add(proof)
	f.Add(uncompressedSeed(f, proof))
	var p Proof
	_ = p.UnmarshalBinary(proof)
	p.Disclose = 0
	nothing, _ := p.MarshalBinary()
	f.Add(nothing)
	f.Add([]byte("CPZ1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Proof
		if err := p.UnmarshalBinary(b); err != nil {
			mustMalformed(t, err)
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v):\n%x\n%x", err, b, out)
		}
		if p.Backend == PLONK { // what Verify decodes before verifying
			if checkLayout(p.raw, plonkProofLayout) == nil {
				_, _ = plonk.NewProof(ecc.BN254).ReadFrom(bytes.NewReader(p.raw))
			}
		}
	})
}

func FuzzInspect(f *testing.F) {
	proof, _, _ := fuzzSeeds(f)
	f.Add(proof)
	f.Add(uncompressedSeed(f, proof))
	f.Add(proof[:proofHeader])
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := Inspect(b)
		var p Proof
		perr := p.UnmarshalBinary(b)
		if (err == nil) != (perr == nil) {
			t.Fatalf("Inspect = %v, UnmarshalBinary = %v", err, perr)
		}
		if err != nil {
			mustMalformed(t, err)
			return
		}
		if h.Backend != p.Backend || h.Fingerprint != p.Fingerprint || h.Root != p.Root || h.Nullifier != p.Nullifier || h.Shape() != p.Backend.Shape() {
			t.Fatal("Inspect disagrees with the decoded proof")
		}
	})
}

func FuzzProofJSON(f *testing.F) {
	proof, proofJSON, _ := fuzzSeeds(f)
	f.Add(proofJSON)
	var raw Proof
	if err := raw.UnmarshalBinary(uncompressedSeed(f, proof)); err != nil {
		f.Fatal(err)
	}
	rawJSON, _ := json.Marshal(&raw)
	f.Add(rawJSON)
	f.Add([]byte(`{"backend":"groth16","fingerprint":"","proof":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Proof
		if err := p.UnmarshalJSON(b); err != nil {
			mustMalformed(t, err)
			return
		}
		j, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var q Proof
		if err := q.UnmarshalJSON(j); err != nil {
			t.Fatalf("canonical JSON does not decode: %v\n%s", err, j)
		}
		pb, _ := p.MarshalBinary()
		qb, _ := q.MarshalBinary()
		j2, _ := q.MarshalJSON()
		if !bytes.Equal(pb, qb) || !bytes.Equal(j, j2) {
			t.Fatalf("JSON round trip changed the proof:\n%s\n%s", j, j2)
		}
	})
}

func FuzzRequestUnmarshal(f *testing.F) {
	for _, r := range testRequests(f) {
		b, err := r.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Request
		if err := r.UnmarshalBinary(b); err != nil {
			mustMalformed(t, err)
			return
		}
		out, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v):\n%x\n%x", err, b, out)
		}
		if _, err := r.MarshalJSON(); err != nil {
			t.Fatalf("decoded request has no JSON form: %v", err)
		}
	})
}

func FuzzRequestJSON(f *testing.F) {
	for _, r := range testRequests(f) {
		j, err := json.Marshal(&r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(j)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Request
		if err := r.UnmarshalJSON(b); err != nil {
			mustMalformed(t, err)
			return
		}
		j, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("decoded request does not encode: %v", err)
		}
		var q Request
		if err := q.UnmarshalJSON(j); err != nil {
			t.Fatalf("canonical JSON does not decode: %v\n%s", err, j)
		}
		rb, err1 := r.MarshalBinary()
		qb, err2 := q.MarshalBinary()
		j2, _ := q.MarshalJSON()
		if err1 != nil || err2 != nil || !bytes.Equal(rb, qb) || !bytes.Equal(j, j2) {
			t.Fatalf("JSON round trip changed the request:\n%s\n%s", j, j2)
		}
	})
}

func FuzzParseVerifyingKey(f *testing.F) {
	_, _, vk := fuzzSeeds(f)
	f.Add(vk)
	f.Add(vk[:6])
	huge := bytes.Clone(vk) // K length 2^32: used to abort the process
	binary.BigEndian.PutUint32(huge[6+288:], 0xfffffff0)
	f.Add(huge)
	for _, b := range []Backend{Groth16, PLONK} { // keys with a commitment
		k := smallKey(f, b)
		f.Add(k[10 : 10+binary.BigEndian.Uint32(k[6:])])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseVerifyingKey(b)
		if err != nil {
			mustMalformed(t, err)
			return
		}
		out, err := k.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs (%v)", err)
		}
		if k.Shape() != k.Backend().Shape() {
			t.Fatal("shape")
		}
	})
}

// layoutBytes builds an encoding of layout with every slice empty except
// the huge-th, whose length field says 0xfffffff0.
func layoutBytes(layout []field, huge int) []byte {
	var b []byte
	slices := 0
	for _, f := range layout {
		switch f {
		case fG1:
			b = append(b, 0x80)
			b = append(b, make([]byte, 31)...)
		case fG2:
			b = append(b, 0x80)
			b = append(b, make([]byte, 63)...)
		case fFr:
			b = append(b, make([]byte, 32)...)
		case fU64, fZero64:
			b = append(b, make([]byte, 8)...)
		case fLines:
			b = append(b, make([]byte, binary.Size(kzg.VerifyingKey{}.Lines))...)
		case fG1s, fFrs, fU64s, fU64ss:
			n := uint32(0)
			if slices == huge {
				n = 0xfffffff0
			}
			b = binary.BigEndian.AppendUint32(b, n)
			slices++
		}
	}
	return append(b, make([]byte, 64)...)
}

// TestDecodersBoundLengths: a length field beyond the data is refused
// before gnark allocates for it (it used to abort the process with a
// 370-byte verifying key).
func TestDecodersBoundLengths(t *testing.T) {
	_, vk := testKeys(t, Groth16)
	real, _ := vk.MarshalBinary()
	for _, at := range []int{6 + 288, 6 + 288 + 4 + 2*32} { // K length, public-committed length
		b := bytes.Clone(real)
		binary.BigEndian.PutUint32(b[at:], 0xfffffff0)
		if _, err := ParseVerifyingKey(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("Groth16 key with a length of 2^32 at byte %d: %v", at, err)
		}
	}
	for huge := range 3 {
		hdr := []byte{'C', 'P', 'V', 'K', keyVersion, byte(Groth16)}
		if _, err := ParseVerifyingKey(append(hdr, layoutBytes(groth16VKLayout, huge)...)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Groth16 key, slice %d huge: %v", huge, err)
		}
		hdr[5] = byte(PLONK)
		if _, err := ParseVerifyingKey(append(hdr, layoutBytes(plonkVKLayout, huge)...)); !errors.Is(err, ErrMalformed) {
			t.Errorf("PLONK key, slice %d huge: %v", huge, err)
		}
		if err := verifyRaw(&VerifyingKey{backend: PLONK}, layoutBytes(plonkProofLayout, huge), nil); !errors.Is(err, ErrMalformed) {
			t.Errorf("PLONK proof, slice %d huge: %v", huge, err)
		}
	}
	// An uncompressed point would shift the fields checkLayout reads.
	b := bytes.Clone(real)
	b[6] &^= 0xc0
	if _, err := ParseVerifyingKey(b); !errors.Is(err, ErrMalformed) {
		t.Errorf("uncompressed point: %v", err)
	}
	if testing.Short() {
		return
	}
	// Real PLONK keys pass (real PLONK proofs pass in TestProveVerifyPLONK).
	_, pvk := testKeys(t, PLONK)
	pb, _ := pvk.MarshalBinary()
	if got, err := ParseVerifyingKey(pb); err != nil || got.Fingerprint() != pvk.Fingerprint() {
		t.Fatalf("ParseVerifyingKey(PLONK key): %v", err)
	}
}
