package zkp

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		s    Shape
		name string
	}{
		{ShapeV1(Groth16), "civicproof/presentation/v1/groth16"},
		{ShapeV1(PLONK), "civicproof/presentation/v1/plonk"},
		{ShapeV2(Groth16, 1), "civicproof/presentation/v2-n1/groth16"},
		{ShapeV2(PLONK, 3), "civicproof/presentation/v2-n3/plonk"},
	} {
		if !tc.s.valid() || tc.s.String() != tc.name {
			t.Errorf("%+v: %q (valid %v), want %q", tc.s, tc.s, tc.s.valid(), tc.name)
		}
	}
	if ShapeV1(Groth16).String() != Groth16.Shape() {
		t.Error("v1 shape name differs from Backend.Shape")
	}
	for _, s := range []Shape{ShapeV2(Groth16, 0), ShapeV2(Groth16, 4), {Backend: 9, Version: 2, N: 1}, {Backend: Groth16, Version: 3, N: 1}, {}} {
		if _, err := s.ConstraintSystem(); !errors.Is(err, ErrInvalidStatement) {
			t.Errorf("%+v: ConstraintSystem %v, want ErrInvalidStatement", s, err)
		}
		if _, _, err := SetupShapeUnsafe(context.Background(), s); !errors.Is(err, ErrInvalidStatement) {
			t.Errorf("%+v: SetupShapeUnsafe %v, want ErrInvalidStatement", s, err)
		}
	}
}

// TestShapeKeys: a v2 key names its shape in its encoding, survives
// encoding, and is cached under its shape.
func TestShapeKeys(t *testing.T) {
	s := ShapeV2(Groth16, 1)
	pk, vk := testShapeKeys(t, s)
	if vk.CircuitShape() != s || pk.CircuitShape() != s || vk.Shape() != s.String() {
		t.Fatalf("key shapes %v %v", vk.CircuitShape(), pk.CircuitShape())
	}
	enc, _ := vk.MarshalBinary()
	if enc[4] != keyVersionShape || enc[6] != 2 || enc[7] != 1 {
		t.Fatalf("v2 key header % x", enc[:8])
	}
	back, err := ParseVerifyingKey(enc)
	if err != nil || back.Fingerprint() != vk.Fingerprint() || back.CircuitShape() != s {
		t.Fatalf("ParseVerifyingKey: %v", err)
	}
	for name, b := range map[string][]byte{
		"N = 4":             append(append([]byte(nil), enc[:7]...), append([]byte{4}, enc[8:]...)...),
		"circuit version 1": append(append([]byte(nil), enc[:6]...), append([]byte{1, 1}, enc[8:]...)...),
		"truncated header":  enc[:7],
	} {
		if _, err := ParseVerifyingKey(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	var buf bytes.Buffer
	if _, err := pk.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	pk2, err := ReadProvingKey(&buf)
	if err != nil || pk2.CircuitShape() != s || pk2.VerifyingKey().Fingerprint() != vk.Fingerprint() {
		t.Fatalf("ReadProvingKey: %v", err)
	}

	c := KeyCache{Dir: t.TempDir()}
	if err := c.Store(pk); err != nil {
		t.Fatal(err)
	}
	p, err := c.PathShape(s)
	if err != nil || !strings.HasPrefix(filepath.Base(p), "groth16-v2n1-") {
		t.Fatalf("PathShape: %s, %v", p, err)
	}
	got, made, err := c.LoadOrSetupShapeUnsafe(context.Background(), s)
	if err != nil || made || got.VerifyingKey().Fingerprint() != vk.Fingerprint() {
		t.Fatalf("LoadOrSetupShapeUnsafe: made %v, %v", made, err)
	}
	if _, err := c.Load(Groth16); err == nil {
		t.Fatal("the v1 key loaded from a cache holding only the v2 key")
	}

	// The compiled circuit round-trips with its digest.
	var cs bytes.Buffer
	if _, err := WriteConstraintSystemShape(&cs, s); err != nil {
		t.Fatal(err)
	}
	d, _ := s.CircuitDigest()
	raw := cs.Bytes()
	if got, err := LoadConstraintSystemShape(bytes.NewReader(raw), d); err != nil || got != s {
		t.Fatalf("LoadConstraintSystemShape: %v, %v", got, err)
	}
	v1d, _ := CircuitDigest(Groth16)
	if _, err := LoadConstraintSystemShape(bytes.NewReader(raw), v1d); !errors.Is(err, ErrCircuitMismatch) {
		t.Fatalf("v2 file under the v1 digest: %v, want ErrCircuitMismatch", err)
	}
}

// TestCeremonyShapeV2: a ceremony of a v2 shape names the shape in its
// transcript, sizes its domain for it, and makes keys of that shape
// (TestCeremonySmall runs the ceremony's steps; a full v2 run follows
// TestCeremonyPresentation with NewCeremonyShape).
func TestCeremonyShapeV2(t *testing.T) {
	s := ShapeV2(Groth16, 1)
	c, err := NewCeremonyShape(s)
	if err != nil {
		t.Fatal(err)
	}
	ccs, _ := s.ConstraintSystem()
	n := uint64(ccs.GetNbConstraints() + ccs.GetNbPublicVariables())
	if c.name != s.String() || c.DomainSize() < n || c.DomainSize() >= 2*n {
		t.Fatalf("ceremony %q of domain %d for %d constraints", c.name, c.DomainSize(), n)
	}
	pk, vk := testShapeKeys(t, s)
	wpk, wvk, err := c.wrapGroth16(pk.g16, vk.g16)
	if err != nil || wpk.CircuitShape() != s || wvk.CircuitShape() != s || wvk.Fingerprint() != vk.Fingerprint() {
		t.Fatalf("keys of the v2 ceremony: %v", err)
	}
	if _, err := NewCeremonyShape(ShapeV2(PLONK, 1)); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("PLONK ceremony: %v", err)
	}
}
