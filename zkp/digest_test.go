package zkp

import "testing"

func TestCircuitDigest(t *testing.T) {
	a, err := CircuitDigest(Groth16)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CircuitDigest(PLONK)
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a == [32]byte{} {
		t.Fatal("backends share a circuit digest")
	}
	if _, err := CircuitDigest(9); err == nil {
		t.Fatal("unknown backend accepted")
	}
}
