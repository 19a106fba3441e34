// Command webwallet runs the web wallet demo on 127.0.0.1: an embedded
// ledger, a civil registry, a venue licensing agency accredited to check
// identity credentials, an unaccredited office, and the citizen's wallet
// page (WebAssembly, built at start with the go command). Open the URL it
// prints: collect a credential, visit an agency, accept (the proof is made
// in the browser) or refuse, read the verified access log, withdraw.
//
//	go run ./examples/webwallet            (-addr 127.0.0.1:8080 to pick the port)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/webwallet"
	"github.com/civicproof/civicproof/zkp"
)

const origin = "ledger.webwallet.example"

var identitySchema = credential.MustSchema("Identity", 1,
	credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
	credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true},
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, *addr, os.Stdout, func(url string) {
		fmt.Printf("\nOpen %s in a browser (Ctrl-C to stop).\n", url)
	})
	if err != nil {
		log.Fatal(err)
	}
}

// run starts everything, calls ready with the page's URL and serves until
// ctx ends.
func run(ctx context.Context, addr string, out *os.File, ready func(url string)) error {
	dir, err := os.MkdirTemp("", "civicproof-webwallet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	say := func(f string, a ...any) { fmt.Fprintf(out, f+"\n", a...) }

	say("Building the wallet for the browser (GOOS=js GOARCH=wasm go build)…")
	files, err := webwallet.BuildWASM(ctx, dir)
	if err != nil {
		return err
	}

	ledgerKey := newKey()
	l, err := ledger.Create(filepath.Join(dir, "ledger.db"), ledgerKey, ledger.WithOrigin(origin))
	if err != nil {
		return err
	}
	defer l.Close()
	submit := func(key *identity.PrivateKey, p ledger.Payload) error {
		sr, err := ledger.NewRecord(key.DID(), time.Now(), p).Sign(key)
		if err == nil {
			_, err = l.Submit(ctx, sr)
		}
		return err
	}
	root, registry, licensing, office := newKey(), newKey(), newKey(), newKey()
	for _, err := range []error{
		submit(root, &ledger.GovernanceInit{Name: "Ministry of Digital Affairs"}),
		submit(registry, &ledger.AgencyRegister{Key: registry.Public(), Name: "Civil Registry"}),
		submit(licensing, &ledger.AgencyRegister{Key: licensing.Public(), Name: "Venue Licensing Agency"}),
		submit(office, &ledger.AgencyRegister{Key: office.Public(), Name: "Unaccredited Data Office"}),
		submit(root, &ledger.Accredit{Agency: registry.DID(), Role: ledger.RoleIssuer, Types: []string{identitySchema.Name}}),
		submit(root, &ledger.Accredit{Agency: licensing.DID(), Role: ledger.RoleVerifier, Types: []string{identitySchema.Name}}),
	} {
		if err != nil {
			return err
		}
	}

	say("Making the presentation circuit's keys (DEMO SETUP: single party, not for production)…")
	pk, vk, err := zkp.SetupShapeUnsafe(ctx, zkp.ShapeV2(zkp.Groth16, 1)) // version 2, one credential: the issuer stays hidden
	if err != nil {
		return err
	}
	fp := vk.Fingerprint()
	if err := submit(root, &ledger.VerifyingKey{Shape: vk.Shape(), Fingerprint: ledger.Hash(fp)}); err != nil {
		return err
	}
	digest, err := files.SetKeys(pk)
	if err != nil {
		return err
	}

	is, err := credential.NewIssuer(registry, l, credential.NewRegistry(), credential.IssuerOptions{})
	if err != nil {
		return err
	}
	if err := is.Setup(ctx, identitySchema); err != nil { // the schema and the first revocation root
		return err
	}
	mux := http.NewServeMux()
	opts := httpapi.Options{}
	issuer, err := httpapi.NewIssuer(is, registry.DID(), base+"/registry", opts)
	if err != nil {
		return err
	}
	citizen, err := httpapi.NewCitizen(l, base+"/citizen", opts)
	if err != nil {
		return err
	}
	mux.Handle("/registry/", issuer.Handler())
	mux.Handle("/citizen/", citizen.Handler())
	for _, a := range []struct {
		key  *identity.PrivateKey
		path string
	}{{licensing, "/licensing"}, {office, "/office"}} {
		// A venue's age check is not a one-time claim: the same citizen
		// may be checked again (the gate still sees repeats, not who).
		gate, err := consent.NewGate(ctx, a.key, l, consent.NewZKSystem(vk), consent.WithNullifierPolicy(consent.NullifierRepeatAllowed))
		if err != nil {
			return err
		}
		v, err := httpapi.NewVerifier(a.key, gate, base+a.path, opts)
		if err != nil {
			return err
		}
		if err := v.AddTemplate("age", ageRequest()); err != nil {
			return err
		}
		mux.Handle(a.path+"/", v.Handler())
	}
	// The registry's front desk: a fresh offer for the demo citizen.
	mux.HandleFunc("GET /demo/offer", func(w http.ResponseWriter, r *http.Request) {
		o, err := issuer.Offer(identitySchema, credential.Claims{"birthDate": "2004-03-09", "district": "Ward 3"}, time.Now().AddDate(5, 0, 0))
		if err != nil {
			http.Error(w, "offer failed", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(o)
	})
	page, err := webwallet.Handler(webwallet.Config{
		LedgerOrigin: origin, LedgerKey: ledgerKey.Public().Ed25519(), CitizenBase: base + "/citizen",
		CircuitDigest: digest, OfferURL: "/demo/offer",
		Agencies: []webwallet.Agency{
			{Label: "the Venue Licensing Agency", SessionURL: "/licensing/sessions", Template: "age"},
			{Label: "the Unaccredited Data Office", SessionURL: "/office/sessions", Template: "age"},
		},
	}, *files)
	if err != nil {
		return err
	}
	mux.Handle("/", page)

	srv := httpapi.NewServer(ln.Addr().String(), mux)
	go func() { <-ctx.Done(); srv.Close() }()
	ready(base + "/")
	if err := srv.Serve(ln); ctx.Err() == nil {
		return err
	}
	return nil
}

func newKey() *identity.PrivateKey {
	k, err := identity.GenerateKey(nil)
	if err != nil {
		panic(err) // the system's random source failed
	}
	return k
}

// ageRequest asks "born on or before today minus 18 years?" and nothing
// else; the issuer stays hidden.
func ageRequest() consent.Request {
	return consent.Request{Purpose: consent.PurposeIdentityVerification, LegalBasis: consent.BasisLegalObligation,
		NoticeVersion: "venue-entry/1", Types: []string{consent.TypeName(identitySchema)}, Scope: "venue-licensing/age-check",
		Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: credential.DayValue(time.Now().UTC().AddDate(-18, 0, 0))}}}
}
