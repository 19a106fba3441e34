package zkp

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

var circuitDigests sync.Map // Shape -> [32]byte

// CircuitDigest identifies the compiled v1 circuit of a backend:
// ShapeV1(b).CircuitDigest().
func CircuitDigest(b Backend) ([32]byte, error) {
	if !b.valid() {
		return [32]byte{}, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return ShapeV1(b).CircuitDigest()
}

// CircuitDigest identifies the shape's compiled circuit: SHA-256 of its
// ledger name, a zero byte and its serialized constraint system. Keys
// made for one digest are useless for another, so caches of proving keys
// are keyed by it.
func (s Shape) CircuitDigest() ([32]byte, error) {
	if d, ok := circuitDigests.Load(s); ok {
		return d.([32]byte), nil
	}
	ccs, err := s.ConstraintSystem()
	if err != nil {
		return [32]byte{}, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", s)
	if _, err := ccs.WriteTo(h); err != nil {
		return [32]byte{}, fmt.Errorf("zkp: serializing the circuit: %w", err)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	circuitDigests.Store(s, d)
	return d, nil
}
