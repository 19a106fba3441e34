package zkp

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
)

var updateInterop = flag.Bool("update-interop", false, "rewrite the Go-made fixtures under testdata/interop/go (interop/regenerate runs it)")

// evmFixture is testdata/interop/go/groth16/calldata.json: what the Node
// interop test (interop/test/evm.test.js) passes to the exported verifier
// deployed in @ethereumjs/vm.
type evmFixture struct {
	Desc          string `json:"desc"`
	Proof         string `json:"proof"`         // MarshalSolidity, hex
	Input         string `json:"input"`         // StatementInput, hex
	TamperedProof string `json:"tamperedProof"` // C.y changed
	TamperedInput string `json:"tamperedInput"` // input + 1
	VerifyingKey  string `json:"verifyingKey"`  // VerifyingKey.MarshalBinary, hex (for the Go check)
	Compressed    string `json:"compressedProof"`
}

var evmFixtureDir = filepath.Join("..", "testdata", "interop", "go", "groth16")

// TestSolidityCalldata checks MarshalSolidity and StatementInput against
// the proof Verify accepts, and writes the EVM fixture with -update-interop.
func TestSolidityCalldata(t *testing.T) {
	f := newFixture(t)
	pk, vk := testKeys(t, Groth16)
	p, err := Prove(context.Background(), pk, &f.st, &f.hold)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(vk, &f.st, p); err != nil {
		t.Fatal(err)
	}
	sol, err := p.MarshalSolidity()
	if err != nil {
		t.Fatal(err)
	}
	if len(sol) != SolidityProofSize {
		t.Fatalf("Solidity proof of %d bytes", len(sol))
	}
	gp, err := groth16Proof(p.raw)
	if err != nil {
		t.Fatal(err)
	}
	ax, ay := gp.Ar.X.Bytes(), gp.Ar.Y.Bytes()
	bx1, bx0 := gp.Bs.X.A1.Bytes(), gp.Bs.X.A0.Bytes()
	cy := gp.Krs.Y.Bytes()
	for i, want := range [][]byte{ax[:], ay[:], bx1[:], bx0[:]} {
		if !bytes.Equal(sol[32*i:32*i+32], want) {
			t.Errorf("word %d of the Solidity proof is not the EIP-197 coordinate", i)
		}
	}
	if !bytes.Equal(sol[224:], cy[:]) {
		t.Error("last word is not C.y")
	}
	in, err := StatementInput(&f.st, p)
	if err != nil {
		t.Fatal(err)
	}
	// The input is the digest Verify checks: the proof verifies under it
	// and not under another value.
	if err := verifyWithInput(vk, p.raw, in); err != nil {
		t.Fatalf("proof does not verify under StatementInput: %v", err)
	}
	bad := in
	bad[31] ^= 1
	if err := verifyWithInput(vk, p.raw, bad); !errors.Is(err, ErrBadProof) {
		t.Fatalf("tampered input: %v, want ErrBadProof", err)
	}

	// Refusals.
	other := f.st
	other.Root = elem(1)
	if _, err := StatementInput(&other, p); !errors.Is(err, ErrBadProof) {
		t.Errorf("StatementInput(other root) = %v, want ErrBadProof", err)
	}
	other = f.st
	other.Disclose = 0
	if _, err := StatementInput(&other, p); !errors.Is(err, ErrBadProof) {
		t.Errorf("StatementInput(other mask) = %v, want ErrBadProof", err)
	}
	if _, err := (&Proof{Backend: PLONK}).MarshalSolidity(); !errors.Is(err, ErrMalformed) {
		t.Errorf("MarshalSolidity(PLONK) = %v, want ErrMalformed", err)
	}
	broken := *p
	broken.raw = bytes.Repeat([]byte{0xff}, groth16Size)
	if _, err := broken.MarshalSolidity(); !errors.Is(err, ErrMalformed) {
		t.Errorf("MarshalSolidity(bad points) = %v, want ErrMalformed", err)
	}

	if *updateInterop {
		writeEVMFixture(t, vk, p, sol, in)
	}
}

func verifyWithInput(vk *VerifyingKey, raw []byte, in [32]byte) error {
	var d fr.Element
	if err := d.SetBytesCanonical(in[:]); err != nil {
		return err
	}
	pw, err := frontend.NewWitness(publicAssignment(d), ecc.BN254.ScalarField(), frontend.PublicOnly())
	if err != nil {
		return err
	}
	return verifyRaw(vk, raw, pw)
}

func writeEVMFixture(t *testing.T, vk *VerifyingKey, p *Proof, sol []byte, in [32]byte) {
	t.Helper()
	if err := os.MkdirAll(evmFixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var src bytes.Buffer
	if err := vk.ExportSolidity(&src); err != nil {
		t.Fatal(err)
	}
	tp := bytes.Clone(sol)
	tp[255] ^= 1
	ti := in
	ti[31]++
	vkb, _ := vk.MarshalBinary()
	fx := evmFixture{
		Desc:          "a Groth16 presentation proof (zkp test fixture) for the exported Solidity verifier: proof and input accepted, tampered ones refused",
		Proof:         hex.EncodeToString(sol),
		Input:         hex.EncodeToString(in[:]),
		TamperedProof: hex.EncodeToString(tp),
		TamperedInput: hex.EncodeToString(ti[:]),
		VerifyingKey:  hex.EncodeToString(vkb),
		Compressed:    hex.EncodeToString(p.raw),
	}
	b, err := json.MarshalIndent(fx, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(evmFixtureDir, "calldata.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(evmFixtureDir, "Verifier.sol"), src.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEVMFixture checks the committed EVM fixture in Go: its proof verifies
// under its input with its verifying key, and MarshalSolidity of the
// compressed proof gives its calldata (the Node test runs the contract).
func TestEVMFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(evmFixtureDir, "calldata.json"))
	if err != nil {
		t.Fatalf("%v (regenerate with interop/regenerate)", err)
	}
	var fx evmFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	vk, err := ParseVerifyingKey(dec(fx.VerifyingKey))
	if err != nil {
		t.Fatal(err)
	}
	raw := dec(fx.Compressed)
	in := [32]byte(dec(fx.Input))
	if err := verifyWithInput(vk, raw, in); err != nil {
		t.Fatalf("fixture proof: %v", err)
	}
	if err := verifyWithInput(vk, raw, [32]byte(dec(fx.TamperedInput))); !errors.Is(err, ErrBadProof) {
		t.Fatalf("fixture tampered input: %v, want ErrBadProof", err)
	}
	p := &Proof{Backend: Groth16, raw: raw}
	sol, err := p.MarshalSolidity()
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(sol) != fx.Proof {
		t.Fatal("MarshalSolidity of the fixture's proof differs from its calldata")
	}
	src, err := os.ReadFile(filepath.Join(evmFixtureDir, "Verifier.sol"))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := vk.ExportSolidity(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, want.Bytes()) {
		t.Fatal("Verifier.sol is not the fixture key's exported verifier")
	}
}
