package consent

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// TestGateProperty draws random (request, grant, credential) triples and
// checks the gate both ways:
//
//   - soundness: whenever the gate accepts, every check of the
//     presentation list holds for what the request asked: the credential's
//     type is one the request lists, its issuer is accredited for it, the
//     predicate holds on the credential's claim, the disclosed value is the
//     credential's, the nullifier is the holder's for the request's scope,
//     and a live grant of this citizen for this agency, purpose and legal
//     basis allows that type, disclosure and predicate;
//   - completeness: when all of them hold, the gate accepts.
//
// Types, bounds, purposes and agencies are drawn from small sets so that
// every branch (accepted, type not requested, not covered, wrong agency or
// purpose, unaccredited type, false predicate) occurs.
func TestGateProperty(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	e.accreditDiploma(t)
	const unaccredited = "Passport/1" // the issuer is never accredited for it
	types := []string{diplomaType, testType, unaccredited}
	bounds := []uint64{10000, 20000, 30000}
	claims := []uint64{5000, 15000, 25000, 35000}
	purposes := []Purpose{PurposeBenefitEligibility, PurposeServiceProvision}
	seed := uint64(20261202)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	subset := func() []string {
		for {
			var s []string
			for _, ty := range types {
				if rng.IntN(2) == 0 {
					s = append(s, ty)
				}
			}
			if len(s) > 0 {
				return s // types is sorted, so s is too
			}
		}
	}
	n := 60
	if testing.Short() {
		n = 25
	}
	counts := map[string]int{}
	for i := range n {
		// The request.
		tmpl := ageRequest()
		tmpl.Types = subset()
		tmpl.Predicates[0].A = bounds[rng.IntN(len(bounds))]
		tmpl.Purpose = purposes[rng.IntN(len(purposes))]
		req, err := e.gate.NewRequest(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		// The grant: each field mostly the request's, sometimes drawn anew.
		often := func() bool { return rng.IntN(4) != 0 }
		gtypes, gbound, gpurpose := req.Types, req.Predicates[0].A, req.Purpose
		if !often() {
			gtypes = subset()
		}
		if !often() {
			gbound = bounds[rng.IntN(len(bounds))]
		}
		if !often() {
			gpurpose = purposes[rng.IntN(len(purposes))]
		}
		gagency := e.verifier.DID()
		if rng.IntN(8) == 0 {
			gagency = e.other.DID()
		}
		gdisclose := rng.IntN(8) != 0
		grant := e.anchoredGrant(t, e.citizen, e.templateRequest(t), func(g *Grant) {
			g.Types, g.Predicates[0].A, g.Purpose, g.Agency = gtypes, gbound, gpurpose, gagency
			if !gdisclose {
				g.Disclose = nil
			}
		})
		// The credential; distinct secrets keep nullifiers apart.
		pred := req.Predicates[0]
		claim := claims[rng.IntN(len(claims))]
		if often() {
			claim = pred.A - 1 - rng.Uint64N(4000)
		}
		cred := wallet{key: e.citizen, grant: grant, secret: 1000 + uint64(i), claim: claim,
			value: rng.Uint64N(1 << 20), typ: types[rng.IntN(len(types))]}
		if cred.claim > pred.A {
			// The wallet cannot prove a false predicate: nothing to present.
			st := &Statement{Request: req, Type: cred.typ, IssuerKey: e.issuer.Public(), Root: e.root, Today: e.clock.Now()}
			if _, err := e.zk.prove(st, cred.secret, cred.claim, cred.value); err == nil {
				t.Fatalf("case %d: proved %d <= %d", i, cred.claim, pred.A)
			}
			counts["false predicate"]++
			continue
		}
		p := e.present(t, req, cred)
		res, err := e.gate.Verify(ctx, req, p)

		requested := slices.Contains(req.Types, cred.typ)
		accredited := cred.typ != unaccredited
		covered := grant.Agency == req.Agency && grant.Purpose == req.Purpose && grant.LegalBasis == req.LegalBasis &&
			slices.Contains(grant.Types, cred.typ) && slices.ContainsFunc(grant.Predicates, pred.Equal) &&
			!slices.ContainsFunc(req.Disclose, func(s uint8) bool { return !slices.Contains(grant.Disclose, s) })
		all := requested && accredited && covered
		switch {
		case err == nil:
			counts["accepted"]++
			if !all {
				t.Fatalf("case %d: accepted although requested=%v accredited=%v covered=%v (request types %v, grant %+v, credential %s)",
					i, requested, accredited, covered, req.Types, grant, cred.typ)
			}
			if res.Type != cred.typ || res.Disclosed[2] != fv(cred.value) || res.Grant != grant.ID() {
				t.Fatalf("case %d: result %+v", i, res)
			}
			var sec, sc, want, sq fr.Element
			sec.SetUint64(cred.secret)
			sc = req.ZKScope()
			want.Mul(&sec, &sc)
			sq.Square(&sec)
			want.Add(&want, &sq)
			if res.Nullifier != FieldValue(want.Bytes()) {
				t.Fatalf("case %d: nullifier is not the holder's for the request's scope", i)
			}
		case all:
			t.Fatalf("case %d: refused although every check holds: %v", i, err)
		case !requested:
			counts["type not requested"]++
			if !errors.Is(err, ErrTypeNotRequested) {
				t.Fatalf("case %d: type %s not in %v: got %v, want ErrTypeNotRequested", i, cred.typ, req.Types, err)
			}
		default:
			counts["refused otherwise"]++
			if !errors.Is(err, ErrNotCovered) && !errors.Is(err, ErrAgencyMismatch) && !errors.Is(err, ErrPurposeMismatch) && !errors.Is(err, ErrNotAccredited) {
				t.Fatalf("case %d: refused for an unexpected reason: %v", i, err)
			}
		}
	}
	t.Logf("seed %d: %v", seed, counts)
	for _, k := range []string{"accepted", "type not requested", "refused otherwise"} {
		if counts[k] == 0 {
			t.Fatalf("no case %q among %d draws (%v): the draw does not exercise the gate", k, n, counts)
		}
	}
}
