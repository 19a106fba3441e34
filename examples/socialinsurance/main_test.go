package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/examples/narrate"
	"github.com/civicproof/civicproof/holder"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// TestRun runs the whole demo for real (short mode too): issuance,
// consent, real issuer-hiding proofs, the correction, the refusal of the
// superseded credential and the acceptance of the corrected one, then the
// bureau's key rotation after which the corrected record, signed with the
// old key, is still accepted. The bureau's delivery DID never reaches the
// ledger; the three grants (one per review) are signed by the citizen's
// DID for the housing agency.
func TestRun(t *testing.T) {
	out := audit(t, []string{"wallet"}, 1, 1, 3, 0)
	if got := strings.Count(out, "Accepted: ≥ 24 of the last 36 months paid"); got != 3 {
		t.Errorf("%d presentations accepted, want 3 (before and after the correction, after the key rotation):\n%s", got, out)
	}
	for _, want := range []string{
		"Citizen's pairwise DIDs: consents to the agency as did:key:…",
		"Old record refused by the wallet: holder: no stored credential answers the request",
		"2 keys: the old key kept for what it signed until ",
		"One ledger batch: new credential, new revocation root, link",
		"socialinsurance: all steps passed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// audit runs the demo, then reopens its ledger (with the key the demo
// created it with) and the citizens' wallet files, and reads every ledger
// record through holder.Exposure. The DIDs the issuers delivered
// credentials to (the stored credentials' subjects, each the wallet's
// delivery DID for its issuer) must author no record and appear in none,
// nor their keys, and differ from every DID that consents. Every record
// not written by the ministry or an agency must be signed by a wallet's
// pairwise DID for one agency, a different DID per agency: wantDIDs such
// DIDs authoring wantRecords records, plus wantOther records by DIDs no
// wallet derives. It returns the demo's output.
func audit(t *testing.T, wallets []string, wantDelivered, wantDIDs, wantRecords, wantOther int) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache"))
	ctx, dir := context.Background(), t.TempDir()
	var reopen func() (*ledger.Embedded, error)
	createLedger = func(path string, key *identity.PrivateKey, opts ...ledger.Option) (*ledger.Embedded, error) {
		reopen = func() (*ledger.Embedded, error) { return ledger.Open(path, key, opts...) }
		return ledger.Create(path, key, opts...)
	}
	t.Cleanup(func() { createLedger = ledger.Create })
	var out bytes.Buffer
	if err := run(ctx, dir, narrate.New(&out, nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	l, err := reopen()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	delivered := map[identity.DID]bool{}
	used, citizen, nonInstitutional := 0, 0, 0
	for _, name := range wallets {
		w, err := wallet.Open(filepath.Join(dir, name), []byte(passphrase))
		if err != nil {
			t.Fatal(err)
		}
		h, err := holder.New(w.MasterSecret(), w)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range w.List("", "") {
			d := e.Credential.Holder
			if k, err := h.DeliveryIdentity(e.Credential.Issuer); err != nil || k.DID() != d {
				t.Errorf("credential from %s delivered to %s, not the wallet's DID for it (%v)", e.Credential.Issuer, d, err)
			}
			delivered[d] = true
		}
		x, err := h.Exposure(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		for _, lk := range x.Leaks {
			t.Errorf("record %d (%s) carries delivery DID %s", lk.Index, lk.Kind, lk.DID)
		}
		n := 0
		for _, c := range x.Authored {
			n += c
		}
		used, citizen = used+len(x.Authored), citizen+n
		nonInstitutional = x.Others + n // records by no agency: the same for every wallet
	}
	if len(delivered) != wantDelivered {
		t.Errorf("%d delivery DIDs, want %d", len(delivered), wantDelivered)
	}
	if other := nonInstitutional - citizen; used != wantDIDs || citizen != wantRecords || other != wantOther {
		t.Errorf("%d pairwise DIDs for agencies signed %d records, others %d; want %d, %d and %d", used, citizen, other, wantDIDs, wantRecords, wantOther)
	}
	return out.String()
}
