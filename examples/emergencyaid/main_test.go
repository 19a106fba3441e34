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

// TestRun runs the whole demo for real (short mode too): an accepted
// claim, a second claim refused by its nullifier, an unaffected resident
// unable to prove, and the audit of the total. The register delivered to
// Ana's and Cleo's DIDs for it, which never reach the ledger; Ana's grant
// is signed by her DID for the relief agency, and her second agent's by a
// DID no wallet file derives.
func TestRun(t *testing.T) {
	out := audit(t, []string{"Ana.wallet", "Cleo.wallet"}, 2, 1, 1, 1)
	for _, want := range []string{
		"Ana: proved in",
		"Ana's pairwise DIDs: agency …",
		"Ana again: refused (consent: nullifier already used in this scope",
		"Cleo's wallet: holder: no stored credential answers the request: zkp: credential does not satisfy the statement",
		"Auditor: 1 accepted claims in the log = the ledger's total",
		"emergencyaid: all steps passed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// audit runs the demo, then reopens its ledger (with the key the demo
// created it with) and the citizens' wallet files, and reads every ledger
// record through the public ledger API. The DIDs the issuers delivered
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
	var recs []*ledger.SignedRecord
	institutions := map[identity.DID]bool{l.State().RootAuthority(): true}
	for i := range l.State().Size() {
		sr, err := l.Record(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, sr)
		if a, err := l.State().Agency(sr.Record.Author); err == nil {
			institutions[a.ID] = true
		}
	}
	delivered := map[identity.DID][]byte{}        // delivery DIDs and their keys
	consenting := map[identity.DID]identity.DID{} // a wallet's DID for an agency → the agency
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
			if delivered[d], err = d.Ed25519(); err != nil {
				t.Fatal(err)
			}
		}
		for a := range institutions {
			k, err := h.IdentityFor(a)
			if err != nil {
				t.Fatal(err)
			}
			consenting[k.DID()] = a
		}
	}
	if len(delivered) != wantDelivered {
		t.Errorf("%d delivery DIDs, want %d", len(delivered), wantDelivered)
	}
	used, citizen, other := map[identity.DID]bool{}, 0, 0
	for i, sr := range recs {
		author := sr.Record.Author
		b, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		for d, key := range delivered {
			if _, ok := consenting[d]; ok {
				t.Errorf("delivery DID %s is also a DID for an agency", d)
			}
			if author == d || bytes.Contains(b, []byte(d)) || bytes.Contains(b, key) {
				t.Errorf("record %d (%s by %s) carries delivery DID %s", i, sr.Record.Kind, author, d)
			}
		}
		switch _, ok := consenting[author]; {
		case institutions[author]:
		case ok:
			used[author] = true
			citizen++
		default:
			other++
		}
	}
	if len(used) != wantDIDs || citizen != wantRecords || other != wantOther {
		t.Errorf("%d pairwise DIDs for agencies signed %d records, others %d; want %d, %d and %d", len(used), citizen, other, wantDIDs, wantRecords, wantOther)
	}
	return out.String()
}
