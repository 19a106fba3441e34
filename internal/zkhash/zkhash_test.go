package zkhash

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

type vector struct {
	Tag    Tag      `json:"tag"`
	Inputs []string `json:"inputs"`
	Output string   `json:"output"`
}

type vectors struct {
	Hash      []vector `json:"hash"`
	Compress  []vector `json:"compress"`
	Compress4 []vector `json:"compress4"`
}

// seq returns n deterministic field elements i*7+k.
func seq(n, k int) []fr.Element {
	xs := make([]fr.Element, n)
	for i := range xs {
		xs[i].SetUint64(uint64(i*7 + k))
	}
	return xs
}

func hexOf(e fr.Element) string { b := e.Bytes(); return hex.EncodeToString(b[:]) }

func makeVectors() vectors {
	var v vectors
	for _, n := range []int{0, 1, 2, 3, 4, 7, 8, 11, 12, 15, 16, 17, 30, 31, 45} {
		for _, tag := range []Tag{TagString, TagClaims} {
			xs := seq(n, int(tag))
			vec := vector{Tag: tag, Output: hexOf(Hash(tag, xs...))}
			for _, x := range xs {
				vec.Inputs = append(vec.Inputs, hexOf(x))
			}
			v.Hash = append(v.Hash, vec)
		}
	}
	var minus1 fr.Element
	minus1.SetOne()
	minus1.Neg(&minus1)
	for _, p := range [][2]fr.Element{{{}, {}}, {seq(1, 1)[0], seq(1, 2)[0]}, {minus1, minus1}} {
		v.Compress = append(v.Compress, vector{Inputs: []string{hexOf(p[0]), hexOf(p[1])}, Output: hexOf(Compress(p[0], p[1]))})
	}
	for _, q := range [][4]fr.Element{{}, {seq(1, 1)[0], seq(1, 2)[0], seq(1, 3)[0], seq(1, 4)[0]}, {minus1, minus1, minus1, minus1}} {
		vec := vector{Output: hexOf(Compress4(q[0], q[1], q[2], q[3]))}
		for _, x := range q {
			vec.Inputs = append(vec.Inputs, hexOf(x))
		}
		v.Compress4 = append(v.Compress4, vec)
	}
	return v
}

func parse(t *testing.T, s string) fr.Element {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var e fr.Element
	if err := e.SetBytesCanonical(b); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestVectors checks Hash and Compress against the committed vectors
// (run with -update to rewrite them after a deliberate change).
func TestVectors(t *testing.T) {
	if *update {
		b, _ := json.MarshalIndent(makeVectors(), "", "  ")
		if err := os.WriteFile("testdata/vectors.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Hash) == 0 || len(v.Compress) == 0 || len(v.Compress4) == 0 {
		t.Fatal("no vectors")
	}
	for _, vec := range v.Hash {
		xs := make([]fr.Element, len(vec.Inputs))
		for i, s := range vec.Inputs {
			xs[i] = parse(t, s)
		}
		if got := Hash(vec.Tag, xs...); got != parse(t, vec.Output) {
			t.Errorf("Hash(tag %d, %d inputs) = %s, want %s", vec.Tag, len(xs), hexOf(got), vec.Output)
		}
	}
	for _, vec := range v.Compress4 {
		var q [4]fr.Element
		for i := range q {
			q[i] = parse(t, vec.Inputs[i])
		}
		if got := Compress4(q[0], q[1], q[2], q[3]); got != parse(t, vec.Output) {
			t.Errorf("Compress4 = %s, want %s", hexOf(got), vec.Output)
		}
	}
	for _, vec := range v.Compress {
		if got := Compress(parse(t, vec.Inputs[0]), parse(t, vec.Inputs[1])); got != parse(t, vec.Output) {
			t.Errorf("Compress = %s, want %s", hexOf(got), vec.Output)
		}
	}
}

// TestSeparation: tags, lengths and trailing zeros all change the hash.
func TestSeparation(t *testing.T) {
	xs := seq(5, 3)
	seen := map[fr.Element]string{}
	add := func(name string, e fr.Element) {
		if prev, ok := seen[e]; ok {
			t.Fatalf("%s collides with %s", name, prev)
		}
		seen[e] = name
	}
	add("tag1", Hash(TagTypeID, xs...))
	add("tag2", Hash(TagString, xs...))
	add("short", Hash(TagTypeID, xs[:4]...))
	add("zero-extended", Hash(TagTypeID, append(xs[:5:5], fr.Element{})...))
	add("empty", Hash(TagTypeID))
	long := seq(15, 1)
	add("15", Hash(TagTypeID, long...))
	add("16 zero-extended", Hash(TagTypeID, append(long, fr.Element{})...))
	add("compress", Compress(xs[0], xs[1]))
	add("compress swapped", Compress(xs[1], xs[0]))
	add("compress4", Compress4(xs[0], xs[1], xs[2], xs[3]))
	add("compress4 permuted", Compress4(xs[1], xs[0], xs[2], xs[3]))
}

type hashCircuit struct {
	In  []frontend.Variable
	Out frontend.Variable `gnark:",public"`
	Tag Tag               `gnark:"-"`
}

func (c *hashCircuit) Define(api frontend.API) error {
	h, err := NewGadget(api).Hash(c.Tag, c.In...)
	if err != nil {
		return err
	}
	api.AssertIsEqual(h, c.Out)
	return nil
}

type compress4Circuit struct {
	In  [4]frontend.Variable
	Out frontend.Variable
}

func (c *compress4Circuit) Define(api frontend.API) error {
	h, err := NewGadget(api).Compress4(c.In[0], c.In[1], c.In[2], c.In[3])
	if err != nil {
		return err
	}
	api.AssertIsEqual(h, c.Out)
	return nil
}

type compressCircuit struct {
	L, R, Out frontend.Variable
}

func (c *compressCircuit) Define(api frontend.API) error {
	h, err := NewGadget(api).Compress(c.L, c.R)
	if err != nil {
		return err
	}
	api.AssertIsEqual(h, c.Out)
	return nil
}

// TestGadgetMatchesNative solves the gadget for every length up to 40 and
// checks that a wrong output is refused.
func TestGadgetMatchesNative(t *testing.T) {
	for n := 0; n <= 40; n++ {
		xs := seq(n, n)
		want := Hash(TagClaims, xs...)
		c := &hashCircuit{In: make([]frontend.Variable, n), Tag: TagClaims}
		w := &hashCircuit{In: make([]frontend.Variable, n), Out: want, Tag: TagClaims}
		for i := range xs {
			w.In[i] = xs[i]
		}
		if err := test.IsSolved(c, w, ecc.BN254.ScalarField()); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		var wrong fr.Element
		wrong.SetOne()
		wrong.Add(&wrong, &want)
		w.Out = wrong
		if err := test.IsSolved(c, w, ecc.BN254.ScalarField()); err == nil {
			t.Fatalf("n=%d: wrong output accepted", n)
		}
	}
	l, r := seq(1, 11)[0], seq(1, 12)[0]
	if err := test.IsSolved(&compressCircuit{}, &compressCircuit{L: l, R: r, Out: Compress(l, r)}, ecc.BN254.ScalarField()); err != nil {
		t.Fatal(err)
	}
	if err := test.IsSolved(&compressCircuit{}, &compressCircuit{L: r, R: l, Out: Compress(l, r)}, ecc.BN254.ScalarField()); err == nil {
		t.Fatal("swapped compress accepted")
	}
	q := seq(4, 5)
	w4 := &compress4Circuit{In: [4]frontend.Variable{q[0], q[1], q[2], q[3]}, Out: Compress4(q[0], q[1], q[2], q[3])}
	if err := test.IsSolved(&compress4Circuit{}, w4, ecc.BN254.ScalarField()); err != nil {
		t.Fatal(err)
	}
	w4.In[0], w4.In[1] = q[1], q[0]
	if err := test.IsSolved(&compress4Circuit{}, w4, ecc.BN254.ScalarField()); err == nil {
		t.Fatal("permuted compress4 accepted")
	}
}

// TestHasherEdDSA signs and verifies with NewHasher, and checks that a
// signature made with another hash does not verify.
func TestHasherEdDSA(t *testing.T) {
	sk, err := eddsa.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := seq(1, 99)[0].Bytes()
	sig, err := sk.Sign(msg[:], NewHasher())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := sk.PublicKey.Verify(sig, msg[:], NewHasher()); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	msg[31] ^= 1
	if ok, _ := sk.PublicKey.Verify(sig, msg[:], NewHasher()); ok {
		t.Fatal("signature verifies for another message")
	}
}

// TestConstraints pins the R1CS cost of each width (the figures in the
// package and zkp documentation); a change of cost must be deliberate.
func TestConstraints(t *testing.T) {
	tests := []struct {
		name    string
		circuit frontend.Circuit
		want    int
	}{
		{"Hash of 1 input (width 4)", &hashCircuit{In: make([]frontend.Variable, 1)}, 265},
		{"Hash of 5 inputs (width 8)", &hashCircuit{In: make([]frontend.Variable, 5)}, 364},
		{"Hash of 16 inputs (width 16, two permutations)", &hashCircuit{In: make([]frontend.Variable, 16)}, 1111},
		{"Compress", &compressCircuit{}, 217},
		{"Compress4", &compress4Circuit{}, 265},
	}
	for _, tc := range tests {
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, tc.circuit)
		if err != nil {
			t.Fatal(err)
		}
		if got := ccs.GetNbConstraints(); got != tc.want {
			t.Errorf("%s: %d constraints, want %d", tc.name, got, tc.want)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	for _, n := range []int{2, 6, 17} {
		xs := seq(n, 1)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				Hash(TagClaims, xs...)
			}
		})
	}
}

func BenchmarkCompress(b *testing.B) {
	l, r := seq(1, 1)[0], seq(1, 2)[0]
	for b.Loop() {
		Compress(l, r)
	}
}

// TestSponge: absorbing in parts, from a copied state, gives Hash.
func TestSponge(t *testing.T) {
	for n := 0; n <= 64; n++ {
		xs := make([]fr.Element, n)
		for i := range xs {
			xs[i].SetUint64(uint64(1000*n + i))
		}
		want := Hash(TagStatementV2, xs...)
		for cut := 0; cut <= n; cut += 1 + cut/3 {
			s := NewSponge(TagStatementV2, n)
			s.Absorb(xs[:cut]...)
			saved := s // a cached prefix
			s.Absorb(xs[cut:]...)
			if got := s.Sum(); got != want {
				t.Fatalf("n=%d cut=%d: sponge differs from Hash", n, cut)
			}
			saved.Absorb(xs[cut:]...)
			if got := saved.Sum(); got != want {
				t.Fatalf("n=%d cut=%d: copied sponge differs from Hash", n, cut)
			}
		}
	}
}

// TestSumAll: sponges of every width, cut at every phase and finished
// together, give Hash each; the sponges passed in are left as they were.
func TestSumAll(t *testing.T) {
	var sps []Sponge
	var rests [][]fr.Element
	var want []fr.Element
	for n := 0; n <= 64; n++ {
		xs := make([]fr.Element, n)
		for i := range xs {
			xs[i].SetUint64(uint64(7000*n + i))
		}
		h := Hash(TagStatementV2, xs...)
		for cut := 0; cut <= n; cut += 1 + cut/4 {
			s := NewSponge(TagStatementV2, n)
			s.Absorb(xs[:cut]...)
			sps, rests, want = append(sps, s), append(rests, xs[cut:]), append(want, h)
		}
	}
	saved := append([]Sponge(nil), sps...)
	got := SumAll(sps, rests)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sponge %d (of %d inputs): SumAll differs from Hash", i, sps[i].n)
		}
		if sps[i] != saved[i] {
			t.Fatalf("sponge %d modified", i)
		}
	}
	if len(SumAll(nil, nil)) != 0 {
		t.Fatal("SumAll of nothing returned results")
	}
}

// TestSumAllLayoutErrors: inputs that do not complete a sponge's length
// are a caller's layout error and panic, as Absorb and Sum do.
func TestSumAllLayoutErrors(t *testing.T) {
	one := []fr.Element{{1}}
	for name, f := range map[string]func(){
		"short":      func() { SumAll([]Sponge{NewSponge(TagStatementV2, 2)}, [][]fr.Element{one}) },
		"long":       func() { SumAll([]Sponge{NewSponge(TagStatementV2, 0)}, [][]fr.Element{one}) },
		"mismatched": func() { SumAll([]Sponge{NewSponge(TagStatementV2, 1)}, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkSumAll finishes 64 statement-digest sponges (a 150-input
// prefix absorbed, 20 inputs each to go) together and one by one.
func BenchmarkSumAll(b *testing.B) {
	const n, pre, batch = 170, 150, 64
	sps := make([]Sponge, batch)
	rests := make([][]fr.Element, batch)
	for k := range sps {
		xs := make([]fr.Element, n)
		for i := range xs {
			xs[i].SetUint64(uint64(k*n + i))
		}
		sps[k] = NewSponge(TagStatementV2, n)
		sps[k].Absorb(xs[:pre]...)
		rests[k] = xs[pre:]
	}
	b.Run("together", func(b *testing.B) {
		for b.Loop() {
			SumAll(sps, rests)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch)/1e3, "µs/sponge")
	})
	b.Run("one-by-one", func(b *testing.B) {
		for b.Loop() {
			for k := range sps {
				s := sps[k]
				s.Absorb(rests[k]...)
				s.Sum()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch)/1e3, "µs/sponge")
	})
}
