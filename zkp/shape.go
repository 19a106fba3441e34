package zkp

import (
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
)

// Shape is one compiled presentation circuit and the proof system its
// keys are for. Keys, circuit digests, key caches and ledger
// registrations are per shape: the v1 circuit has one shape per backend
// (ShapeV1), version 2 one per backend and number of credentials
// (ShapeV2), so that a one-credential request never pays for three.
type Shape struct {
	Backend Backend
	Version uint8 // 1: the v1 circuit (Statement); 2: presentation v2 (StatementV2)
	N       uint8 // credentials per proof: 1 for v1, 1 to MaxCredentials for v2
}

// ShapeV1 is the v1 circuit's shape for backend b.
func ShapeV1(b Backend) Shape { return Shape{Backend: b, Version: 1, N: 1} }

// ShapeV2 is the v2 circuit's shape for backend b and n credentials
// (1 ≤ n ≤ MaxCredentials). An n out of range gives a shape that every
// function taking one refuses with ErrInvalidStatement.
func ShapeV2(b Backend, n int) Shape {
	if n < 1 || n > MaxCredentials {
		return Shape{Backend: b, Version: 2}
	}
	return Shape{Backend: b, Version: 2, N: uint8(n)}
}

func (s Shape) valid() bool {
	if !s.Backend.valid() {
		return false
	}
	switch s.Version {
	case 1:
		return s.N == 1
	case 2:
		return s.N >= 1 && s.N <= MaxCredentials
	}
	return false
}

func (s Shape) check() error {
	if !s.valid() {
		return fmt.Errorf("%w: unknown circuit shape %d/%d/%d", ErrInvalidStatement, s.Backend, s.Version, s.N)
	}
	return nil
}

// String returns the name under which verifying keys of the shape are
// registered on the ledger: "civicproof/presentation/v1/groth16" for v1
// (Backend.Shape), "civicproof/presentation/v2-n1/groth16" … "-n3" for v2.
func (s Shape) String() string {
	switch s.Version {
	case 1:
		return Circuit + "/" + s.Backend.String()
	case 2:
		return fmt.Sprintf("%s-n%d/%s", CircuitV2, s.N, s.Backend)
	}
	return fmt.Sprintf("civicproof/presentation/v%d-n%d/%s", s.Version, s.N, s.Backend)
}

// fileTag names the shape in key-cache file names ("groth16" for v1, as
// before, "groth16-v2n1" for v2).
func (s Shape) fileTag() string {
	if s.Version == 1 {
		return s.Backend.String()
	}
	return fmt.Sprintf("%s-v%dn%d", s.Backend, s.Version, s.N)
}

// circuit returns the empty circuit of the shape, to compile.
func (s Shape) circuit() frontend.Circuit {
	if s.Version == 2 {
		return newCircuitV2(int(s.N), revocationLevels)
	}
	return &presentationCircuit{}
}

type compiled struct {
	once sync.Once
	ccs  constraint.ConstraintSystem
	err  error
}

var compiledShapes sync.Map // Shape -> *compiled

func compiledEntry(s Shape) *compiled {
	e, _ := compiledShapes.LoadOrStore(s, &compiled{})
	return e.(*compiled)
}

// ConstraintSystem returns the shape's compiled circuit (R1CS for Groth16,
// SCS for PLONK), compiled once per process (or installed by
// LoadConstraintSystem).
func (s Shape) ConstraintSystem() (constraint.ConstraintSystem, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	e := compiledEntry(s)
	e.once.Do(func() {
		defer quiet()()
		if s.Backend == PLONK {
			e.ccs, e.err = frontend.Compile(ecc.BN254.ScalarField(), scs.NewBuilder, s.circuit())
		} else {
			e.ccs, e.err = frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, s.circuit())
		}
	})
	if e.err != nil {
		return nil, fmt.Errorf("zkp: compiling the circuit %s: %w", s, e.err)
	}
	return e.ccs, nil
}

// ConstraintSystem returns the v1 circuit for a backend:
// ShapeV1(b).ConstraintSystem().
func ConstraintSystem(b Backend) (constraint.ConstraintSystem, error) {
	if !b.valid() {
		return nil, fmt.Errorf("%w: unknown backend %d", ErrInvalidStatement, b)
	}
	return ShapeV1(b).ConstraintSystem()
}
