package zkp

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/internal/zkhash"
)

// Holding is what the prover (the wallet) holds: a credential, the holder
// secret it is bound to, and a revocation witness under the root the
// statement names.
type Holding struct {
	Credential *credential.Credential
	Secret     fr.Element
	Witness    *revocation.Witness
}

// Nullifier returns the nullifier of a holder secret in a scope:
// H(tag of nullifiers, secret, scope), with the Poseidon2 hash H of package credential.
func Nullifier(secret, scope fr.Element) fr.Element {
	return zkhash.Hash(zkhash.TagNullifier, secret, scope)
}

// assignment checks h against st outside the circuit, so that a holding
// that cannot prove gets a clear ErrUnsatisfied instead of a solver error,
// and returns the full circuit assignment with the public outputs.
func assignment(st *Statement, h *Holding) (*presentationCircuit, fr.Element, [NumSlots]fr.Element, error) {
	var disclosed [NumSlots]fr.Element
	var nf fr.Element
	fail := func(format string, args ...any) (*presentationCircuit, fr.Element, [NumSlots]fr.Element, error) {
		return nil, nf, disclosed, fmt.Errorf("%w: "+format, append([]any{ErrUnsatisfied}, args...)...)
	}
	if h == nil || h.Credential == nil || h.Witness == nil {
		return fail("need a credential and a revocation witness")
	}
	preds, err := st.lowered()
	if err != nil {
		return nil, nf, disclosed, err
	}
	if st.IssuerKey == nil {
		return nil, nf, disclosed, fmt.Errorf("%w: no issuer key", ErrInvalidStatement)
	}
	c := h.Credential
	core := &c.Core
	if c.IssuerKey == nil || !c.IssuerKey.A.Equal(&st.IssuerKey.A) {
		return fail("credential issued under another issuer key")
	}
	if core.Type != st.Type {
		return fail("credential type differs from the requested type")
	}
	_, disclosureRoot, msg := core.Commitments()
	if err := credential.VerifyMessage(c.IssuerKey, msg, c.Signature); err != nil {
		return fail("%w", err)
	}
	if credential.HolderBinding(h.Secret) != core.HolderBinding {
		return fail("%w", credential.ErrHolderMismatch)
	}
	if core.ValidUntil < st.Today {
		return fail("%w: valid until day %d, today is %d", credential.ErrExpired, core.ValidUntil, st.Today)
	}
	switch err := h.Witness.Verify(st.Root, core.RevocationIndex); {
	case errors.Is(err, revocation.ErrRevoked):
		return fail("%w", credential.ErrRevoked)
	case err != nil:
		return fail("revocation witness: %w", err)
	}
	for i := range st.Predicates {
		if !preds[i].holds(core.Slots[st.Predicates[i].Slot]) {
			p := st.Predicates[i]
			return fail("predicate %d (%s on slot %d) is false", i, p.Op, p.Slot)
		}
	}
	for i := range NumSlots {
		if st.Disclose&(1<<i) != 0 {
			disclosed[i] = core.Slots[i]
		}
	}
	nf = Nullifier(h.Secret, st.Scope)
	digest, err := st.digest(nf, &disclosed)
	if err != nil {
		return nil, nf, disclosed, err
	}
	var sig eddsa.Signature
	if _, err := sig.SetBytes(c.Signature); err != nil {
		return fail("issuer signature: %w", credential.ErrBadSignature)
	}

	a := &presentationCircuit{
		Statement: digest,
		IssuerX:   st.IssuerKey.A.X, IssuerY: st.IssuerKey.A.Y,
		Type: st.Type, Today: st.Today, Root: st.Root, Nonce: st.Nonce, Scope: st.Scope,
		Nullifier: nf, Mask: uint64(st.Disclose),
		Salt: core.Salt, DisclosureRoot: disclosureRoot, Secret: h.Secret,
		ValidUntil: core.ValidUntil, RevocationIndex: core.RevocationIndex,
		SigRX: sig.R.X, SigRY: sig.R.Y, SigS: new(big.Int).SetBytes(sig.S[:]),
	}
	for i := range NumSlots {
		a.Disclosed[i] = disclosed[i]
		a.Slots[i] = core.Slots[i]
	}
	for i, p := range preds {
		a.Preds[i] = predVars{Meta: p.meta, Lo: p.lo, Hi: p.hi}
		for j := range p.set {
			a.Preds[i].Set[j] = p.set[j]
		}
	}
	for i := range treeLevels {
		for j := range a.Siblings[i] {
			a.Siblings[i][j] = h.Witness.Siblings[i][j]
		}
	}
	return a, nf, disclosed, nil
}

// publicAssignment is the assignment of the public input only.
func publicAssignment(digest fr.Element) *presentationCircuit {
	return &presentationCircuit{Statement: digest}
}
