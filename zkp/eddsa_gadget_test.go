package zkp

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	tedwardsbn254 "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"
	"github.com/consensys/gnark/test"
)

// mulCircuit asserts fixedBaseMul(S) = SG and varBaseMul(P, K) = KP.
type mulCircuit struct {
	S, SGX, SGY frontend.Variable
	PX, PY, K   frontend.Variable
	KPX, KPY    frontend.Variable
}

func (c *mulCircuit) Define(api frontend.API) error {
	curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	sg := fixedBaseMul(api, curve, c.S)
	api.AssertIsEqual(sg.X, c.SGX)
	api.AssertIsEqual(sg.Y, c.SGY)
	kp := varBaseMul(api, curve, twistededwards.Point{X: c.PX, Y: c.PY}, c.K)
	api.AssertIsEqual(kp.X, c.KPX)
	api.AssertIsEqual(kp.Y, c.KPY)
	return nil
}

// twistedPoint is the native point of circuit coordinates.
func twistedPoint(x, y frontend.Variable) tedwardsbn254.PointAffine {
	var p tedwardsbn254.PointAffine
	if _, err := p.X.SetInterface(x); err != nil {
		panic(err)
	}
	if _, err := p.Y.SetInterface(y); err != nil {
		panic(err)
	}
	return p
}

// widerThan252 returns s + k·ℓ for the least k that takes it to 2²⁵² or
// beyond: the same multiple of any point of order ℓ, out of the circuit's
// range for S.
func widerThan252(s *big.Int) *big.Int {
	params := tedwardsbn254.GetEdwardsCurve()
	order := &params.Order
	bound := new(big.Int).Lsh(big.NewInt(1), sigScalarBits)
	w := new(big.Int).Set(s)
	for w.Cmp(bound) < 0 {
		w.Add(w, order)
	}
	return w
}

// mulAssignment is the honest assignment of s, k and P = [x]G.
func mulAssignment(s, k, x *big.Int) *mulCircuit {
	params := tedwardsbn254.GetEdwardsCurve()
	var sg, p, kp tedwardsbn254.PointAffine
	sg.ScalarMultiplication(&params.Base, s)
	p.ScalarMultiplication(&params.Base, x)
	kp.ScalarMultiplication(&p, k)
	return &mulCircuit{S: s, SGX: sg.X, SGY: sg.Y, PX: p.X, PY: p.Y, K: k, KPX: kp.X, KPY: kp.Y}
}

// TestScalarMulGadgets checks the two scalar multiplications of
// verifyEdDSA against gnark-crypto's native ones, at the edges of their
// ranges and at random scalars, and that a wrong result or an S past 252
// bits is refused.
func TestScalarMulGadgets(t *testing.T) {
	params := tedwardsbn254.GetEdwardsCurve()
	order := &params.Order
	pMinus1 := new(big.Int).Sub(fr.Modulus(), big.NewInt(1))
	max252 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), sigScalarBits), big.NewInt(1))
	random := func(bound *big.Int) *big.Int {
		v, err := rand.Int(rand.Reader, bound)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	x := random(order)
	cases := []struct{ s, k *big.Int }{
		{big.NewInt(0), big.NewInt(0)},
		{big.NewInt(1), big.NewInt(1)},
		{big.NewInt(2), big.NewInt(2)},
		{big.NewInt(3), big.NewInt(3)},
		{big.NewInt(4), big.NewInt(4)},
		{new(big.Int).Sub(order, big.NewInt(1)), new(big.Int).Sub(order, big.NewInt(1))},
		{order, order},
		{max252, pMinus1},
		{random(order), random(fr.Modulus())},
		{random(max252), random(fr.Modulus())},
	}
	circuit := &mulCircuit{}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			a := mulAssignment(c.s, c.k, x)
			if err := test.IsSolved(circuit, a, ecc.BN254.ScalarField()); err != nil {
				t.Fatalf("s=%v k=%v: %v", c.s, c.k, err)
			}
			wrong := *a
			wrong.SGX, wrong.SGY = a.KPX, a.KPY
			if c.s.Cmp(c.k) != 0 && test.IsSolved(circuit, &wrong, ecc.BN254.ScalarField()) == nil {
				t.Fatal("fixedBaseMul accepted another point")
			}
			wrong = *a
			wrong.K = new(big.Int).Add(c.k, big.NewInt(1))
			if test.IsSolved(circuit, &wrong, ecc.BN254.ScalarField()) == nil {
				t.Fatal("varBaseMul accepted the multiple of another scalar")
			}
		})
	}
	t.Run("S past 252 bits", func(t *testing.T) {
		s := random(order)
		a := mulAssignment(s, big.NewInt(5), x)
		a.S = widerThan252(s) // [S]G unchanged
		if test.IsSolved(circuit, a, ecc.BN254.ScalarField()) == nil {
			t.Fatal("fixedBaseMul accepted a scalar of more than 252 bits")
		}
	})
}

// TestCircuitV2SignatureScalarModOrder: a witness whose S is the
// signature's plus ℓ (still below 2²⁵²) satisfies the circuit, as
// verifyEdDSA documents: (R, S mod ℓ) is the valid signature it stands for.
func TestCircuitV2SignatureScalarModOrder(t *testing.T) {
	f := newFixtureV2(t, 1, false)
	a, _, _, err := assignmentV2(&f.st, f.holding(t))
	if err != nil {
		t.Fatal(err)
	}
	params := tedwardsbn254.GetEdwardsCurve()
	s := new(big.Int).Add(a.Creds[0].SigS.(*big.Int), &params.Order)
	if s.BitLen() > sigScalarBits {
		t.Fatalf("S + ℓ has %d bits", s.BitLen())
	}
	a.Creds[0].SigS = s
	if err := solveV2(a, ""); err != nil {
		t.Fatalf("S + ℓ refused: %v", err)
	}
}
