package consent

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// gateV2Env is a world whose ledger keeps issuer sets for three types —
// PersonalID and Diploma (the issuer) and Residence (the other agency) —
// with the small version 2 proof system's key on the ledger and the
// verifier's gate using it.
type gateV2Env struct {
	*world
	zk   *recordingSystem
	gate *Gate
}

// recordingSystem remembers the statements the gate hands to the proof
// system, so that tests can see what the verifier derived.
type recordingSystem struct {
	*smallV2System
	mu   sync.Mutex
	last *Statement
}

func (r *recordingSystem) Verify(st *Statement, b []byte) (*Proven, error) {
	r.mu.Lock()
	r.last = st
	r.mu.Unlock()
	return r.smallV2System.Verify(st, b)
}

const (
	residenceType = "Residence/1"
	licenceType   = "Licence/1"
)

func newGateV2Env(t testing.TB, opts ...GateOption) *gateV2Env {
	t.Helper()
	e := &gateV2Env{world: newWorld(t), zk: &recordingSystem{smallV2System: smallV2Systems(t)}}
	e.submit(t, e.world.root, &ledger.VerifyingKey{Shape: smallV2Shape, Fingerprint: ledger.Hash(e.zk.fp)})
	e.submit(t, e.world.root, &ledger.Accredit{Agency: e.issuer.DID(), Role: ledger.RoleIssuer, Types: []string{"Diploma"}})
	e.submit(t, e.world.root, &ledger.Accredit{Agency: e.other.DID(), Role: ledger.RoleIssuer, Types: []string{"Residence"}})
	opts = append([]GateOption{WithGateClock(e.clock.Now), WithRand(&fixedReader{n: 70})}, opts...)
	g, err := NewGate(context.Background(), e.verifier, e.l, e.zk, opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.gate = g
	return e
}

// setRoot is the current issuer-set root of a credential type.
func (e *gateV2Env) setRoot(t testing.TB, typ string) Digest {
	t.Helper()
	name, _, err := SplitType(typ)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.l.State().IssuerSet(name)
	if err != nil {
		t.Fatal(err)
	}
	return Digest(s.Root)
}

// oneRequest asks one credential: income (slot 3) <= 20000, disclose
// slot 2; issuers hidden unless reveal.
func oneRequest(reveal bool) Request {
	r := ageRequest()
	r.RevealIssuer = reveal
	return r
}

// threeRequest asks three credentials in one proof: the personal id's
// income bound and slot 2, the residence's slot 0, and a diploma's (or
// licence's) grade (slot 4) <= 10.
func threeRequest(reveal bool) Request {
	r := oneRequest(reveal)
	r.Purpose, r.Scope = PurposeLicensing, "licence-2026"
	r.Also = []Query{
		{Types: []string{residenceType}, Disclose: SlotSet{0}},
		{Types: []string{diplomaType, licenceType}, Predicates: []Predicate{{Slot: 4, Op: OpLe, A: 10}}},
	}
	return r
}

func (e *gateV2Env) issue(t testing.TB, tmpl Request) *Request {
	t.Helper()
	r, err := e.gate.NewRequest(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// grant anchors the citizen's grant covering tmpl (then edited).
func (e *gateV2Env) grant(t testing.TB, tmpl Request, edit func(*Grant)) *Grant {
	t.Helper()
	r := tmpl
	r.Nonce, r.IssuedAt, r.Expires = Digest{1}, e.clock.Now(), e.clock.Now().Add(time.Hour)
	if err := r.Sign(e.verifier); err != nil {
		t.Fatal(err)
	}
	return e.anchoredGrant(t, e.citizen, &r, edit)
}

// heldV2 is one credential a test wallet presents.
type heldV2 struct {
	typ    string
	issuer *identity.PrivateKey // its signer, named and proven when the request reveals issuers
	root   *Digest              // issuer-set root proven against (default: the type's current one)
	claim  uint64               // the value its predicate is about
	value  uint64               // its disclosed value
}

// present proves req with creds (one per position) and signs the
// presentation under grant with the citizen's key.
func (e *gateV2Env) present(t testing.TB, req *Request, grant *Grant, secret uint64, creds ...heldV2) *Presentation {
	t.Helper()
	st := &Statement{Request: req, Today: e.clock.Now()}
	var held []smallHeld
	p := &Presentation{Request: req.ID(), Grant: grant}
	for i, c := range creds {
		cs := CredentialStatement{Type: c.typ}
		if c.root != nil {
			cs.SetRoot = *c.root
		} else {
			cs.SetRoot = e.setRoot(t, c.typ)
		}
		pc := Presented{Type: c.typ}
		if req.RevealIssuer {
			cs.IssuerKey, pc.Issuer = c.issuer.Public(), c.issuer.DID()
		}
		st.Credentials = append(st.Credentials, cs)
		held = append(held, smallHeld{claim: c.claim, disclosed: c.value})
		if i == 0 {
			p.Type, p.Issuer = pc.Type, pc.Issuer
		} else {
			p.Also = append(p.Also, pc)
		}
	}
	proof, err := e.zk.prove(st, secret, held)
	if err != nil {
		t.Fatal(err)
	}
	p.Proof = proof
	if err := p.Sign(e.citizen); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *gateV2Env) personalID() heldV2 {
	return heldV2{typ: testType, issuer: e.issuer, claim: 15000, value: 7}
}

func (e *gateV2Env) three(thirdType string) []heldV2 {
	return []heldV2{e.personalID(), {typ: residenceType, issuer: e.other, value: 1234}, {typ: thirdType, issuer: e.issuer, claim: 8}}
}

// TestGateV2Hidden: a version 2 proof with the issuer hidden is accepted;
// the verifier learns no issuer — not in the presentation, the statement
// it proves, or the result.
func TestGateV2Hidden(t *testing.T) {
	ctx := context.Background()
	e := newGateV2Env(t)
	g := e.grant(t, oneRequest(false), nil)
	req := e.issue(t, oneRequest(false))
	p := e.present(t, req, g, 42, e.personalID())
	if p.Issuer != "" {
		t.Fatal("hidden presentation names its issuer")
	}
	res, err := e.gate.Verify(ctx, req, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Issuer != "" || res.Type != testType || res.Disclosed[2] != fv(7) {
		t.Fatalf("result %+v", res)
	}
	st := e.zk.last
	if st == nil || len(st.Credentials) != 1 || st.Credentials[0].IssuerKey != nil || st.IssuerKey != nil {
		t.Fatalf("statement %+v names an issuer key", st)
	}
	if st.Credentials[0].SetRoot != e.setRoot(t, testType) {
		t.Fatal("statement is not over the type's issuer-set root")
	}
	// Replay and the nullifier policy are as for version 1 proofs.
	if _, err := e.gate.Verify(ctx, req, p); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	again := e.issue(t, oneRequest(false))
	if _, err := e.gate.Verify(ctx, again, e.present(t, again, g, 42, e.personalID())); !errors.Is(err, ErrNullifierUsed) {
		t.Fatalf("second claim: %v", err)
	}
}

// TestGateV2SetRootFreshness: the issuer-set root must be one the ledger
// has had for the type, current or superseded less than the gate's window
// ago.
func TestGateV2SetRootFreshness(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		run     func(t *testing.T, e *gateV2Env) *Digest // the root to prove against
		wantErr error
	}{
		{"current root", func(t *testing.T, e *gateV2Env) *Digest { return nil }, nil},
		{"unknown root", func(t *testing.T, e *gateV2Env) *Digest { return &Digest{0x0f, 0x77} }, ErrStaleRoot},
		{"another type's root", func(t *testing.T, e *gateV2Env) *Digest { r := e.setRoot(t, residenceType); return &r }, ErrStaleRoot},
		{"superseded within the window", func(t *testing.T, e *gateV2Env) *Digest {
			old := e.setRoot(t, testType)
			e.submit(t, e.world.root, &ledger.Accredit{Agency: e.other.DID(), Role: ledger.RoleIssuer, Types: []string{testTypeName}})
			if e.setRoot(t, testType) == old {
				t.Fatal("accreditation did not change the set root")
			}
			e.clock.Add(59 * time.Minute)
			return &old
		}, nil},
		{"superseded beyond the window", func(t *testing.T, e *gateV2Env) *Digest {
			old := e.setRoot(t, testType)
			e.submit(t, e.world.root, &ledger.Accredit{Agency: e.other.DID(), Role: ledger.RoleIssuer, Types: []string{testTypeName}})
			e.clock.Add(time.Hour)
			return &old
		}, ErrStaleRoot},
		{"current root long after it became current", func(t *testing.T, e *gateV2Env) *Digest {
			e.clock.Add(72 * time.Hour)
			return nil
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateV2Env(t, WithMaxSetRootAge(time.Hour))
			g := e.grant(t, oneRequest(false), nil)
			root := tc.run(t, e)
			req := e.issue(t, oneRequest(false))
			c := e.personalID()
			c.root = root
			p := e.present(t, req, g, 42, c)
			size := e.l.State().Size()
			_, err := e.gate.Verify(ctx, req, p)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if e.l.State().Size() != size {
				t.Fatal("a refused presentation wrote to the ledger")
			}
		})
	}
}

// TestGateV2ThreeCredentials: one presentation, one proof, answers a
// request for three credentials of two issuers.
func TestGateV2ThreeCredentials(t *testing.T) {
	e := newGateV2Env(t)
	g := e.grant(t, threeRequest(false), nil)
	req := e.issue(t, threeRequest(false))
	p := e.present(t, req, g, 42, e.three(diplomaType)...)
	res, err := e.gate.Verify(context.Background(), req, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Also) != 2 || res.Also[0].Type != residenceType || res.Also[1].Type != diplomaType || res.Issuer != "" || res.Also[0].Issuer != "" {
		t.Fatalf("credentials %+v %+v", res.Type, res.Also)
	}
	if res.Disclosed[2] != fv(7) || len(res.AlsoDisclosed) != 2 || res.AlsoDisclosed[0][0] != fv(1234) || len(res.AlsoDisclosed[1]) != 0 {
		t.Fatalf("disclosed %v %v", res.Disclosed, res.AlsoDisclosed)
	}
	if n := len(e.l.State().AccessRecords(ledger.Hash(g.ID()))); n != 1 {
		t.Fatalf("%d access records, want 1", n)
	}
}

// TestGateV2Positions: grants narrow a request position by position, and
// never widen it.
func TestGateV2Positions(t *testing.T) {
	tests := []struct {
		name    string
		grant   func(*Grant)
		creds   func(e *gateV2Env) []heldV2
		wantErr error
		check   func(t *testing.T, err error)
	}{
		{"narrower at position 2: disclosure not allowed", func(g *Grant) { g.Also[0].Disclose = nil },
			func(e *gateV2Env) []heldV2 { return e.three(diplomaType) }, ErrNotCovered, func(t *testing.T, err error) {
				var ce *CoverageError
				if !errors.As(err, &ce) || len(ce.MissingAlso) != 1 || ce.MissingAlso[0].Position != 2 || len(ce.MissingAlso[0].Disclosures) != 1 {
					t.Fatalf("coverage %+v", ce)
				}
			}},
		{"narrower at position 3: the allowed type", func(g *Grant) { g.Also[1].Types = []string{diplomaType} },
			func(e *gateV2Env) []heldV2 { return e.three(diplomaType) }, nil, nil},
		{"narrower at position 3: a requested type the grant does not allow", func(g *Grant) { g.Also[1].Types = []string{diplomaType} },
			func(e *gateV2Env) []heldV2 {
				c := e.three(licenceType)
				c[2].root = &Digest{0x02} // no agency is accredited for licences: coverage refuses first
				return c
			}, ErrNotCovered, nil},
		{"position 2 withdrawn", nil, nil, ErrNotCovered, nil}, // run below: withdraws PartAt(2, TypePart(residenceType))
		{"grant widens position 2", func(g *Grant) { g.Also[0].Types = append(g.Also[0].Types, diplomaType) },
			func(e *gateV2Env) []heldV2 {
				c := e.three(diplomaType)
				c[1] = heldV2{typ: diplomaType, issuer: e.issuer, value: 1234}
				return c
			}, ErrTypeNotRequested, nil},
		{"positions swapped", nil, func(e *gateV2Env) []heldV2 {
			c := e.three(diplomaType)
			c[1], c[2] = c[2], c[1]
			return c
		}, ErrTypeNotRequested, nil},
		{"two credentials for a request of three", nil, nil, ErrTypeNotRequested, nil}, // run below: drops the third
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateV2Env(t)
			g := e.grant(t, threeRequest(false), tc.grant)
			creds := e.three(diplomaType)
			if tc.creds != nil {
				creds = tc.creds(e)
			} else if tc.name == "position 2 withdrawn" {
				if _, err := Withdraw(context.Background(), e.l, e.citizen, g, e.clock.Now(), PartAt(2, TypePart(residenceType))); err != nil {
					t.Fatal(err)
				}
			}
			req := e.issue(t, threeRequest(false))
			p := e.present(t, req, g, 42, creds...)
			if tc.name == "two credentials for a request of three" {
				p.Also = p.Also[:1]
				if err := p.Sign(e.citizen); err != nil {
					t.Fatal(err)
				}
			}
			size := e.l.State().Size()
			_, err := e.gate.Verify(context.Background(), req, p)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if e.l.State().Size() != size {
				t.Fatal("a refused presentation wrote to the ledger")
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

// TestGateV2RevealIssuer: a request that reveals issuers gets each
// credential's issuer named and its key proven; the issuer must be
// accredited for the type and the proven key one of its keys.
func TestGateV2RevealIssuer(t *testing.T) {
	ctx := context.Background()
	t.Run("accepted", func(t *testing.T) {
		e := newGateV2Env(t)
		g := e.grant(t, threeRequest(true), nil)
		req := e.issue(t, threeRequest(true))
		res, err := e.gate.Verify(ctx, req, e.present(t, req, g, 42, e.three(diplomaType)...))
		if err != nil {
			t.Fatal(err)
		}
		if res.Issuer != e.issuer.DID() || res.Also[0].Issuer != e.other.DID() || res.Also[1].Issuer != e.issuer.DID() {
			t.Fatalf("issuers %s %+v", res.Issuer, res.Also)
		}
		if k := e.zk.last.Credentials[1].IssuerKey; k == nil || !k.Equal(e.other.Public()) {
			t.Fatal("statement does not carry the named issuer's key from the ledger")
		}
	})
	tests := []struct {
		name    string
		edit    func(e *gateV2Env, p *Presentation, creds []heldV2) []heldV2
		wantErr error
	}{
		{"issuer not accredited for the type", func(e *gateV2Env, _ *Presentation, c []heldV2) []heldV2 {
			c[0].issuer = e.other // accredited for Residence only
			return c
		}, ErrNotAccredited},
		{"issuer not an agency", func(e *gateV2Env, _ *Presentation, c []heldV2) []heldV2 {
			c[2].issuer = e.stranger
			return c
		}, ErrNotAccredited},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateV2Env(t)
			g := e.grant(t, threeRequest(true), nil)
			req := e.issue(t, threeRequest(true))
			p := e.present(t, req, g, 42, tc.edit(e, nil, e.three(diplomaType))...)
			if _, err := e.gate.Verify(ctx, req, p); !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
		})
	}
	t.Run("named issuer is not the proven key's", func(t *testing.T) {
		e := newGateV2Env(t)
		e.submit(t, e.world.root, &ledger.Accredit{Agency: e.other.DID(), Role: ledger.RoleIssuer, Types: []string{testTypeName}})
		g := e.grant(t, threeRequest(true), nil)
		req := e.issue(t, threeRequest(true))
		p := e.present(t, req, g, 42, e.three(diplomaType)...) // proves e.issuer's key for position 1
		p.Issuer = e.other.DID()                               // and names the other (accredited) agency
		if err := p.Sign(e.citizen); err != nil {
			t.Fatal(err)
		}
		if _, err := e.gate.Verify(ctx, req, p); !errors.Is(err, ErrBadProof) {
			t.Fatalf("got %v, want ErrBadProof", err)
		}
	})
	t.Run("grant does not allow revealing", func(t *testing.T) {
		e := newGateV2Env(t)
		g := e.grant(t, threeRequest(false), nil)
		req := e.issue(t, threeRequest(true))
		if _, err := e.gate.Verify(ctx, req, e.present(t, req, g, 42, e.three(diplomaType)...)); !errors.Is(err, ErrNotCovered) {
			t.Fatalf("got %v, want ErrNotCovered", err)
		}
	})
	t.Run("hidden request, presentation names an issuer", func(t *testing.T) {
		e := newGateV2Env(t)
		g := e.grant(t, oneRequest(false), nil)
		req := e.issue(t, oneRequest(false))
		p := e.present(t, req, g, 42, e.personalID())
		p.Issuer = e.issuer.DID()
		if err := p.Sign(e.citizen); err != nil {
			t.Fatal(err)
		}
		if _, err := e.gate.Verify(ctx, req, p); !errors.Is(err, ErrMalformed) {
			t.Fatalf("got %v, want ErrMalformed", err)
		}
	})
}

// TestGateV2Batch: VerifyBatch gives version 2 presentations Verify's
// checks, each its own result or error.
func TestGateV2Batch(t *testing.T) {
	e := newGateV2Env(t)
	g := e.grant(t, threeRequest(false), nil)
	var pairs []Pair
	add := func(secret uint64, edit func(c []heldV2)) {
		req := e.issue(t, threeRequest(false))
		c := e.three(diplomaType)
		if edit != nil {
			edit(c)
		}
		pairs = append(pairs, Pair{Request: req, Presentation: e.present(t, req, g, secret, c...)})
	}
	add(1, nil)
	add(2, func(c []heldV2) { c[1].root = &Digest{0x01} })
	add(1, nil) // the same holder again in the scope
	add(3, func(c []heldV2) { c[2].typ = residenceType })
	add(4, nil)
	res, errs := e.gate.VerifyBatch(context.Background(), pairs)
	want := []error{nil, ErrStaleRoot, ErrNullifierUsed, ErrTypeNotRequested, nil}
	for i, w := range want {
		if w == nil {
			if errs[i] != nil || res[i] == nil || len(res[i].Also) != 2 {
				t.Fatalf("pair %d: %v", i, errs[i])
			}
			continue
		}
		if !errors.Is(errs[i], w) || res[i] != nil {
			t.Fatalf("pair %d: got %v, want %v", i, errs[i], w)
		}
	}
}

// BenchmarkGateV2 measures Gate.Verify of a three-credential version 2
// presentation with the issuers hidden, over the small real circuit
// (proving outside the timer): the gate's own checks — per-position types
// and coverage, three issuer-set root lookups — plus one Groth16
// verification of the small circuit and the access record.
func BenchmarkGateV2(b *testing.B) {
	e := newGateV2Env(b, WithNullifierPolicy(NullifierRepeatAllowed))
	g := e.grant(b, threeRequest(false), nil)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		req := e.issue(b, threeRequest(false))
		p := e.present(b, req, g, 42, e.three(diplomaType)...)
		b.StartTimer()
		if _, err := e.gate.Verify(ctx, req, p); err != nil {
			b.Fatal(err)
		}
	}
}
