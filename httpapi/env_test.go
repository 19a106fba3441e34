package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

var identitySchema = credential.MustSchema("Identity", 1,
	credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
)

// env is a ledger with a civil registry (issuer of Identity), a licensing
// agency accredited as verifier of Identity, and an unaccredited agency,
// all served by one httptest server.
type env struct {
	w          *demo.World
	srv        *httptest.Server
	registry   *identity.PrivateKey
	licensing  *identity.PrivateKey
	rogue      *identity.PrivateKey
	issuer     *httpapi.Issuer
	verifier   *httpapi.Verifier
	citizenAPI *httpapi.Citizen
	lv         *ledger.Verifier
	client     *httpapi.Client
}

func (e *env) url(p string) string { return e.srv.URL + p }

func newEnv(tb testing.TB, opts httpapi.Options) *env {
	tb.Helper()
	tb.Setenv("XDG_CACHE_HOME", demo.TestKeyCache())
	ctx := context.Background()
	w, err := demo.NewWorld(ctx, tb.TempDir(), "Test Ministry")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	return newEnvOn(tb, w, opts)
}

func newEnvOn(tb testing.TB, w *demo.World, opts httpapi.Options) *env {
	ctx := context.Background()
	e := &env{w: w, client: &httpapi.Client{}}
	var err error
	if e.registry, err = w.Agency(ctx, "Civil Registry", identitySchema.Name); err != nil {
		tb.Fatal(err)
	}
	if e.licensing, err = w.Agency(ctx, "Venue Licensing Agency"); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Submit(ctx, w.Root, &ledger.Accredit{Agency: e.licensing.DID(), Role: ledger.RoleVerifier, Types: []string{identitySchema.Name}}); err != nil {
		tb.Fatal(err)
	}
	if e.rogue, err = w.Agency(ctx, "Unaccredited Office"); err != nil {
		tb.Fatal(err)
	}
	if err := w.Keys(ctx, demo.New(io.Discard, io.Discard)); err != nil {
		tb.Fatal(err)
	}
	is, err := w.Issuer(ctx, e.registry, identitySchema)
	if err != nil {
		tb.Fatal(err)
	}
	gate, err := w.Gate(ctx, e.licensing)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	tb.Cleanup(e.srv.Close)
	if e.issuer, err = httpapi.NewIssuer(is, e.registry.DID(), e.url("/issuer"), opts); err != nil {
		tb.Fatal(err)
	}
	if e.verifier, err = httpapi.NewVerifier(e.licensing, gate, e.url("/verifier"), opts); err != nil {
		tb.Fatal(err)
	}
	if e.citizenAPI, err = httpapi.NewCitizen(w.Ledger, e.url("/citizen"), opts); err != nil {
		tb.Fatal(err)
	}
	mux.Handle("/issuer/", e.issuer.Handler())
	mux.Handle("/verifier/", e.verifier.Handler())
	mux.Handle("/citizen/", e.citizenAPI.Handler())
	if err := e.verifier.AddTemplate("age", ageTemplate(w.Now())); err != nil {
		tb.Fatal(err)
	}
	if e.lv, err = ledger.NewVerifier(demo.Origin, w.LedgerKey.Public().Ed25519()); err != nil {
		tb.Fatal(err)
	}
	return e
}

func ageTemplate(now time.Time) consent.Request {
	return consent.Request{
		Purpose:       consent.PurposeIdentityVerification,
		LegalBasis:    consent.BasisLegalObligation,
		NoticeVersion: "venue-entry/1",
		Types:         []string{consent.TypeName(identitySchema)},
		Predicates:    []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(now.UTC().AddDate(-18, 0, 0))}},
		Scope:         "venue-licensing/age-check",
	}
}

// holder is a wallet: a citizen key and a held credential.
type holder struct {
	key  *identity.PrivateKey
	hold *zkp.Holding
}

func (e *env) pickUp(tb testing.TB) *holder {
	tb.Helper()
	offer, err := e.issuer.Offer(identitySchema, credential.Claims{"birthDate": "2004-03-09", "district": "Ward 3"}, e.w.Now().AddDate(5, 0, 0))
	if err != nil {
		tb.Fatal(err)
	}
	key, err := identity.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	secret, err := credential.NewHolderSecret(nil)
	if err != nil {
		tb.Fatal(err)
	}
	c, wit, err := e.client.PickUp(context.Background(), offer, key, credential.HolderBinding(secret))
	if err != nil {
		tb.Fatal(err)
	}
	return &holder{key: key, hold: &zkp.Holding{Credential: c, Secret: secret, Witness: wit}}
}

// consentTo has h grant what ro asks, anchored through the citizen API.
func (e *env) consentTo(tb testing.TB, h *holder, ro *httpapi.RequestObject) *consent.Grant {
	tb.Helper()
	g, err := consent.NewGrant(nil, h.key.DID(), ro.Request, e.w.Now(), 24*time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.Sign(h.key); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.client.Anchor(context.Background(), e.url("/citizen"), h.key, g, e.w.Now()); err != nil {
		tb.Fatal(err)
	}
	return g
}

func (e *env) session(tb testing.TB) *httpapi.RequestObject {
	tb.Helper()
	s, err := e.verifier.NewSession("age")
	if err != nil {
		tb.Fatal(err)
	}
	ro, err := e.client.FetchRequestObject(context.Background(), s.RequestURI)
	if err != nil {
		tb.Fatal(err)
	}
	return ro
}

func (e *env) present(tb testing.TB, h *holder, ro *httpapi.RequestObject, g *consent.Grant) *consent.Presentation {
	tb.Helper()
	st, err := consent.StatusOf(e.w.Ledger, g, e.w.Now())
	if err != nil {
		tb.Fatal(err)
	}
	// As a wallet without the ledger's state: the type's whole issuer set
	// from the citizen endpoints, its root rebuilt.
	set, err := e.client.IssuerSet(context.Background(), e.url("/citizen"), identitySchema.Name)
	if err != nil {
		tb.Fatal(err)
	}
	held, err := consent.HeldV2From(set, h.hold.Credential, h.hold.Witness)
	if err != nil {
		tb.Fatal(err)
	}
	h2 := &zkp.HoldingV2{Secret: h.hold.Secret, Credentials: []zkp.HeldCredential{held}}
	p, err := consent.PresentV2(context.Background(), h.key, e.w.PK, ro.Request, st, h2, e.w.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
