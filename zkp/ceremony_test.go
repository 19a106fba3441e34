package zkp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math/bits"
	"os"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// cubeCircuit is a small circuit for the ceremony tests that do not need
// the presentation circuit: x³ + x + 5 == y.
type cubeCircuit struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *cubeCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(api.Add(api.Mul(c.X, c.X, c.X), c.X, 5), c.Y)
	return nil
}

const cubeName = "civicproof/test/cube"

var (
	beacon1 = []byte("phase 1 beacon: drand round 1000")
	beacon2 = []byte("phase 2 beacon: drand round 2000")
)

func cubeR1CS(t testing.TB) *cs.R1CS {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &cubeCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	return ccs.(*cs.R1CS)
}

func newCubeCeremony(t testing.TB) *Ceremony {
	t.Helper()
	c, err := newCeremony(cubeName, sha256.Sum256([]byte(cubeName)), cubeR1CS(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runCeremony runs a full ceremony with n contributors per phase.
func runCeremony(t testing.TB, c *Ceremony, n int) (*ProvingKey, *VerifyingKey) {
	t.Helper()
	for range n {
		if _, err := c.ContributePhase1(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SealPhase1(beacon1); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := c.ContributePhase2(); err != nil {
			t.Fatal(err)
		}
	}
	pk, vk, err := c.Finish(beacon2)
	if err != nil {
		t.Fatal(err)
	}
	return pk, vk
}

func transcript(t testing.TB, c *Ceremony) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := c.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v (wrote %d)", n, err, buf.Len())
	}
	return buf.Bytes()
}

func verifyCube(t testing.TB, b []byte, b1, b2 []byte) (*VerifyingKey, error) {
	t.Helper()
	c := newCubeCeremony(t)
	_, vk, err := c.verifyTranscript(bytes.NewReader(b), b1, b2)
	return vk, err
}

func proveCube(t *testing.T, pk *ProvingKey, vk *VerifyingKey) {
	t.Helper()
	ccs := cubeR1CS(t)
	w, err := frontend.NewWitness(&cubeCircuit{X: 3, Y: 35}, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	p, err := groth16.Prove(ccs, pk.g16, w)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := w.Public()
	if err := groth16.Verify(p, vk.g16, pub); err != nil {
		t.Fatalf("proof from ceremony keys: %v", err)
	}
	bad, _ := frontend.NewWitness(&cubeCircuit{Y: 36}, ecc.BN254.ScalarField(), frontend.PublicOnly())
	if err := groth16.Verify(p, vk.g16, bad); err == nil {
		t.Fatal("proof verifies for another public input")
	}
}

func TestCeremonySmall(t *testing.T) {
	c := newCubeCeremony(t)
	pk, vk := runCeremony(t, c, 3)
	proveCube(t, pk, vk)

	b := transcript(t, c)
	got, err := verifyCube(t, b, beacon1, beacon2)
	if err != nil {
		t.Fatalf("verifyTranscript: %v", err)
	}
	if got.Fingerprint() != vk.Fingerprint() {
		t.Fatal("transcript yields another verifying key")
	}
	// Finish is repeatable and deterministic.
	if _, vk2, err := c.Finish(beacon2); err != nil || vk2.Fingerprint() != vk.Fingerprint() {
		t.Fatalf("second Finish: %v", err)
	}

	// Round trip.
	c2 := newCubeCeremony(t)
	if err := c2.readFrom(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(transcript(t, c2), b) {
		t.Fatal("transcript changed in a read/write round trip")
	}
	r1, r2 := c.Receipts()
	s1, s2 := c2.Receipts()
	if len(r1) != 3 || len(r2) != 3 || !slices.Equal(r1, s1) || !slices.Equal(r2, s2) {
		t.Fatal("receipts differ after a round trip")
	}
	_, vk3, err := c2.Finish(beacon2) // redoes phase 1 from the transcript
	if err != nil || vk3.Fingerprint() != vk.Fingerprint() {
		t.Fatalf("Finish after reading: %v", err)
	}
	// The same contributions sealed with another beacon give another key.
	d := *c
	d.beacon2 = nil
	if _, other, err := d.Finish([]byte("another beacon")); err != nil || other.Fingerprint() == vk.Fingerprint() {
		t.Fatalf("Finish with another beacon: %v", err)
	}
}

// TestCeremonyResume passes the transcript from process to process, as
// contributors in different places do.
func TestCeremonyResume(t *testing.T) {
	var receipts [][32]byte
	step := func(b []byte, f func(c *Ceremony)) []byte {
		c := newCubeCeremony(t)
		if b != nil {
			if err := c.readFrom(bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
		}
		f(c)
		return transcript(t, c)
	}
	contribute1 := func(c *Ceremony) {
		r, err := c.ContributePhase1()
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, r)
	}
	contribute2 := func(c *Ceremony) {
		r, err := c.ContributePhase2()
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, r)
	}
	b := step(nil, contribute1)
	b = step(b, contribute1)
	b = step(b, func(c *Ceremony) {
		if err := c.SealPhase1(beacon1); err != nil {
			t.Fatal(err)
		}
	})
	b = step(b, contribute2) // redoes phase 1 to initialise phase 2
	b = step(b, contribute2)
	var vk *VerifyingKey
	var pk *ProvingKey
	b = step(b, func(c *Ceremony) {
		var err error
		if pk, vk, err = c.Finish(beacon2); err != nil {
			t.Fatal(err)
		}
		r1, r2 := c.Receipts()
		if !slices.Equal(append(r1, r2...), receipts) {
			t.Fatal("receipts are not the contributions'")
		}
	})
	proveCube(t, pk, vk)
	got, err := verifyCube(t, b, beacon1, beacon2)
	if err != nil || got.Fingerprint() != vk.Fingerprint() {
		t.Fatalf("verifyTranscript: %v", err)
	}
}

func TestCeremonyOrder(t *testing.T) {
	c := newCubeCeremony(t)
	if err := c.SealPhase1(beacon1); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("SealPhase1 without contributions = %v", err)
	}
	if _, err := c.ContributePhase2(); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("ContributePhase2 before the seal = %v", err)
	}
	if _, _, err := c.Finish(beacon2); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("Finish before the seal = %v", err)
	}
	if _, err := c.ContributePhase1(); err != nil {
		t.Fatal(err)
	}
	if err := c.SealPhase1(nil); !errors.Is(err, ErrBadTranscript) {
		t.Fatalf("SealPhase1 with an empty beacon = %v", err)
	}
	if err := c.SealPhase1(beacon1); err != nil {
		t.Fatal(err)
	}
	if err := c.SealPhase1(beacon1); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("SealPhase1 twice = %v", err)
	}
	if _, err := c.ContributePhase1(); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("ContributePhase1 after the seal = %v", err)
	}
	if _, _, err := c.Finish(beacon2); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("Finish without phase-2 contributions = %v", err)
	}
	if _, err := c.ContributePhase2(); err != nil {
		t.Fatal(err)
	}
	unfinished := transcript(t, c)
	if _, _, err := c.Finish(beacon2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Finish(beacon1); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("Finish with another beacon = %v", err)
	}
	if _, err := c.ContributePhase2(); !errors.Is(err, ErrCeremonyOrder) {
		t.Fatalf("ContributePhase2 after Finish = %v", err)
	}
	if _, err := verifyCube(t, unfinished, beacon1, beacon2); !errors.Is(err, ErrBadTranscript) {
		t.Fatalf("verifyTranscript(unfinished) = %v", err)
	}
}

// TestCeremonyTampered: a transcript with any contribution altered,
// dropped, reordered or taken from another ceremony is refused, as are
// other beacons and malformed encodings.
func TestCeremonyTampered(t *testing.T) {
	c := newCubeCeremony(t)
	runCeremony(t, c, 3)
	good := transcript(t, c)
	if _, err := verifyCube(t, good, beacon1, beacon2); err != nil {
		t.Fatal(err)
	}
	foreign := newCubeCeremony(t)
	runCeremony(t, foreign, 3)

	const g1 = 32
	tau := 3*updateProofSize + 8 + 64 // [τ¹]₁ in a phase-1 contribution
	zAt := 2 + g1 + 4 + c.nPKK*g1 + 4 // Z[0] in a phase-2 contribution
	swap := func(b []byte, i, j int) {
		var tmp [g1]byte
		copy(tmp[:], b[i:i+g1])
		copy(b[i:i+g1], b[j:j+g1])
		copy(b[j:j+g1], tmp[:])
	}
	tests := []struct {
		name   string
		mutate func(p1, p2 [][]byte) ([][]byte, [][]byte)
	}{
		{"phase 1: two powers of τ swapped", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			swap(p1[1], tau+g1, tau+2*g1)
			return p1, p2
		}},
		{"phase 1: [τ]₁ replaced by another contribution's", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			copy(p1[1][tau:tau+g1], p1[2][tau:tau+g1])
			return p1, p2
		}},
		{"phase 1: proof of knowledge of another contribution", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			copy(p1[1][:updateProofSize], p1[2][:updateProofSize])
			return p1, p2
		}},
		{"phase 1: challenge altered", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			p1[1][len(p1[1])-1] ^= 1
			return p1, p2
		}},
		{"phase 1: contribution dropped", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			return slices.Delete(p1, 1, 2), p2
		}},
		{"phase 1: contributions reordered", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			p1[0], p1[1] = p1[1], p1[0]
			return p1, p2
		}},
		{"phase 1: contribution of another ceremony", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			p1[1] = bytes.Clone(foreign.phase1[1])
			return p1, p2
		}},
		{"phase 1: domain size field", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			binary.BigEndian.PutUint64(p1[0][3*updateProofSize:], 1<<40)
			return p1, p2
		}},
		{"phase 1: point not on the curve", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			p1[2][tau+5] ^= 0x40
			return p1, p2
		}},
		{"phase 2: two Z points swapped", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			swap(p2[1], zAt, zAt+g1)
			return p1, p2
		}},
		{"phase 2: two private-wire points swapped", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			swap(p2[2], 2+g1+4, 2+g1+4+g1)
			return p1, p2
		}},
		{"phase 2: [δ]₁ of another contribution", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			copy(p2[1][2:2+g1], p2[2][2:2+g1])
			return p1, p2
		}},
		{"phase 2: contribution dropped", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			return p1, slices.Delete(p2, 0, 1)
		}},
		{"phase 2: contribution of another ceremony", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			p2[0] = bytes.Clone(foreign.phase2[0])
			return p1, p2
		}},
		{"phase 2: vector length field", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			binary.BigEndian.PutUint32(p2[0][2+g1:], 0xffffffff)
			return p1, p2
		}},
		{"phase 2: commitment count", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			binary.BigEndian.PutUint16(p2[0], 0xffff)
			return p1, p2
		}},
		{"phase 2: truncated contribution", func(p1, p2 [][]byte) ([][]byte, [][]byte) {
			p2[2] = p2[2][:len(p2[2])-1]
			return p1, p2
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := *c
			d.phase1, d.phase2 = cloneAll(c.phase1), cloneAll(c.phase2)
			d.phase1, d.phase2 = tc.mutate(d.phase1, d.phase2)
			b := transcript(t, &d)
			if _, err := verifyCube(t, b, beacon1, beacon2); !errors.Is(err, ErrBadTranscript) {
				t.Fatalf("verifyTranscript = %v, want ErrBadTranscript", err)
			}
		})
	}

	encoded := []struct {
		name   string
		b      []byte
		b1, b2 []byte
	}{
		{"other phase-1 beacon", good, []byte("another beacon"), beacon2},
		{"other phase-2 beacon", good, beacon1, []byte("another beacon")},
		{"truncated", good[:len(good)-1], beacon1, beacon2},
		{"trailing byte", append(bytes.Clone(good), 0), beacon1, beacon2},
		{"other magic", append([]byte("CPMX"), good[4:]...), beacon1, beacon2},
		{"other circuit", bytes.Replace(good, []byte(cubeName), []byte("civicproof/test/cubf"), 1), beacon1, beacon2},
		{"other circuit digest", func() []byte {
			b := bytes.Clone(good)
			b[6+len(cubeName)] ^= 1
			return b
		}(), beacon1, beacon2},
		{"other domain", func() []byte {
			b := bytes.Clone(good)
			binary.BigEndian.PutUint64(b[6+len(cubeName)+32:], c.n*2)
			return b
		}(), beacon1, beacon2},
		{"contribution length", func() []byte {
			b := bytes.Clone(good)
			binary.BigEndian.PutUint32(b[6+len(cubeName)+32+8+4:], 0xffffffff)
			return b
		}(), beacon1, beacon2},
		{"no contributions", func() []byte {
			e := newCubeCeremony(t)
			e.beacon1, e.beacon2 = beacon1, beacon2
			return transcript(t, e)
		}(), beacon1, beacon2},
	}
	for _, tc := range encoded {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := verifyCube(t, tc.b, tc.b1, tc.b2); !errors.Is(err, ErrBadTranscript) {
				t.Fatalf("verifyTranscript = %v, want ErrBadTranscript", err)
			}
		})
	}
	// A transcript of the small circuit is not one of the presentation
	// circuit.
	if _, err := VerifyTranscript(bytes.NewReader(good), beacon1, beacon2); !errors.Is(err, ErrBadTranscript) {
		t.Fatalf("VerifyTranscript(other circuit) = %v", err)
	}
	if _, err := ReadCeremony(bytes.NewReader(good)); !errors.Is(err, ErrBadTranscript) {
		t.Fatalf("ReadCeremony(other circuit) = %v", err)
	}
}

func cloneAll(bs [][]byte) [][]byte {
	out := make([][]byte, len(bs))
	for i := range bs {
		out[i] = bytes.Clone(bs[i])
	}
	return out
}

func TestCeremonyShape(t *testing.T) {
	c, err := NewCeremony()
	if err != nil {
		t.Fatal(err)
	}
	ccs, _ := ConstraintSystem(Groth16)
	n := uint64(ccs.GetNbConstraints() + ccs.GetNbPublicVariables())
	if c.DomainSize() != ecc.NextPowerOfTwo(n) || c.DomainSize() < n || c.DomainSize() >= 2*n {
		t.Fatalf("domain %d for %d constraints and public inputs", c.DomainSize(), n)
	}
	t.Logf("domain 2^%d, contributions of %d bytes (phase 1) and %d bytes (phase 2)", bits.Len64(c.n)-1, phase1Size(c.n), c.phase2Size())
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// TestCeremonyPresentation runs a three-contributor ceremony of the
// presentation circuit (domain 2¹⁵) and proves with its keys. It takes
// minutes on two cores (gnark's phase-2 initialisation is most of it, and
// VerifyTranscript repeats it), so the suite runs the same code on a small
// circuit (TestCeremonySmall, TestCeremonyResume, TestCeremonyTampered)
// and this full-size run only when asked:
//
//	CIVICPROOF_FULL_CEREMONY=1 go test ./zkp -run TestCeremonyPresentation -v
func TestCeremonyPresentation(t *testing.T) {
	if os.Getenv("CIVICPROOF_FULL_CEREMONY") != "1" {
		t.Skip("full-size ceremony takes minutes; set CIVICPROOF_FULL_CEREMONY=1 to run it")
	}
	if raceEnabled() {
		t.Skip("full-size ceremony takes over ten minutes under the race detector; TestCeremonySmall covers the same code")
	}
	c, err := NewCeremony()
	if err != nil {
		t.Fatal(err)
	}
	start, step := time.Now(), time.Now()
	timed := func(what string) {
		t.Logf("%s: %v", what, time.Since(step).Round(100*time.Millisecond))
		step = time.Now()
	}
	for range 3 {
		if _, err := c.ContributePhase1(); err != nil {
			t.Fatal(err)
		}
		timed("phase-1 contribution")
	}
	if err := c.SealPhase1(beacon1); err != nil {
		t.Fatal(err)
	}
	timed("SealPhase1 (verify 3, seal, initialise phase 2)")
	for range 3 {
		if _, err := c.ContributePhase2(); err != nil {
			t.Fatal(err)
		}
		timed("phase-2 contribution")
	}
	pk, vk, err := c.Finish(beacon2)
	if err != nil {
		t.Fatal(err)
	}
	timed("Finish (verify 3, seal)")
	t.Logf("ceremony of 2^%d, 3+3 contributions: %v", bits.Len64(c.n)-1, time.Since(start).Round(time.Second))

	f := newFixture(t)
	p, err := Prove(context.Background(), pk, &f.st, &f.hold)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(vk, &f.st, p); err != nil {
		t.Fatalf("Verify with ceremony keys: %v", err)
	}
	_, unsafeVK := testKeys(t, Groth16)
	if _, err := Verify(unsafeVK, &f.st, p); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Verify with another key = %v", err)
	}

	var kb bytes.Buffer
	if _, err := pk.WriteTo(&kb); err != nil {
		t.Fatal(err)
	}
	pk2, err := ReadProvingKey(&kb)
	if err != nil || pk2.VerifyingKey().Fingerprint() != vk.Fingerprint() {
		t.Fatalf("ReadProvingKey: %v", err)
	}

	b := transcript(t, c)
	t.Logf("transcript: %d bytes", len(b))
	start = time.Now()
	got, err := VerifyTranscript(bytes.NewReader(b), beacon1, beacon2)
	if err != nil {
		t.Fatalf("VerifyTranscript: %v", err)
	}
	t.Logf("VerifyTranscript: %v", time.Since(start).Round(time.Second))
	if got.Fingerprint() != vk.Fingerprint() {
		t.Fatal("VerifyTranscript yields another verifying key")
	}
}
