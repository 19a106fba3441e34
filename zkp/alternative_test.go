package zkp

import (
	"github.com/consensys/gnark-crypto/ecc"
	tedwards "github.com/consensys/gnark-crypto/ecc/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/std/algebra/native/twistededwards"

	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// alternativeCircuit is the core of the design DESIGN.md asks to measure
// against the issuer set: the ledger keeps, per credential type, one
// Poseidon2 tree of issued credential commitments (2^32 leaves, a leaf
// changing when its credential is revoked or superseded), and one
// credential is proven by its message v2 and the path of its active leaf
// to the public root, with no signature, no issuer set and no revocation
// path. Everything else of a presentation (digest, holder binding,
// predicates, disclosures, nullifier) is the same in both designs and
// left out. TestConstraintCounts pins its size as
// "groth16-alternative-core".
type alternativeCircuit struct {
	Root    frontend.Variable `gnark:",public"`
	Message [7 + NumSlots]frontend.Variable
	Index   frontend.Variable
	Path    [revocation.Levels][revocation.Arity - 1]frontend.Variable
}

func (c *alternativeCircuit) Define(api frontend.API) error {
	h := zkhash.NewGadget(api)
	leaf, err := h.Hash(zkhash.TagCredentialV2, c.Message[:]...)
	if err != nil {
		return err
	}
	root, err := walk4(api, h, leaf, api.ToBinary(c.Index, 2*len(c.Path)), c.Path[:])
	if err != nil {
		return err
	}
	api.AssertIsEqual(root, c.Root)
	return nil
}

func alternativeConstraints() (int, error) {
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &alternativeCircuit{})
	if err != nil {
		return 0, err
	}
	return ccs.GetNbConstraints(), nil
}

// v2CoreCircuit is the same core in the issuer-set design, for
// comparison: the message v2 and its EdDSA signature, the issuer-set
// leaf and path, the issuance-day window and the revocation path
// (the checks of one credential that the alternative replaces). Pinned as
// "groth16-v2-core".
type v2CoreCircuit struct {
	SetRoot frontend.Variable `gnark:",public"`
	Cred    credVarsV2
}

func (c *v2CoreCircuit) Define(api frontend.API) error {
	h := zkhash.NewGadget(api)
	curve, err := twistededwards.NewEdCurve(api, tedwards.BN254)
	if err != nil {
		return err
	}
	cr := &c.Cred
	cr.SetRoot = c.SetRoot
	if err := checkSignature(api, h, curve, cr); err != nil {
		return err
	}
	if err := checkIssuerSet(api, h, cr); err != nil {
		return err
	}
	checkWindow(api, cr)
	return checkRevocation(api, h, cr)
}

func v2CoreConstraints() (int, error) {
	c := &v2CoreCircuit{}
	c.Cred.RevocationPath = make([][revocation.Arity - 1]frontend.Variable, revocationLevels)
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		return 0, err
	}
	return ccs.GetNbConstraints(), nil
}
