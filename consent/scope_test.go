package consent

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// TestScopeCases runs the committed cases of testdata/scope (made by
// gen_vectors.go): an agency asking in another agency's scope name, or in
// another scope than the grant names. Each checks the wallet's
// CheckRequest against its sentinel, that the request's scope element and
// the nullifier a holder would produce are the recorded ones, and that the
// nullifier differs from the one another agency receives for the same
// scope name.
func TestScopeCases(t *testing.T) {
	files, err := filepath.Glob("testdata/scope/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("only %d scope cases", len(files))
	}
	sentinels := map[string]error{"scope-mismatch": ErrScopeMismatch, "agency-mismatch": ErrAgencyMismatch}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c struct {
				Desc, Now, Secret, Request, Scope, Nullifier, Other, OtherNullifier, WantErr string
				Grants                                                                       []string
			}
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			now, err := time.Parse(time.RFC3339, c.Now)
			if err != nil {
				t.Fatal(err)
			}
			parseReq := func(h string) *Request {
				b, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				r, err := ParseRequest(b)
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			elem := func(h string) fr.Element {
				b, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				var e fr.Element
				if err := e.SetBytesCanonical(b); err != nil {
					t.Fatal(err)
				}
				return e
			}
			req, other := parseReq(c.Request), parseReq(c.Other)
			var grants []*Status
			for _, h := range c.Grants {
				b, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				g, err := ParseGrant(b)
				if err != nil {
					t.Fatal(err)
				}
				grants = append(grants, &Status{Grant: g, State: StateGiven})
			}
			secret := elem(c.Secret)
			scope := req.ZKScope()
			if want := elem(c.Scope); !scope.Equal(&want) {
				t.Fatalf("scope element %s, recorded %s", scope.String(), want.String())
			}
			nf, otherNF := zkp.Nullifier(secret, scope), zkp.Nullifier(secret, other.ZKScope())
			if want := elem(c.Nullifier); !nf.Equal(&want) {
				t.Fatal("nullifier is not the recorded one")
			}
			if want := elem(c.OtherNullifier); !otherNF.Equal(&want) {
				t.Fatal("other agency's nullifier is not the recorded one")
			}
			if req.Agency != other.Agency && nf.Equal(&otherNF) {
				t.Fatalf("%s and %s receive the same nullifier", req.Agency, other.Agency)
			}
			if req.Agency != other.Agency && req.Scope == other.Scope {
				hashA, hashB := NullifierHash(req.Scope, FieldValueOf(nf)), NullifierHash(other.Scope, FieldValueOf(otherNF))
				if hashA == hashB {
					t.Fatal("the two agencies' access records would carry the same nullifier hash")
				}
			}
			_, err = CheckRequest(now, req, grants...)
			if c.WantErr == "" {
				if err != nil {
					t.Fatalf("%s: %v", c.Desc, err)
				}
				return
			}
			want := sentinels[c.WantErr]
			if want == nil {
				t.Fatalf("unknown wantErr %q", c.WantErr)
			}
			if !errors.Is(err, want) {
				t.Fatalf("%s: got %v, want %v", c.Desc, err, want)
			}
		})
	}
}

// TestAgencyBoundScope checks ZKScope against zkp.AgencyScope and that the
// agency and the scope name are both bound, with length prefixes so that
// moving bytes between them changes the scope.
func TestAgencyBoundScope(t *testing.T) {
	a, b := testKey(t, 1), testKey(t, 2)
	ra, rb := sampleRequest(t, a), sampleRequest(t, b)
	sa, sb := ra.ZKScope(), rb.ZKScope()
	if want := zkp.AgencyScope(string(a.DID()), ra.Scope); !sa.Equal(&want) {
		t.Fatal("ZKScope is not zkp.AgencyScope(agency, scope)")
	}
	if sa.Equal(&sb) {
		t.Fatal("two agencies' requests in the same scope name share a scope element")
	}
	x, y := zkp.AgencyScope("ab", "c"), zkp.AgencyScope("a", "bc")
	if x.Equal(&y) {
		t.Fatal("agency/scope boundary is not encoded")
	}
}

// TestGateScopeBoundToAgency is the cross-agency linking attack of a
// shared scope name, end to end through two gates: agency A accepts the
// citizen's claim in scope "benefit-2026"; agency B then asks in the same
// scope name. Under the citizen's grant to B (for B's own scope) the
// wallet's check and B's gate refuse with ErrScopeMismatch, and even when
// the citizen consents to B in that scope name, B's access record carries
// a nullifier hash unrelated to A's.
func TestGateScopeBoundToAgency(t *testing.T) {
	ctx := context.Background()
	e := newGateEnv(t)
	w := e.citizenWallet(t, nil)
	reqA := e.request(t)
	resA, err := e.gate.Verify(ctx, reqA, e.present(t, reqA, w))
	if err != nil {
		t.Fatal(err)
	}
	gateB, err := NewGate(ctx, e.other, e.l, e.zk, WithGateClock(e.clock.Now), WithRand(&fixedReader{n: 70}))
	if err != nil {
		t.Fatal(err)
	}
	// B's own scope, and the citizen's grant for it.
	own := ageRequest()
	own.Scope = "tax-2026"
	own.Nonce, own.IssuedAt, own.Expires = Digest{2}, e.clock.Now(), e.clock.Now().Add(time.Hour)
	if err := own.Sign(e.other); err != nil {
		t.Fatal(err)
	}
	grantB := e.anchoredGrant(t, e.citizen, &own, nil)
	// B asks in A's scope name.
	reqB, err := gateB.NewRequest(ageRequest())
	if err != nil {
		t.Fatal(err)
	}
	if reqB.Scope != reqA.Scope {
		t.Fatal("test setup: B's request should reuse A's scope name")
	}
	st, err := StatusOf(e.l, grantB, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckRequest(e.clock.Now(), reqB, st); !errors.Is(err, ErrScopeMismatch) {
		t.Fatalf("wallet: %v, want ErrScopeMismatch", err)
	}
	size := e.l.State().Size()
	wB := w
	wB.grant = grantB
	if _, err := gateB.Verify(ctx, reqB, e.present(t, reqB, wB)); !errors.Is(err, ErrScopeMismatch) {
		t.Fatalf("gate B: %v, want ErrScopeMismatch", err)
	}
	if e.l.State().Size() != size {
		t.Fatal("a refused presentation changed the ledger")
	}
	// The citizen consents to B in that scope name: accepted, unlinkable.
	wB.grant = e.anchoredGrant(t, e.citizen, reqB, nil)
	resB, err := gateB.Verify(ctx, reqB, e.present(t, reqB, wB))
	if err != nil {
		t.Fatal(err)
	}
	if resA.Nullifier == resB.Nullifier {
		t.Fatal("A and B received the same nullifier for one citizen")
	}
	recA, recB := accessRecordAt(t, e, resA.Access.Index), accessRecordAt(t, e, resB.Access.Index)
	if recA.Nullifier == recB.Nullifier {
		t.Fatal("A's and B's public access records carry the same nullifier hash")
	}
}

func accessRecordAt(t *testing.T, e *gateEnv, i uint64) *ledger.AccessRecord {
	t.Helper()
	sr, err := e.l.Record(context.Background(), i)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := sr.Record.Payload.(*ledger.AccessRecord)
	if !ok {
		t.Fatalf("record %d is a %s", i, sr.Record.Kind)
	}
	return p
}
