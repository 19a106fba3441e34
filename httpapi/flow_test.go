package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/internal/demo"
	"github.com/civicproof/civicproof/ledger"
)

// TestFlow runs issue -> request -> consent -> proof -> verify -> access
// log -> withdraw over HTTP, with a replay and a proof after withdrawal
// refused with the gate's sentinels.
func TestFlow(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, httpapi.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	h := e.pickUp(t)
	ro := e.session(t)
	if ro.ClientID != e.licensing.DID() || ro.ResponseMode != "direct_post" {
		t.Fatalf("request object: %+v", ro)
	}
	// The wallet checks the agency on the ledger before asking the citizen.
	f, err := e.client.Agency(ctx, e.url("/citizen"), ro.ClientID, ledger.RoleVerifier, identitySchema.Name)
	if err != nil {
		t.Fatal(err)
	}
	ag, err := httpapi.VerifyAgency(f, e.lv, ro.ClientID, ledger.RoleVerifier, identitySchema.Name)
	if err != nil || ag.Name != "Venue Licensing Agency" || ag.Governance != "Test Ministry" {
		t.Fatalf("VerifyAgency = %+v, %v", ag, err)
	}
	// and that the proving key's verifying key is the official one.
	vk := e.w.PK.VerifyingKey()
	kf, err := e.client.Key(ctx, e.url("/citizen"), vk.Shape(), vk.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	if err := httpapi.VerifyOfficialKey(kf, e.lv, vk.Shape(), vk.Fingerprint()); err != nil {
		t.Fatal(err)
	}
	other := vk.Fingerprint()
	other[0] ^= 1
	if err := httpapi.VerifyOfficialKey(kf, e.lv, vk.Shape(), other); !errors.Is(err, httpapi.ErrBadLedgerProof) {
		t.Fatalf("another key taken for official: %v", err)
	}
	if _, err := e.client.Key(ctx, e.url("/citizen"), vk.Shape(), other); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("unknown key served: %v", err)
	}
	g := e.consentTo(t, h, ro)
	p := e.present(t, h, ro, g)
	res, err := e.client.Respond(ctx, ro, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "accepted" || res.Grant != g.ID() || len(res.Disclosed) != 0 {
		t.Fatalf("result %+v", res)
	}
	// The same answer again: the gate refuses the replay.
	if _, err := e.client.Respond(ctx, ro, p); !errors.Is(err, consent.ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	var he *httpapi.Error
	if _, err := e.client.Respond(ctx, ro, p); !errors.As(err, &he) || he.Status != 409 || he.Code != "replay" {
		t.Fatalf("replay answer: %v", err)
	}
	// The access log, verified by the wallet.
	log, err := e.client.AccessLog(ctx, e.url("/citizen"), h.key.DID())
	if err != nil {
		t.Fatal(err)
	}
	gs, err := httpapi.VerifyAccessLog(log, e.lv, h.key.DID())
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || len(gs[0].Accesses) != 1 || gs[0].AgencyName != "Venue Licensing Agency" ||
		gs[0].Accesses[0].Index != res.AccessIndex || gs[0].Withdrawn {
		t.Fatalf("access log %+v", gs)
	}
	// Withdrawal: a proof made before it is refused by the agency, and
	// the wallet itself refuses to prove under the withdrawn grant.
	ro2 := e.session(t)
	early := e.present(t, h, ro2, g)
	if _, err := e.client.Withdraw(ctx, e.url("/citizen"), h.key, g, e.w.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Respond(ctx, ro2, early); !errors.Is(err, consent.ErrConsentWithdrawn) {
		t.Fatalf("after withdrawal: %v", err)
	}
	st, err := consent.StatusOf(e.w.Ledger, g, e.w.Now())
	if err != nil {
		t.Fatal(err)
	}
	h2, err := demo.HoldingV2Of(e.w.Ledger.State(), h.hold)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := consent.PresentV2(ctx, h.key, e.w.PK, ro2.Request, st, h2, e.w.Now()); !errors.Is(err, consent.ErrConsentWithdrawn) {
		t.Fatalf("wallet after withdrawal: %v", err)
	}
	log, err = e.client.AccessLog(ctx, e.url("/citizen"), h.key.DID())
	if err != nil {
		t.Fatal(err)
	}
	if gs, err = httpapi.VerifyAccessLog(log, e.lv, h.key.DID()); err != nil || !gs[0].Withdrawn {
		t.Fatalf("log after withdrawal: %+v, %v", gs, err)
	}
	// Refusals were logged without any DID, state, or claim.
	out := logs.String()
	if !strings.Contains(out, "code=replay") || !strings.Contains(out, "code=consent_withdrawn") {
		t.Fatalf("refusals not logged:\n%s", out)
	}
	for _, secret := range []string{string(h.key.DID()), string(e.licensing.DID()), ro.State, ro.Nonce, "2004-03-09", "Ward 3"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log holds %q:\n%s", secret, out)
		}
	}
}
