package sdjwt_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/revocation"
	"github.com/civicproof/civicproof/credential/sdjwt"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

var testNow = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

func detRand(seed byte) *mrand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

func key(t testing.TB, n byte) *identity.PrivateKey {
	t.Helper()
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func schema(t testing.TB) *credential.Schema {
	t.Helper()
	s, err := credential.NewSchema("ResidenceCard", 1,
		credential.ClaimDef{Name: "birthDate", Type: credential.TypeDate, Slot: 0, Required: true},
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 1, Required: true, MaxLen: 64},
		credential.ClaimDef{Name: "monthsPaid", Type: credential.TypeUnsigned, Slot: 2},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// world: a ledger, an accredited issuer agency, one issued credential and
// its SD-JWT VC bound to a holder key.
type world struct {
	clock  time.Time
	ledger *ledger.Embedded
	issuer *credential.Issuer
	agency *identity.PrivateKey
	schema *credential.Schema
	cred   *credential.Credential
	sd     *sdjwt.Credential
	holder ed25519.PrivateKey
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{clock: testNow, agency: key(t, 1), schema: schema(t)}
	now := func() time.Time { return w.clock }
	l, err := ledger.NewInMemory(key(t, 11), ledger.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	w.ledger = l
	root := key(t, 10)
	submit := func(k *identity.PrivateKey, p ledger.Payload) {
		sr, err := ledger.NewRecord(k.DID(), w.clock, p).Sign(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Submit(context.Background(), sr); err != nil {
			t.Fatal(err)
		}
	}
	submit(root, &ledger.GovernanceInit{Name: "Ministry"})
	submit(w.agency, &ledger.AgencyRegister{Key: w.agency.Public(), Name: "Civil Registry"})
	submit(root, &ledger.Accredit{Agency: w.agency.DID(), Role: ledger.RoleIssuer, Types: []string{w.schema.Name}})
	w.issuer, err = credential.NewIssuer(w.agency, l, credential.NewRegistry(), credential.IssuerOptions{Rand: detRand(3), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.issuer.RegisterSchema(ctx, w.schema); err != nil {
		t.Fatal(err)
	}
	secret, err := credential.NewHolderSecret(detRand(9))
	if err != nil {
		t.Fatal(err)
	}
	w.cred, err = w.issuer.Issue(ctx, w.schema, &credential.Request{
		HolderBinding: credential.HolderBinding(secret),
		Claims:        credential.Claims{"birthDate": "2000-02-29", "district": "Ward 3", "monthsPaid": uint64(30)},
		ValidUntil:    testNow.AddDate(1, 0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	w.holder = key(t, 2).Ed25519()
	w.sd, err = sdjwt.Issue(detRand(4), w.agency, w.cred, w.holder.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) verifier(t testing.TB) *sdjwt.Verifier {
	t.Helper()
	cv, err := credential.NewVerifier(w.ledger.State(), credential.VerifierOptions{Now: func() time.Time { return w.clock }})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sdjwt.NewVerifier(cv)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (w *world) opts() sdjwt.VerifyOptions {
	return sdjwt.VerifyOptions{Audience: "did:example:agency", Nonce: "n-0S6_WzA2Mj", Now: func() time.Time { return w.clock }}
}

func TestIssuePresentVerify(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	issued := w.sd.String()
	parsed, err := sdjwt.Parse(issued)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Disclosures) != 3 || parsed.Claims.Issuer != w.agency.DID() || parsed.Claims.ID != w.cred.ID() {
		t.Fatalf("parsed = %+v", parsed.Claims)
	}
	pres, err := parsed.Present(w.holder, []string{"district"}, "did:example:agency", "n-0S6_WzA2Mj", w.clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SD-JWT VC issued %d bytes, presented (1 of 3 claims, with KB-JWT) %d bytes", len(issued), len(pres))
	claims, p, err := w.verifier(t).Verify(ctx, pres, w.schema, w.witness(t), w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 1 || claims["district"] != "Ward 3" {
		t.Fatalf("claims = %v", claims)
	}
	if _, ok := p.Disclosed["birthDate"]; ok {
		t.Fatal("undisclosed claim revealed")
	}
	// Self-contained verification with a trusted list.
	o := w.opts()
	o.Trusted = []identity.DID{w.agency.DID()}
	if _, err := sdjwt.VerifyPresentation(pres, o); err != nil {
		t.Fatal(err)
	}
	// Nothing disclosed is a valid presentation too.
	none, err := parsed.Present(w.holder, nil, "did:example:agency", "n-0S6_WzA2Mj", w.clock)
	if err != nil {
		t.Fatal(err)
	}
	if claims, _, err := w.verifier(t).Verify(ctx, none, w.schema, w.witness(t), w.opts()); err != nil || len(claims) != 0 {
		t.Fatalf("empty presentation: %v %v", claims, err)
	}
}

func (w *world) witness(t testing.TB) *revocation.Witness {
	t.Helper()
	wit, err := w.issuer.Registry().Witness(w.cred.Core.RevocationIndex)
	if err != nil {
		t.Fatal(err)
	}
	return wit
}

// b64 re-encodes a JWT part after edit.
func editJWTPayload(t *testing.T, jwt string, edit func(m map[string]any)) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ := json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func TestVerifyRefuses(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	present := func(names ...string) string {
		p, err := w.sd.Present(w.holder, names, "did:example:agency", "n-0S6_WzA2Mj", w.clock)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := present("district", "birthDate")
	parts := strings.Split(good, "~")
	otherHolder := key(t, 5).Ed25519()
	forged, _ := sdjwt.Issue(detRand(4), key(t, 6), func() *credential.Credential { c := *w.cred; c.Issuer = key(t, 6).DID(); return &c }(), w.holder.Public().(ed25519.PublicKey))
	fakeDisclosure := base64.RawURLEncoding.EncodeToString([]byte(`["c2FsdHNhbHRzYWx0","district","Ward 9"]`))
	tests := []struct {
		desc    string
		pres    func() string
		opts    func(o *sdjwt.VerifyOptions)
		wantErr error
	}{
		{"replayed to another verifier", func() string { return good }, func(o *sdjwt.VerifyOptions) { o.Audience = "did:example:other" }, sdjwt.ErrKeyBinding},
		{"replayed with an old nonce", func() string { return good }, func(o *sdjwt.VerifyOptions) { o.Nonce = "fresh" }, sdjwt.ErrKeyBinding},
		{"key binding too old", func() string { return good }, func(o *sdjwt.VerifyOptions) {
			o.Now = func() time.Time { return w.clock.Add(10 * time.Minute) }
		}, sdjwt.ErrKeyBinding},
		{"no key binding", func() string { return strings.Join(parts[:len(parts)-1], "~") + "~" }, nil, sdjwt.ErrKeyBinding},
		{"disclosure dropped after binding", func() string {
			return strings.Join(append(append([]string{}, parts[0], parts[1]), parts[len(parts)-1]), "~")
		}, nil, sdjwt.ErrKeyBinding},
		{"key binding by another key", func() string {
			p, err := w.sd.Present(w.holder, []string{"district"}, "did:example:agency", "n-0S6_WzA2Mj", w.clock)
			if err != nil {
				t.Fatal(err)
			}
			// Re-bind with another key: Present refuses, so splice a KB-JWT
			// another credential's holder made.
			other, err := sdjwt.Issue(detRand(5), w.agency, w.cred, otherHolder.Public().(ed25519.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			op, err := other.Present(otherHolder, []string{"district"}, "did:example:agency", "n-0S6_WzA2Mj", w.clock)
			if err != nil {
				t.Fatal(err)
			}
			return p[:strings.LastIndex(p, "~")+1] + op[strings.LastIndex(op, "~")+1:]
		}, nil, sdjwt.ErrKeyBinding},
		{"invented disclosure", func() string {
			return parts[0] + "~" + fakeDisclosure + "~" + parts[len(parts)-1]
		}, nil, sdjwt.ErrDisclosure},
		{"altered issuer JWT", func() string {
			return editJWTPayload(t, parts[0], func(m map[string]any) { m["exp"] = 4102444800.0 }) + "~" + strings.Join(parts[1:], "~")
		}, nil, sdjwt.ErrBadSignature},
		{"issuer not on the ledger", func() string {
			p, err := forged.Present(w.holder, []string{"district"}, "did:example:agency", "n-0S6_WzA2Mj", w.clock)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, nil, credential.ErrNotAnchored},
		{"expired", func() string { return good }, func(o *sdjwt.VerifyOptions) {
			o.Now = func() time.Time { return w.clock.AddDate(2, 0, 0) }
		}, credential.ErrExpired},
		{"garbage", func() string { return "not an sd-jwt" }, nil, sdjwt.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			o := w.opts()
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, _, err := w.verifier(t).Verify(ctx, tc.pres(), w.schema, w.witness(t), o)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}

	// Revocation on the ledger takes effect for the SD-JWT VC.
	if err := w.issuer.Revoke(w.cred); err != nil {
		t.Fatal(err)
	}
	if _, err := w.issuer.PublishRevocations(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := w.verifier(t).Verify(ctx, present("district"), w.schema, w.witness(t), w.opts())
	if !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("revoked: %v, want credential.ErrRevoked", err)
	}

	// Untrusted issuer without the ledger.
	o := w.opts()
	o.Trusted = []identity.DID{key(t, 7).DID()}
	if _, err := sdjwt.VerifyPresentation(good, o); !errors.Is(err, sdjwt.ErrUntrusted) {
		t.Fatalf("untrusted: %v", err)
	}
	// Another schema's verifier refuses the type.
	other, _ := credential.NewSchema("OtherCard", 1, credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 0})
	if _, _, err := w.verifier(t).Verify(ctx, good, other, w.witness(t), w.opts()); !errors.Is(err, sdjwt.ErrWrongType) {
		t.Fatalf("other schema: %v", err)
	}
	// Present refuses a key that is not the bound one.
	if _, err := w.sd.Present(otherHolder, nil, "a", "n", w.clock); !errors.Is(err, sdjwt.ErrKeyBinding) {
		t.Fatalf("Present(other key): %v", err)
	}
}
