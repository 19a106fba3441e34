package consent

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// isV2 reports whether proof bytes are a version 2 proof of package zkp.
func isV2(proof []byte) bool { return bytes.HasPrefix(proof, []byte("CPZ2")) }

// inspectV2 is Inspect for a version 2 proof.
func inspectV2(b []byte) (ProofInfo, error) {
	var p zkp.ProofV2
	if err := p.UnmarshalBinary(b); err != nil {
		return ProofInfo{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	info := ProofInfo{Shape: zkp.ShapeV2(p.Backend, len(p.Credentials)).String(), Fingerprint: Digest(p.Fingerprint)}
	for _, c := range p.Credentials {
		ci := CredentialInfo{SetRoot: Digest(c.IssuerSet.Bytes())}
		if c.RevealIssuer {
			ci.IssuerKey = zkKeyBytes(c.IssuerX, c.IssuerY)
		}
		info.Credentials = append(info.Credentials, ci)
	}
	return info, nil
}

// zkKeyBytes is the compressed form of the EdDSA key (x, y).
func zkKeyBytes(x, y fr.Element) []byte {
	pk := eddsa.PublicKey{A: twistededwards.PointAffine{X: x, Y: y}}
	return pk.Bytes()
}

// decodeV2 parses a version 2 proof, finds its verifying key and derives
// the zkp statement of st.
func (s *ZKSystem) decodeV2(st *Statement, proof []byte) (*zkp.ProofV2, *zkp.StatementV2, *zkp.VerifyingKey, error) {
	var p zkp.ProofV2
	if err := p.UnmarshalBinary(proof); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	vk, ok := s.keys[p.Fingerprint]
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: no verifying key %x in this proof system", ErrUnofficialKey, p.Fingerprint[:8])
	}
	if st == nil || len(st.Credentials) == 0 {
		return nil, nil, nil, fmt.Errorf("%w: a version 2 proof needs a statement with its credentials", ErrMalformed)
	}
	types := make([]fr.Element, len(st.Credentials))
	roots := make([]Digest, len(st.Credentials))
	for i, c := range st.Credentials {
		id, err := s.typeID(c.Type)
		if err != nil {
			return nil, nil, nil, err
		}
		types[i], roots[i] = id, c.SetRoot
	}
	zst, err := zkStatementV2(st.Request, types, roots, st.Today)
	if err != nil {
		return nil, nil, nil, err
	}
	return &p, zst, vk, nil
}

// ZKStatementV2 returns the zkp statement a version 2 proof answering req
// must satisfy: per credential of the request, in order, the type
// (credential.TypeID of types[i], "<schema>/<version>"), its disclosures
// and issuer form (req.RevealIssuer) and the issuer-set root roots[i]; the
// request's predicates, each naming its credential; the request's ZKNonce
// and ZKScope; today's date (credential.DayValue of today in UTC).
func ZKStatementV2(req *Request, types []string, roots []Digest, today time.Time) (*zkp.StatementV2, error) {
	ids := make([]fr.Element, len(types))
	for i, t := range types {
		id, err := typeID(t)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return zkStatementV2(req, ids, roots, today)
}

func zkStatementV2(req *Request, types []fr.Element, roots []Digest, today time.Time) (*zkp.StatementV2, error) {
	if req == nil {
		return nil, fmt.Errorf("%w: statement needs a request", ErrMalformed)
	}
	qs := req.Queries()
	if len(types) != len(qs) || len(roots) != len(qs) {
		return nil, fmt.Errorf("%w: %d types and %d issuer-set roots for a request of %d credentials", ErrMalformed, len(types), len(roots), len(qs))
	}
	st := &zkp.StatementV2{
		RequestV2: zkp.RequestV2{Nonce: req.ZKNonce(), Scope: req.ZKScope()},
		Today:     credential.DayValue(today.UTC()),
	}
	for i, q := range qs {
		cr := zkp.CredentialRequest{Type: types[i], RevealIssuer: req.RevealIssuer}
		for _, sl := range q.Disclose {
			if sl >= NumSlots {
				return nil, fmt.Errorf("%w: disclosed slot %d", ErrMalformed, sl)
			}
			cr.Disclose |= 1 << sl
		}
		st.Credentials = append(st.Credentials, cr)
		var root fr.Element
		if err := root.SetBytesCanonical(roots[i][:]); err != nil {
			return nil, fmt.Errorf("%w: issuer-set root of credential %d is not a field element", ErrMalformed, i+1)
		}
		st.IssuerSets = append(st.IssuerSets, root)
		for _, p := range q.Predicates {
			zp := zkp.Predicate{Slot: p.Slot, Op: p.Op, A: p.A, B: p.B}
			for _, v := range p.Set {
				e, err := v.Element()
				if err != nil {
					return nil, err
				}
				zp.Set = append(zp.Set, e)
			}
			st.Predicates = append(st.Predicates, zkp.PredicateV2{Cred: uint8(i), Predicate: zp})
		}
	}
	return st, nil
}

// provenOfV2 converts a zkp v2 result, checking that each revealed issuer
// key is the one the statement names (the ledger's key of the named
// issuer): ErrBadProof otherwise.
func provenOfV2(st *Statement, res *zkp.ResultV2) (*Proven, error) {
	if len(res.Credentials) != len(st.Credentials) {
		return nil, fmt.Errorf("%w: result of %d credentials for a statement of %d", ErrBadProof, len(res.Credentials), len(st.Credentials))
	}
	out := &Proven{Nullifier: FieldValueOf(res.Nullifier)}
	for i, c := range res.Credentials {
		want := st.Credentials[i].IssuerKey
		switch {
		case want == nil && c.IssuerKey != nil:
			return nil, fmt.Errorf("%w: credential %d: the proof reveals an issuer the statement hides", ErrBadProof, i+1)
		case want != nil && (c.IssuerKey == nil || !bytes.Equal(c.IssuerKey.Bytes(), want.ZK().Bytes())):
			return nil, fmt.Errorf("%w: credential %d: the proven issuer key is not the named issuer's", ErrBadProof, i+1)
		}
		m := map[uint8]FieldValue{}
		for slot, v := range c.Disclosed {
			m[slot] = FieldValueOf(v)
		}
		if i == 0 {
			out.Disclosed = m
		} else {
			out.AlsoDisclosed = append(out.AlsoDisclosed, m)
		}
	}
	return out, nil
}

// holdingStatementV2 is the statement a wallet proves for req with h:
// the types of h's credentials and the issuer-set roots their paths lead
// to.
func holdingStatementV2(req *Request, h *zkp.HoldingV2, now time.Time) (*zkp.StatementV2, []Presented, error) {
	if req == nil || h == nil {
		return nil, nil, fmt.Errorf("%w: need a request and a holding", ErrMalformed)
	}
	var types []string
	var ids []fr.Element
	var roots []Digest
	var pres []Presented
	for i, hc := range h.Credentials {
		if hc.Credential == nil {
			return nil, nil, fmt.Errorf("%w: holding credential %d is missing", ErrMalformed, i+1)
		}
		t := TypeOf(hc.Credential)
		types = append(types, t)
		ids = append(ids, hc.Credential.Core.Type)
		leaf := hc.Issuer.Hash()
		r := hc.IssuerPath.RootWith(leaf)
		roots = append(roots, Digest(r.Bytes()))
		p := Presented{Type: t}
		if req.RevealIssuer {
			p.Issuer = hc.Credential.Issuer
		}
		pres = append(pres, p)
	}
	if err := requestedTypes(req, types); err != nil {
		return nil, nil, err
	}
	st, err := zkStatementV2(req, ids, roots, now)
	if err != nil {
		return nil, nil, err
	}
	return st, pres, nil
}

// CanAnswerV2 reports whether the holding can answer req with a version 2
// proof as of now, without proving: ErrTypeNotRequested when its
// credentials are not of the request's types, position by position;
// zkp.ErrUnsatisfied (wrapping zkp's and credential's reasons: a key
// outside the issuer set or its window, expiry, revocation …) when they do
// not satisfy the request. The issuer-set roots are those the holding's
// paths lead to.
func CanAnswerV2(req *Request, h *zkp.HoldingV2, now time.Time) error {
	st, _, err := holdingStatementV2(req, h, now)
	if err != nil {
		return err
	}
	return zkp.CheckV2(st, h)
}

// proveV2 is zkp.ProveV2; a test counts the proofs PresentV2 makes.
var proveV2 = zkp.ProveV2

// PresentV2 is Present for a version 2 proof: it answers req, a request of
// one to MaxCredentials credentials, with the holding's credentials in the
// request's order, under the grant whose status st reports. It checks the
// request, the grant's signer, liveness and coverage position by position
// exactly as Present does (with the same errors), proves with pk (a
// proving key of the version 2 shape for the request's number of
// credentials; zkp.ErrWrongKey otherwise) against the issuer-set roots
// the holding's paths lead to, and signs the presentation. The
// presentation names each credential's issuer only when req.RevealIssuer.
func PresentV2(ctx context.Context, key *identity.PrivateKey, pk *zkp.ProvingKey, req *Request, st *Status, h *zkp.HoldingV2, now time.Time) (*Presentation, error) {
	if key == nil || pk == nil || req == nil || st == nil || st.Grant == nil || h == nil {
		return nil, fmt.Errorf("%w: PresentV2 needs a key, a proving key, a request, a grant status and a holding", ErrMalformed)
	}
	zst, pres, err := holdingStatementV2(req, h, now)
	if err != nil {
		return nil, err
	}
	types := make([]string, len(pres))
	for i, p := range pres {
		types[i] = p.Type
	}
	if err := readyToPresent(key, req, st, types, now); err != nil {
		return nil, err
	}
	proof, err := proveV2(ctx, pk, zst, h)
	if err != nil {
		return nil, err
	}
	b, err := proof.MarshalBinary()
	if err != nil {
		return nil, err
	}
	p := &Presentation{Request: req.ID(), Grant: st.Grant, Type: pres[0].Type, Issuer: pres[0].Issuer, Also: pres[1:], Proof: b}
	if len(p.Also) == 0 {
		p.Also = nil
	}
	if err := p.Sign(key); err != nil {
		return nil, err
	}
	return p, nil
}

// HeldV2 returns what a wallet proves about credential c in a version 2
// proof, from the ledger's state: the leaf, in the current issuer set of
// c's type, of the key that signed c and was valid on its issuance day,
// that leaf's path to the set's root, and the revocation witness w (which
// must lead to the leaf's revocation root, the issuer's latest published
// one, for the proof to succeed). Errors: ErrNotAccredited when the
// current set of the type has no leaf for c's key covering its issuance
// day (the key was never accredited for the type, suspended, or removed
// as compromised), ErrMalformed for a credential without a type, key or
// witness.
func HeldV2(state *ledger.State, c *credential.Credential, w *revocation.Witness) (zkp.HeldCredential, error) {
	if state == nil || c == nil || c.Schema == nil || c.IssuerKey == nil || w == nil {
		return zkp.HeldCredential{}, fmt.Errorf("%w: HeldV2 needs the state, a credential with its schema and issuer key, and its witness", ErrMalformed)
	}
	set, err := state.IssuerSet(c.Schema.Name)
	if err != nil {
		return zkp.HeldCredential{}, fmt.Errorf("%w: no issuer set for %q: %v", ErrNotAccredited, c.Schema.Name, err)
	}
	key := c.IssuerKey.Bytes()
	for i, l := range set.Leaves {
		if l.Key == nil || l.Key.ZK() == nil || !bytes.Equal(l.Key.ZK().Bytes(), key) || !l.Covers(c.Core.IssuanceDay) {
			continue
		}
		var rev fr.Element
		if err := rev.SetBytesCanonical(l.RevocationRoot[:]); err != nil {
			return zkp.HeldCredential{}, fmt.Errorf("%w: revocation root of the issuer-set leaf is not a field element", ErrStaleRoot)
		}
		leaf := issuerset.KeyLeaf(l.Key.ZK(), l.From, l.Until, rev)
		if h := leaf.Hash(); Digest(h.Bytes()) != Digest(l.Hash) {
			return zkp.HeldCredential{}, fmt.Errorf("consent: issuer-set leaf %d of %q does not hash to the ledger's value", i, c.Schema.Name)
		}
		lp, err := set.Path(i)
		if err != nil {
			return zkp.HeldCredential{}, err
		}
		path := issuerset.Path{Index: lp.Index}
		for h := range lp.Siblings {
			for k := range lp.Siblings[h] {
				if err := path.Siblings[h][k].SetBytesCanonical(lp.Siblings[h][k][:]); err != nil {
					return zkp.HeldCredential{}, fmt.Errorf("consent: issuer-set path of %q: %w", c.Schema.Name, err)
				}
			}
		}
		return zkp.HeldCredential{Credential: c, Issuer: leaf, IssuerPath: path, Revocation: w}, nil
	}
	return zkp.HeldCredential{}, fmt.Errorf("%w: the issuer set of %q has no key of %s valid on the credential's issuance day", ErrNotAccredited, c.Schema.Name, c.Issuer)
}
