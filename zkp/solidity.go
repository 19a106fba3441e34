package zkp

import (
	"fmt"
)

// SolidityProofSize is the length of Proof.MarshalSolidity's output.
const SolidityProofSize = 256

// MarshalSolidity returns a Groth16 proof in the form the exported
// Solidity verifier's verifyProof(bytes proof, uint256[1] input) takes:
// the points A, B, C uncompressed in EIP-197 order,
//
//	A.x | A.y | B.x1 | B.x0 | B.y1 | B.y0 | C.x | C.y
//
// each 32 bytes big-endian (256 bytes). The circuit commits to nothing
// (no Pedersen commitments), so nothing follows. It decodes the points
// (compressed or uncompressed) and checks them; a PLONK proof or a
// malformed one gives ErrMalformed.
// Pass StatementInput's value as the input.
func (p *Proof) MarshalSolidity() ([]byte, error) {
	if p == nil || p.Backend != Groth16 {
		return nil, fmt.Errorf("%w: only a Groth16 proof has a Solidity form here", ErrMalformed)
	}
	gp, err := groth16Proof(p.raw)
	if err != nil {
		return nil, err
	}
	b := gp.MarshalSolidity()
	if len(b) != SolidityProofSize {
		return nil, fmt.Errorf("%w: Solidity form of %d bytes, want %d", ErrMalformed, len(b), SolidityProofSize)
	}
	return b, nil
}

// StatementInput returns the circuit's single public input for proof p of
// statement st, as 32 bytes big-endian: the verifyProof input an EVM
// caller passes beside MarshalSolidity's bytes. It is the statement digest
// (see the circuit's documentation) over the verifier's statement and the
// nullifier and disclosed values p carries, so the caller's contract sees
// exactly what Verify checks. It fails like Verify when p was made for
// another root or disclosure mask (ErrBadProof) or st is invalid
// (ErrInvalidStatement); it does not verify the proof.
func StatementInput(st *Statement, p *Proof) ([32]byte, error) {
	if st == nil || p == nil {
		return [32]byte{}, fmt.Errorf("%w: nil statement or proof", ErrInvalidStatement)
	}
	if p.Root != st.Root {
		return [32]byte{}, fmt.Errorf("%w: proven against another revocation root", ErrBadProof)
	}
	if p.Disclose != st.Disclose {
		return [32]byte{}, fmt.Errorf("%w: proof discloses mask %#04x, request asks %#04x", ErrBadProof, p.Disclose, st.Disclose)
	}
	d, err := st.digest(p.Nullifier, &p.Disclosed)
	if err != nil {
		return [32]byte{}, err
	}
	return d.Bytes(), nil
}
