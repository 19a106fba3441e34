package consent

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/zkp"
)

// ZKSystem is the ProofSystem of the gate over civicproof's presentation
// circuits (package zkp, version 1 and version 2 shapes): it holds the
// verifying keys the agency accepts, by fingerprint. The gate additionally requires each key's fingerprint
// to be registered on the ledger for its shape.
type ZKSystem struct {
	keys  map[[32]byte]*zkp.VerifyingKey
	types sync.Map // credential type name -> its credential.TypeID (fr.Element)
}

// NewZKSystem returns a proof system verifying with the given keys.
func NewZKSystem(vks ...*zkp.VerifyingKey) *ZKSystem {
	s := &ZKSystem{keys: map[[32]byte]*zkp.VerifyingKey{}}
	for _, vk := range vks {
		if vk != nil {
			s.keys[vk.Fingerprint()] = vk
		}
	}
	return s
}

// Inspect implements ProofSystem, for version 1 and version 2 proofs.
func (s *ZKSystem) Inspect(proof []byte) (ProofInfo, error) {
	if isV2(proof) {
		return inspectV2(proof)
	}
	h, err := zkp.Inspect(proof)
	if err != nil {
		return ProofInfo{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return ProofInfo{Shape: h.Shape(), Fingerprint: Digest(h.Fingerprint), Root: Digest(h.Root.Bytes())}, nil
}

// Verify implements ProofSystem: a version 1 proof with zkp.Verify, a
// version 2 proof with zkp.VerifyV2 (and the revealed issuer keys checked
// against the statement's).
func (s *ZKSystem) Verify(st *Statement, proof []byte) (*Proven, error) {
	if isV2(proof) {
		p, zst, vk, err := s.decodeV2(st, proof)
		if err != nil {
			return nil, err
		}
		res, err := zkp.VerifyV2(vk, zst, p)
		if err != nil {
			return nil, proofError(err)
		}
		return provenOfV2(st, res)
	}
	p, zst, vk, err := s.decode(st, proof)
	if err != nil {
		return nil, err
	}
	res, err := zkp.Verify(vk, zst, p)
	if err != nil {
		return nil, proofError(err)
	}
	return provenOf(res), nil
}

// typeID returns credential.TypeID of a type name, remembered: the gate
// passes only types whose issuer is accredited for them, so the set stays
// small, and each id costs two Poseidon2 hashes.
func (s *ZKSystem) typeID(typ string) (fr.Element, error) {
	if v, ok := s.types.Load(typ); ok {
		return v.(fr.Element), nil
	}
	id, err := typeID(typ)
	if err != nil {
		return id, err
	}
	s.types.Store(typ, id)
	return id, nil
}

// typeID is credential.TypeID of a consent type name "<schema>/<version>".
func typeID(typ string) (fr.Element, error) {
	name, version, err := SplitType(typ)
	if err != nil {
		return fr.Element{}, err
	}
	return credential.TypeID(name, version), nil
}

// ZKStatement returns the zkp statement a proof answering req with a
// credential of type typ ("<schema>/<version>") must satisfy: the
// request's disclosures and predicates, its ZKNonce and ZKScope, the
// type's credential.TypeID, the issuer's ZK key, the revocation root and
// today's date (credential.DayValue of today in UTC).
func ZKStatement(req *Request, typ string, issuerKey *identity.PublicKey, root Digest, today time.Time) (*zkp.Statement, error) {
	if issuerKey == nil {
		return nil, fmt.Errorf("%w: statement needs an issuer key", ErrMalformed)
	}
	id, err := typeID(typ)
	if err != nil {
		return nil, err
	}
	return zkStatement(req, id, issuerKey.ZK(), root, today)
}

// zkStatement is ZKStatement with the type id already computed.
func zkStatement(req *Request, typeID fr.Element, issuerKey *eddsa.PublicKey, root Digest, today time.Time) (*zkp.Statement, error) {
	if req == nil || issuerKey == nil {
		return nil, fmt.Errorf("%w: statement needs a request and an issuer key", ErrMalformed)
	}
	var r fr.Element
	if err := r.SetBytesCanonical(root[:]); err != nil {
		return nil, fmt.Errorf("%w: revocation root is not a field element", ErrMalformed)
	}
	st := &zkp.Statement{
		Request: zkp.Request{
			Type:  typeID,
			Nonce: req.ZKNonce(),
			Scope: req.ZKScope(),
		},
		IssuerKey: issuerKey,
		Root:      r,
		Today:     credential.DayValue(today.UTC()),
	}
	for _, s := range req.Disclose {
		if s >= NumSlots {
			return nil, fmt.Errorf("%w: disclosed slot %d", ErrMalformed, s)
		}
		st.Disclose |= 1 << s
	}
	for _, p := range req.Predicates {
		zp := zkp.Predicate{Slot: p.Slot, Op: p.Op, A: p.A, B: p.B}
		for _, v := range p.Set {
			e, err := v.Element()
			if err != nil {
				return nil, err
			}
			zp.Set = append(zp.Set, e)
		}
		st.Predicates = append(st.Predicates, zp)
	}
	return st, nil
}

// TypeOf returns the consent name of a credential's type,
// "<schema name>/<version>" ("" for a credential without a schema).
func TypeOf(c *credential.Credential) string {
	if c == nil {
		return ""
	}
	return TypeName(c.Schema)
}

// TypeName returns the consent name of a schema's credential type,
// "<schema name>/<version>", as requests and grants list it ("" for nil).
func TypeName(s *credential.Schema) string {
	if s == nil {
		return ""
	}
	return s.Name + "/" + strconv.FormatUint(uint64(s.Version), 10)
}

// CanAnswer reports whether the holding can answer req as of now, without
// proving: zkp.ErrUnsatisfied (wrapping credential.ErrExpired,
// credential.ErrRevoked … where one applies) when the credential does not
// satisfy the request, so a wallet can say so before asking the user for
// consent. The revocation root is the one the holding's witness leads to.
func CanAnswer(req *Request, h *zkp.Holding, now time.Time) error {
	st, err := holdingStatement(req, h, now)
	if err != nil {
		return err
	}
	return zkp.Check(st, h)
}

// holdingStatement is the statement a wallet proves for req with h.
func holdingStatement(req *Request, h *zkp.Holding, now time.Time) (*zkp.Statement, error) {
	if req == nil || h == nil || h.Credential == nil || h.Witness == nil {
		return nil, fmt.Errorf("%w: need a request and a holding with its witness", ErrMalformed)
	}
	if len(req.Also) > 0 {
		return nil, fmt.Errorf("%w: a version 1 proof answers one credential, the request asks for %d", ErrMalformed, 1+len(req.Also))
	}
	if err := requestedType(req, TypeOf(h.Credential)); err != nil {
		return nil, err
	}
	root := h.Witness.RootWith(fr.Element{})
	return zkStatement(req, h.Credential.Core.Type, h.Credential.IssuerKey, Digest(root.Bytes()), now)
}

// Present is the wallet's answer to a request under the grant whose
// status st reports (StatusOf, read from the ledger just before). Before
// proving anything it checks, as CheckRequest does, the request (its
// signature, shape and expiry: ErrBadSignature, ErrMalformed, ErrExpired,
// and ErrClockSkew with ErrExpired when now is more than ClockSkew before
// the request's issue time)
// and that the grant is live and covers it, refusing with a
// *CoverageError that matches the sentinel of each problem:
// ErrConsentWithdrawn, ErrConsentRevoked, ErrConsentExpired, ErrUseLimit,
// ErrAgencyMismatch, ErrPurposeMismatch, ErrNotCovered (and ErrNoConsent
// for a grant never given); key must be the grant's signer (the citizen,
// or the guardian acting for them; ErrMalformed otherwise). Then it proves
// with pk that the held credential satisfies req (zkp.ErrUnsatisfied when
// it cannot), as of now, against the revocation root the holding's witness
// leads to (the gate accepts only the issuer's latest published root, so a
// revoked credential, whose witness leads to that root only with its leaf
// set, is refused there with ErrStaleRoot), and signs the presentation.
// The presentation names its issuer, so the gate accepts it only for a
// request that reveals the issuer (RevealIssuer): Present refuses any
// other request with ErrMalformed after the checks above and before
// proving; answer it with PresentV2 and a version 2 proving key.
func Present(ctx context.Context, key *identity.PrivateKey, pk *zkp.ProvingKey, req *Request, st *Status, h *zkp.Holding, now time.Time) (*Presentation, error) {
	if key == nil || pk == nil || req == nil || st == nil || st.Grant == nil || h == nil || h.Credential == nil || h.Witness == nil {
		return nil, fmt.Errorf("%w: Present needs a key, a proving key, a request, a grant status and a holding with its witness", ErrMalformed)
	}
	if err := readyToPresent(key, req, st, []string{TypeOf(h.Credential)}, now); err != nil {
		return nil, err
	}
	if !req.RevealIssuer {
		return nil, fmt.Errorf("%w: the request hides the issuer and a version 1 proof always names it: answer it with PresentV2 and a version 2 proving key", ErrMalformed)
	}
	grant := st.Grant
	c := h.Credential
	zst, err := holdingStatement(req, h, now)
	if err != nil {
		return nil, err
	}
	proof, err := prove(ctx, pk, zst, h)
	if err != nil {
		return nil, err
	}
	b, err := proof.MarshalBinary()
	if err != nil {
		return nil, err
	}
	p := &Presentation{Request: req.ID(), Grant: grant, Type: TypeOf(c), Issuer: c.Issuer, Proof: b}
	if err := p.Sign(key); err != nil {
		return nil, err
	}
	return p, nil
}
