package zkp

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

var circuitDigests sync.Map // Backend -> [32]byte

// CircuitDigest identifies the compiled circuit of a backend: SHA-256 of
// its serialized constraint system. Keys made for one digest are useless
// for another, so caches of proving keys are keyed by it.
func CircuitDigest(b Backend) ([32]byte, error) {
	if d, ok := circuitDigests.Load(b); ok {
		return d.([32]byte), nil
	}
	ccs, err := ConstraintSystem(b)
	if err != nil {
		return [32]byte{}, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", b.Shape())
	if _, err := ccs.WriteTo(h); err != nil {
		return [32]byte{}, fmt.Errorf("zkp: serializing the circuit: %w", err)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	circuitDigests.Store(b, d)
	return d, nil
}
