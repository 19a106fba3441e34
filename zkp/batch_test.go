package zkp

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
)

// batchProofs proves n statements of the fixture that differ by nonce
// (n distinct proofs and public inputs).
func batchProofs(t testing.TB, n int) (*VerifyingKey, []BatchItem) {
	t.Helper()
	pk, vk := testKeys(t, Groth16)
	f := newFixture(t)
	items := make([]BatchItem, n)
	for i := range n {
		st := f.st
		st.Nonce = elem(uint64(9000 + i))
		p, err := Prove(context.Background(), pk, &st, &f.hold)
		if err != nil {
			t.Fatal(err)
		}
		items[i] = BatchItem{Statement: &st, Proof: p}
	}
	return vk, items
}

// swapC returns copies of a and b with their Groth16 C points exchanged:
// two invalid proofs whose sum of C points is unchanged.
func swapC(a, b *Proof) (*Proof, *Proof) {
	x, y := *a, *b
	x.raw, y.raw = bytes.Clone(a.raw), bytes.Clone(b.raw)
	copy(x.raw[96:], b.raw[96:])
	copy(y.raw[96:], a.raw[96:])
	return &x, &y
}

// constReader returns the same byte forever.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestVerifyBatch(t *testing.T) {
	vk, base := batchProofs(t, 4)
	// A batch larger than the distinct proofs: every proof appears twice.
	valid := append(append([]BatchItem(nil), base...), base...)

	forgedA := *base[1].Proof // a point of another proof: decodes, does not verify
	forgedA.raw = bytes.Clone(forgedA.raw)
	copy(forgedA.raw[:32], base[2].Proof.raw[:32])
	swap0, swap3 := swapC(base[0].Proof, base[3].Proof)
	changed := *base[2].Proof // a disclosed value the prover did not prove
	changed.Disclosed[slotMonths] = elem(31)
	otherKey := *base[0].Proof
	otherKey.Fingerprint[0] ^= 1

	with := func(repl map[int]*Proof) []BatchItem {
		out := append([]BatchItem(nil), valid...)
		for i, p := range repl {
			out[i] = BatchItem{Statement: out[i].Statement, Proof: p}
		}
		return out
	}
	tests := []struct {
		name  string
		items []BatchItem
		rnd   constReader
		bad   map[int]error
	}{
		{"all valid", valid, 0, nil},
		{"one forged", with(map[int]*Proof{5: &forgedA}), 0, map[int]error{5: ErrBadProof}},
		{"C points swapped between two proofs", with(map[int]*Proof{0: swap0, 3: swap3}), 0, map[int]error{0: ErrBadProof, 3: ErrBadProof}},
		{"disclosed value changed", with(map[int]*Proof{6: &changed}), 0, map[int]error{6: ErrBadProof}},
		{"another key and a forgery", with(map[int]*Proof{1: &otherKey, 7: &forgedA}), 0, map[int]error{1: ErrWrongKey, 7: ErrBadProof}},
		{"nil proof", with(map[int]*Proof{2: nil}), 0, map[int]error{2: ErrInvalidStatement}},
		{"one item", valid[:1], 0, nil},
		{"empty", nil, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, errs := VerifyBatch(vk, tc.items, nil)
			if len(res) != len(tc.items) || len(errs) != len(tc.items) {
				t.Fatalf("%d results and %d errors for %d items", len(res), len(errs), len(tc.items))
			}
			for i := range tc.items {
				want := tc.bad[i]
				switch {
				case want == nil && errs[i] != nil:
					t.Errorf("item %d: %v, want accepted", i, errs[i])
				case want == nil && (res[i] == nil || res[i].Nullifier != tc.items[i].Proof.Nullifier || res[i].Disclosed[slotMonths] != elem(30)):
					t.Errorf("item %d: result %+v", i, res[i])
				case want != nil && !errors.Is(errs[i], want):
					t.Errorf("item %d: %v, want %v", i, errs[i], want)
				case want != nil && res[i] != nil:
					t.Errorf("item %d refused with a result", i)
				}
			}
		})
	}
}

// TestVerifyBatchCoefficients shows why the coefficients are random:
// with equal coefficients, two proofs whose C points are swapped cancel
// out in the combined check; with random ones they are caught.
func TestVerifyBatchCoefficients(t *testing.T) {
	vk, items := batchProofs(t, 2)
	g16, ok := batchable(vk)
	if !ok {
		t.Fatal("the presentation key is not batchable")
	}
	a, b := swapC(items[0].Proof, items[1].Proof)
	var ps []*groth16bn254.Proof
	ds := make([]fr.Element, 2)
	for i, p := range []*Proof{a, b} {
		gp, err := groth16Proof(p.raw)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, gp)
		if ds[i], err = items[i].Statement.digest(p.Nullifier, &p.Disclosed); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := batchPairing(g16, ps, ds, constReader(7)); err != nil || !ok {
		t.Fatalf("equal coefficients: batch check = %v, %v; want the (unsound) pass this test documents", ok, err)
	}
	for range 3 {
		if ok, err := batchPairing(g16, ps, ds, rand.Reader); err != nil || ok {
			t.Fatalf("random coefficients: batch check = %v, %v; want refused", ok, err)
		}
	}
	// A random source that fails costs only the speed-up.
	res, errs := VerifyBatch(vk, items, failingReader{})
	for i := range items {
		if errs[i] != nil || res[i] == nil {
			t.Fatalf("item %d with a failing random source: %v", i, errs[i])
		}
	}
}

// TestBatchPairingLines checks the batch equation itself, without the
// one-by-one fallback that VerifyBatch adds: good proofs pass, twice in a
// row (the key's cached lines must survive a check), and one tampered
// proof, or one whose B is the point at infinity (the projective path),
// makes the batch fail.
func TestBatchPairingLines(t *testing.T) {
	vk, items := batchProofs(t, 3)
	g16, ok := batchable(vk)
	if !ok {
		t.Fatal("the presentation key is not batchable")
	}
	var ps []*groth16bn254.Proof
	var ds []fr.Element
	for _, it := range items {
		gp, err := groth16Proof(it.Proof.raw)
		if err != nil {
			t.Fatal(err)
		}
		d, err := it.Statement.digest(it.Proof.Nullifier, &it.Proof.Disclosed)
		if err != nil {
			t.Fatal(err)
		}
		ps, ds = append(ps, gp), append(ds, d)
	}
	for k := range 2 {
		if ok, err := batchPairing(g16, ps, ds, rand.Reader); err != nil || !ok {
			t.Fatalf("good proofs, check %d: %v, %v", k, ok, err)
		}
	}
	tampered := *ps[1]
	tampered.Krs.Add(&tampered.Krs, &ps[0].Ar)
	if ok, err := batchPairing(g16, []*groth16bn254.Proof{ps[0], &tampered, ps[2]}, ds, rand.Reader); err != nil || ok {
		t.Fatalf("tampered C: %v, %v; want refused", ok, err)
	}
	wrongInput := append([]fr.Element(nil), ds...)
	wrongInput[2].SetUint64(1)
	if ok, err := batchPairing(g16, ps, wrongInput, rand.Reader); err != nil || ok {
		t.Fatalf("wrong public input: %v, %v; want refused", ok, err)
	}
	noB := *ps[0]
	noB.Bs = curve.G2Affine{}
	if ok, err := batchPairing(g16, []*groth16bn254.Proof{&noB, ps[1], ps[2]}, ds, rand.Reader); err != nil || ok {
		t.Fatalf("B at infinity: %v, %v; want refused", ok, err)
	}
	// And the whole batch still refuses exactly the tampered proof.
	bad := *items[1].Proof
	bad.raw = bytes.Clone(bad.raw)
	copy(bad.raw[96:], items[0].Proof.raw[96:])
	batch := []BatchItem{items[0], {Statement: items[1].Statement, Proof: &bad}, items[2]}
	res, errs := VerifyBatch(vk, batch, nil)
	for i := range batch {
		if i == 1 {
			if !errors.Is(errs[i], ErrBadProof) || res[i] != nil {
				t.Errorf("tampered proof: %v, %v; want ErrBadProof", res[i], errs[i])
			}
			continue
		}
		if errs[i] != nil || res[i] == nil {
			t.Errorf("good proof %d: %v", i, errs[i])
		}
	}
}

// BenchmarkVerifyBatch reports presentations verified per second, one by
// one against batches (run with -cpu 1 for a per-core figure).
func BenchmarkVerifyBatch(b *testing.B) {
	vk, base := batchProofs(b, 8)
	for _, n := range []int{1, 16, 64} {
		items := make([]BatchItem, n)
		for i := range items {
			items[i] = base[i%len(base)]
		}
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			for b.Loop() {
				if n == 1 {
					if _, err := Verify(vk, items[0].Statement, items[0].Proof); err != nil {
						b.Fatal(err)
					}
					continue
				}
				_, errs := VerifyBatch(vk, items, nil)
				if errs[0] != nil {
					b.Fatal(errs[0])
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "proofs/s")
		})
	}
}
