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
// consent, real proofs, the correction, the refusal of the superseded
// credential and the acceptance of the corrected one. The bureau's
// delivery DID never reaches the ledger; both grants (one per review) are
// signed by the citizen's DID for the housing agency.
func TestRun(t *testing.T) {
	out := audit(t, []string{"wallet"}, 1, 2)
	if got := strings.Count(out, "Accepted: ≥ 24 of the last 36 months paid"); got != 2 {
		t.Errorf("%d presentations accepted, want 2 (before and after the correction):\n%s", got, out)
	}
	for _, want := range []string{
		"Citizen's pairwise DIDs: consents to the agency as did:key:…",
		"Old record refused by the agency: consent: revocation root missing or stale",
		"One ledger batch: new credential, new revocation root, link",
		"socialinsurance: all steps passed.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// audit runs the demo with inspect set: it reads every ledger record
// through the public ledger API before the ledger closes, then reopens the
// citizens' wallet files for the DIDs their credentials were delivered to.
// A delivery DID must differ from every consent DID, author no record and
// appear in no record (nor its key); the citizens' records must be signed
// by their pairwise DIDs for agencies, wantDIDs of them, wantRecords
// records in all. It returns the demo's output.
func audit(t *testing.T, wallets []string, wantDIDs, wantRecords int) string {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "civicproof-test-cache"))
	dir := t.TempDir()
	var recs []*ledger.SignedRecord
	institutions := map[identity.DID]bool{} // the agencies and the ministry
	consenting := map[identity.DID]bool{}   // the citizens' pairwise DIDs for agencies
	inspect = func(ctx context.Context, l ledger.Ledger, citizens ...*holder.Holder) error {
		for i := range l.State().Size() {
			sr, err := l.Record(ctx, i)
			if err != nil {
				return err
			}
			recs = append(recs, sr)
			if _, err := l.State().Agency(sr.Record.Author); err == nil || sr.Record.Author == l.State().RootAuthority() {
				institutions[sr.Record.Author] = true
			}
		}
		for _, h := range citizens {
			for _, p := range h.Pairwise() {
				if p.Role == holder.RoleAgency {
					consenting[p.DID] = true
				}
			}
		}
		return nil
	}
	t.Cleanup(func() { inspect = nil })
	var out bytes.Buffer
	if err := run(context.Background(), dir, narrate.New(&out, nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	delivered := map[identity.DID][]byte{} // credential subjects and their keys
	for _, name := range wallets {
		w, err := wallet.Open(filepath.Join(dir, name), []byte(passphrase))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range w.List("", "") {
			if delivered[e.Credential.Holder], err = e.Credential.Holder.Ed25519(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(delivered) == 0 || len(recs) == 0 {
		t.Fatalf("%d delivery DIDs, %d ledger records", len(delivered), len(recs))
	}
	citizenRecords := 0
	for i, sr := range recs {
		author := sr.Record.Author
		b, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		for d, key := range delivered {
			if consenting[d] {
				t.Errorf("delivery DID %s also consents", d)
			}
			if author == d || bytes.Contains(b, []byte(d)) || bytes.Contains(b, key) {
				t.Errorf("record %d (%s by %s) carries delivery DID %s", i, sr.Record.Kind, author, d)
			}
		}
		if institutions[author] {
			continue
		}
		citizenRecords++
		if !consenting[author] {
			t.Errorf("record %d (%s) authored by %s, not a citizen's pairwise DID for an agency", i, sr.Record.Kind, author)
		}
	}
	if len(consenting) != wantDIDs || citizenRecords != wantRecords {
		t.Errorf("%d consent DIDs authored %d records, want %d and %d", len(consenting), citizenRecords, wantDIDs, wantRecords)
	}
	return out.String()
}
