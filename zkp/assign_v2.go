package zkp

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/internal/issuerset"
)

// HeldCredential is one credential a v2 prover holds, with what the
// ledger gives the wallet to prove it current: the signing key's leaf in
// its type's issuer set and the leaf's path to the statement's root, and
// the credential's revocation witness under the leaf's revocation root.
type HeldCredential struct {
	Credential *credential.Credential // with SignatureV2 (credential.Sign makes both)
	Issuer     issuerset.Leaf         // the signing key's leaf
	IssuerPath issuerset.Path         // Issuer's path to the statement's issuer-set root
	Revocation *revocation.Witness    // under Issuer.RevocationRoot
}

// HoldingV2 is what a v2 prover holds: the holder secret every credential
// is bound to, and the credentials in the request's order.
type HoldingV2 struct {
	Secret      fr.Element
	Credentials []HeldCredential
}

// assignmentV2 checks h against st outside the circuit, so that a holding
// that cannot prove gets a clear error (ErrUnsatisfied wrapping the
// reason) instead of a solver failure, and returns the full assignment
// and the public values a proof carries.
func assignmentV2(st *StatementV2, h *HoldingV2) (*circuitV2, fr.Element, []proven, error) {
	if err := checkHoldingV2(st, h); err != nil {
		return nil, fr.Element{}, nil, err
	}
	return fillV2(st, h)
}

// checkHoldingV2 checks, outside the circuit, every property the circuit
// asserts.
func checkHoldingV2(st *StatementV2, h *HoldingV2) error {
	preds, err := st.check()
	if err != nil {
		return err
	}
	n := len(st.Credentials)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrUnsatisfied}, args...)...)
	}
	if h == nil || len(h.Credentials) != n {
		return fail("the request asks for %d credentials", n)
	}
	binding := credential.HolderBinding(h.Secret)
	for i := range h.Credentials {
		hc := &h.Credentials[i]
		req := &st.Credentials[i]
		c := hc.Credential
		if c == nil || hc.Revocation == nil {
			return fail("credential %d: need a credential and a revocation witness", i)
		}
		core := &c.Core
		if core.Type != req.Type {
			return fail("credential %d: type differs from the requested type", i)
		}
		if c.SignatureV2 == nil {
			return fail("credential %d: %w: no v2 signature (issued before presentation proofs v2)", i, credential.ErrBadSignature)
		}
		if core.HolderBinding != binding {
			return fail("credential %d: %w", i, credential.ErrHolderMismatch)
		}
		var leafKey eddsa.PublicKey
		leafKey.A.X, leafKey.A.Y = hc.Issuer.KeyX, hc.Issuer.KeyY
		if err := credential.VerifyMessage(&leafKey, core.MessageV2(), c.SignatureV2); err != nil {
			return fail("credential %d: signature under the issuer-set leaf's key: %w", i, err)
		}
		if hc.IssuerPath.RootWith(hc.Issuer.Hash()) != st.IssuerSets[i] {
			return fail("credential %d: %w", i, ErrNotAccredited)
		}
		if !hc.Issuer.Covers(core.IssuanceDay) {
			return fail("credential %d: %w: issued on day %d, key valid for days %d to %d", i, ErrOutsideWindow, core.IssuanceDay, hc.Issuer.From, hc.Issuer.Until)
		}
		if core.ValidUntil < st.Today {
			return fail("credential %d: %w: valid until day %d, today is %d", i, credential.ErrExpired, core.ValidUntil, st.Today)
		}
		switch err := hc.Revocation.Verify(hc.Issuer.RevocationRoot, core.RevocationIndex); {
		case errors.Is(err, revocation.ErrRevoked):
			return fail("credential %d: %w", i, credential.ErrRevoked)
		case err != nil:
			return fail("credential %d: revocation witness: %w", i, err)
		}
	}
	for i := range st.Predicates {
		p := &preds[i]
		if !p.l.holds(h.Credentials[p.cred].Credential.Core.Slots[p.slot]) {
			return fail("predicate %d (%s on slot %d of credential %d) is false", i, st.Predicates[i].Op, p.slot, p.cred)
		}
	}
	return nil
}

// fillV2 builds the circuit assignment of h for st without checking that
// it satisfies the circuit (checkHoldingV2 does), and the public values a
// proof carries. It fails only on a holding of the wrong size or a
// signature that does not decode.
func fillV2(st *StatementV2, h *HoldingV2) (*circuitV2, fr.Element, []proven, error) {
	var nf fr.Element
	preds, err := st.check()
	if err != nil {
		return nil, nf, nil, err
	}
	n := len(st.Credentials)
	fail := func(format string, args ...any) (*circuitV2, fr.Element, []proven, error) {
		return nil, nf, nil, fmt.Errorf("%w: "+format, append([]any{ErrUnsatisfied}, args...)...)
	}
	if h == nil || len(h.Credentials) != n {
		return fail("the request asks for %d credentials", n)
	}
	a := newCircuitV2(n, revocationLevels)
	out := make([]proven, n)
	for i := range h.Credentials {
		hc := &h.Credentials[i]
		req := &st.Credentials[i]
		c := hc.Credential
		if c == nil || hc.Revocation == nil {
			return fail("credential %d: need a credential and a revocation witness", i)
		}
		core := &c.Core
		var sig eddsa.Signature
		if _, err := sig.SetBytes(c.SignatureV2); err != nil {
			return fail("credential %d: issuer signature: %w", i, credential.ErrBadSignature)
		}
		if req.RevealIssuer {
			out[i].issuerX, out[i].issuerY = hc.Issuer.KeyX, hc.Issuer.KeyY
		}
		for j := range NumSlots {
			if req.Disclose&(1<<j) != 0 {
				out[i].disclosed[j] = core.Slots[j]
			}
		}
		cv := &a.Creds[i]
		cv.Type, cv.SetRoot = req.Type, st.IssuerSets[i]
		cv.IssuerX, cv.IssuerY = out[i].issuerX, out[i].issuerY
		for j := range NumSlots {
			cv.Disclosed[j] = out[i].disclosed[j]
			cv.Slots[j] = core.Slots[j]
		}
		cv.Salt, cv.DisclosureRoot, cv.HolderBinding = core.Salt, core.DisclosureRoot(), core.HolderBinding
		cv.ValidUntil, cv.RevocationIndex, cv.IssuanceDay = core.ValidUntil, core.RevocationIndex, core.IssuanceDay
		cv.SigRX, cv.SigRY, cv.SigS = sig.R.X, sig.R.Y, new(big.Int).SetBytes(sig.S[:])
		cv.KeyX, cv.KeyY = hc.Issuer.KeyX, hc.Issuer.KeyY
		cv.From, cv.Until, cv.RevocationRoot = hc.Issuer.From, hc.Issuer.Until, hc.Issuer.RevocationRoot
		cv.IssuerIndex = hc.IssuerPath.Index
		for l := range cv.IssuerPath {
			for k := range cv.IssuerPath[l] {
				cv.IssuerPath[l][k] = hc.IssuerPath.Siblings[l][k]
			}
		}
		for l := range cv.RevocationPath {
			for k := range cv.RevocationPath[l] {
				cv.RevocationPath[l][k] = hc.Revocation.Siblings[l][k]
			}
		}
	}
	nf = Nullifier(h.Secret, st.Scope)
	digest, err := st.digest(nf, out)
	if err != nil {
		return nil, nf, nil, err
	}
	a.Statement = digest
	a.Today, a.Scope, a.Flags, a.Nonce, a.Nullifier = st.Today, st.Scope, st.flags(), st.Nonce, nf
	for i := range preds {
		a.Preds[i].Meta = preds[i].meta
		for j := range preds[i].vals {
			a.Preds[i].Vals[j] = preds[i].vals[j]
		}
	}
	a.Secret = h.Secret
	return a, nf, out, nil
}
