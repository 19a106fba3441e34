package zkp

import (
	"bytes"
	"errors"
	"testing"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
)

// Tests of the two point encodings of a Groth16 proof: compressed
// (128 bytes, v1 proofs and v2 proofs made before ProveV2 wrote
// uncompressed points) and uncompressed (256 bytes).

var encodings = []struct {
	name string
	enc  pointEncoding
	size int
}{
	{"compressed", compressedPoints, groth16Size},
	{"uncompressed", uncompressedPoints, groth16UncompressedSize},
}

// reencode decodes a Groth16 backend proof and writes it again with enc.
func reencode(t testing.TB, raw []byte, enc pointEncoding) []byte {
	t.Helper()
	gp, err := groth16Proof(raw)
	if err != nil {
		t.Fatal(err)
	}
	return encodeGroth16(gp, enc)
}

// withRawV2 returns a copy of p carrying raw as its backend proof.
func withRawV2(p *ProofV2, raw []byte) *ProofV2 {
	q := *p
	q.raw = raw
	return &q
}

// TestProveV2WritesUncompressed checks ProveV2's output and that a v2
// proof verifies in either encoding, alone and in batches of one
// encoding or both, and survives its binary encoding.
func TestProveV2WritesUncompressed(t *testing.T) {
	vk, items := batchProofsV2(t, 4)
	for _, it := range items {
		if len(it.Proof.raw) != groth16UncompressedSize {
			t.Fatalf("ProveV2 wrote a backend proof of %d bytes, want %d", len(it.Proof.raw), groth16UncompressedSize)
		}
	}
	as := func(enc pointEncoding, pick func(i int) bool) []BatchItemV2 {
		out := make([]BatchItemV2, len(items))
		for i, it := range items {
			out[i] = it
			if pick(i) {
				out[i].Proof = withRawV2(it.Proof, reencode(t, it.Proof.raw, enc))
			}
		}
		return out
	}
	all := func(int) bool { return true }
	tests := []struct {
		name  string
		items []BatchItemV2
	}{
		{"compressed", as(compressedPoints, all)},
		{"uncompressed", as(uncompressedPoints, all)},
		{"mixed", as(compressedPoints, func(i int) bool { return i%2 == 0 })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, it := range tc.items {
				b, err := it.Proof.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				var back ProofV2
				if err := back.UnmarshalBinary(b); err != nil {
					t.Fatalf("item %d does not decode: %v", i, err)
				}
				if !bytes.Equal(back.raw, it.Proof.raw) {
					t.Fatalf("item %d: backend proof changed in its binary encoding", i)
				}
				res, err := VerifyV2(vk, it.Statement, &back)
				if err != nil {
					t.Fatalf("item %d (%d-byte backend proof): VerifyV2: %v", i, len(back.raw), err)
				}
				if res.Nullifier != it.Proof.Nullifier {
					t.Fatalf("item %d: nullifier differs", i)
				}
			}
			res, errs := VerifyBatchV2(vk, tc.items, nil)
			for i := range tc.items {
				if errs[i] != nil || res[i] == nil {
					t.Fatalf("item %d: VerifyBatchV2: %v", i, errs[i])
				}
			}
		})
	}
	// The uncompressed encoding is 128 bytes longer, nothing else changes.
	c, _ := withRawV2(items[0].Proof, reencode(t, items[0].Proof.raw, compressedPoints)).MarshalBinary()
	u, _ := items[0].Proof.MarshalBinary()
	if len(u)-len(c) != 128 || !bytes.Equal(c[:len(c)-groth16Size], u[:len(u)-groth16UncompressedSize]) {
		t.Fatalf("encodings of %d and %d bytes differ beyond the backend proof", len(c), len(u))
	}
}

// TestV1ProofEncodings checks that a v1 proof, written compressed by
// Prove, verifies in either encoding, alone and in a mixed batch.
func TestV1ProofEncodings(t *testing.T) {
	vk, items := batchProofs(t, 3)
	if n := len(items[0].Proof.raw); n != groth16Size {
		t.Fatalf("Prove wrote a backend proof of %d bytes, want %d (compressed)", n, groth16Size)
	}
	mixed := append([]BatchItem(nil), items...)
	for i := range mixed {
		if i%2 == 1 {
			continue
		}
		p := *items[i].Proof
		p.raw = reencode(t, p.raw, uncompressedPoints)
		b, _ := p.MarshalBinary()
		var back Proof
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("uncompressed v1 proof does not decode: %v", err)
		}
		if _, err := Verify(vk, items[i].Statement, &back); err != nil {
			t.Fatalf("uncompressed v1 proof: Verify: %v", err)
		}
		mixed[i].Proof = &back
	}
	res, errs := VerifyBatch(vk, mixed, nil)
	for i := range mixed {
		if errs[i] != nil || res[i] == nil {
			t.Fatalf("item %d: VerifyBatch: %v", i, errs[i])
		}
	}
}

// TestDamagedEncodings checks what the verifier answers for damaged
// points in either encoding, alone (VerifyV2) and inside a batch of good
// proofs (VerifyBatchV2); both answers must be the same sentinel, the one
// the compressed encoding has always given.
func TestDamagedEncodings(t *testing.T) {
	vk, items := batchProofsV2(t, 4)
	good, err := groth16Proof(items[1].Proof.raw)
	if err != nil {
		t.Fatal(err)
	}
	outside := notInG2(t, 1)[0]
	// Point-level damage, written in the encoding under test.
	points := []struct {
		name       string
		damage     func(p *groth16bn254.Proof)
		onlyRaw    bool // uncompressed only: a compressed point is always on the curve
		want       error
		decodeFail bool // refused when decoding the points
	}{
		{"A at infinity", func(p *groth16bn254.Proof) { p.Ar = curve.G1Affine{} }, false, ErrBadProof, false},
		{"B at infinity", func(p *groth16bn254.Proof) { p.Bs = curve.G2Affine{} }, false, ErrBadProof, false},
		{"C at infinity", func(p *groth16bn254.Proof) { p.Krs = curve.G1Affine{} }, false, ErrBadProof, false},
		{"B negated", func(p *groth16bn254.Proof) { p.Bs.Neg(&p.Bs) }, false, ErrBadProof, false},
		{"B outside G2", func(p *groth16bn254.Proof) { p.Bs = outside }, false, ErrMalformed, true},
		{"A off the curve", func(p *groth16bn254.Proof) { p.Ar.Y.Double(&p.Ar.Y) }, true, ErrMalformed, true},
		{"B off the curve", func(p *groth16bn254.Proof) { p.Bs.Y.A0.Double(&p.Bs.Y.A0) }, true, ErrMalformed, true},
		{"C off the curve", func(p *groth16bn254.Proof) { p.Krs.Y.Double(&p.Krs.Y) }, true, ErrMalformed, true},
	}
	type damaged struct {
		name string
		raw  []byte
		want error
		// where it is refused: when decoding the proof's encoding
		// (flags and length), when decoding its points, or only by the
		// pairing check.
		unmarshalFail, decodeFail bool
	}
	var cases []damaged
	for _, pc := range points {
		for _, e := range encodings {
			if pc.onlyRaw && e.enc != uncompressedPoints {
				continue
			}
			p := *good
			pc.damage(&p)
			cases = append(cases, damaged{pc.name + "/" + e.name, encodeGroth16(&p, e.enc), pc.want, false, pc.decodeFail})
		}
	}
	comp, raw := encodeGroth16(good, compressedPoints), encodeGroth16(good, uncompressedPoints)
	ab, cb := good.Ar.Bytes(), good.Krs.Bytes()
	// Raw-level damage: flags that disagree with the length, lengths that
	// are neither form.
	compressedIn := func(off int, pt []byte) []byte {
		r := bytes.Clone(raw)
		clear(r[off : off+2*len(pt)])
		copy(r[off:], pt)
		return r
	}
	bFlagCleared := bytes.Clone(comp)
	bFlagCleared[32] &^= 0xc0
	aFlagSet := bytes.Clone(raw)
	aFlagSet[0] |= 0x80
	mixed192 := append(append(append([]byte(nil), ab[:]...), raw[64:192]...), cb[:]...)
	for _, d := range []damaged{
		{name: "A compressed in an uncompressed proof", raw: compressedIn(0, ab[:])},
		{name: "C compressed in an uncompressed proof", raw: compressedIn(192, cb[:])},
		{name: "A flagged compressed in an uncompressed proof", raw: aFlagSet},
		{name: "B flagged uncompressed in a compressed proof", raw: bFlagCleared},
		{name: "compressed A and C around an uncompressed B (192 bytes)", raw: mixed192},
		{name: "uncompressed proof cut to 192 bytes", raw: raw[:192]},
		{name: "uncompressed proof and one byte more", raw: append(bytes.Clone(raw), 0)},
		{name: "compressed proof in 256 bytes", raw: append(bytes.Clone(comp), make([]byte, 128)...)},
	} {
		d.want, d.unmarshalFail, d.decodeFail = ErrMalformed, true, true
		cases = append(cases, d)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := withRawV2(items[1].Proof, tc.raw)
			b, _ := bad.MarshalBinary()
			var back ProofV2
			err := back.UnmarshalBinary(b)
			switch {
			case tc.unmarshalFail && !errors.Is(err, ErrMalformed):
				t.Fatalf("UnmarshalBinary: %v, want ErrMalformed", err)
			case !tc.unmarshalFail && err != nil:
				t.Fatalf("UnmarshalBinary: %v (the points are checked when verifying)", err)
			}
			if _, err := groth16Proof(tc.raw); (err != nil) != tc.decodeFail || (err != nil && !errors.Is(err, ErrMalformed)) {
				t.Fatalf("groth16Proof: %v, want refused: %v", err, tc.decodeFail)
			}
			if _, err := VerifyV2(vk, items[1].Statement, bad); !errors.Is(err, tc.want) {
				t.Fatalf("VerifyV2: %v, want %v", err, tc.want)
			}
			batch := append([]BatchItemV2(nil), items...)
			batch[1].Proof = bad
			batch[2].Proof = withRawV2(items[2].Proof, reencode(t, items[2].Proof.raw, compressedPoints))
			res, errs := VerifyBatchV2(vk, batch, nil)
			for i := range batch {
				switch {
				case i == 1 && (!errors.Is(errs[i], tc.want) || res[i] != nil):
					t.Fatalf("VerifyBatchV2: %v, want %v", errs[i], tc.want)
				case i != 1 && (errs[i] != nil || res[i] == nil):
					t.Fatalf("VerifyBatchV2: good item %d: %v", i, errs[i])
				}
			}
		})
	}
}

// TestUncompressedInfinity checks gnark-crypto's two encodings of the
// point at infinity: decoded to the same point as the compressed one, and
// refused in the other form's slot.
func TestUncompressedInfinity(t *testing.T) {
	var g1 curve.G1Affine
	var g2 curve.G2Affine
	c1, r1, c2, r2 := g1.Bytes(), g1.RawBytes(), g2.Bytes(), g2.RawBytes()
	if !bytes.Equal(r1[:], make([]byte, 64)) || !bytes.Equal(r2[:], make([]byte, 128)) {
		t.Fatal("uncompressed infinity is not all zeros")
	}
	if c1[0] != 0x40 || c2[0] != 0x40 {
		t.Fatal("compressed infinity does not carry its flag")
	}
	var p curve.G1Affine
	p.X.SetOne()
	if err := setPoint(&p, r1[:], 'A'); err != nil || !p.IsInfinity() {
		t.Fatalf("uncompressed G1 infinity: %v", err)
	}
	var q curve.G2Affine
	q.X.SetOne()
	if err := setPoint(&q, r2[:], 'B'); err != nil || !q.IsInfinity() {
		t.Fatalf("uncompressed G2 infinity: %v", err)
	}
	// A compressed infinity padded to an uncompressed slot fills half of it.
	slot := append(c1[:], make([]byte, 32)...)
	if err := setPoint(&p, slot, 'A'); !errors.Is(err, ErrMalformed) {
		t.Fatalf("compressed infinity in a 64-byte slot: %v", err)
	}
}
