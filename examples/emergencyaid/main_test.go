package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civicproof/civicproof/internal/demo"
)

// TestRun runs the whole demo: real issuance, two accepted claims, a
// double claim refused by its nullifier, an unaffected resident unable to
// prove, the batch total and the audit. Then it reads the demo's ledger
// file bytes as the public would and checks that no per-person amount is
// on it: every supplies event of a claim carries amount 1 (a count), the
// only other amount is the batch total, and neither handed-out amount (12
// and 9 units) is any event's amount.
func TestRun(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", demo.TestKeyCache())
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), dir, &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Accepted. The agency saw a wallet pseudonym and nullifier hash",
		"Refused: consent: nullifier already used in this scope",
		"Wallet: zkp: credential does not satisfy the statement",
		"Published: 21 units over 2 claims",
		"Sum of the 2 opened commitments = 21 = the published total",
		"all steps passed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}

	// The ledger file as the public gets it: every agency event's amount,
	// in the records' canonical JSON ({"amount":N,"digest":…,"topic":…}).
	file, err := os.ReadFile(filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	amounts := map[string]map[uint64]bool{}
	for _, m := range eventAmount.FindAllSubmatch(file, -1) {
		n, err := strconv.ParseUint(string(m[1]), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		topic := string(m[2])
		if amounts[topic] == nil {
			amounts[topic] = map[uint64]bool{}
		}
		amounts[topic][n] = true
	}
	want := map[string]map[uint64]bool{claimTopic: {1: true}, totalTopic: {21: true}}
	if !reflect.DeepEqual(amounts, want) {
		t.Fatalf("agency event amounts on the ledger %v, want only %v", amounts, want)
	}
	for _, units := range []uint64{12, 9} { // what Ana and Ben received
		for topic, ns := range amounts {
			if ns[units] {
				t.Errorf("a per-person amount, %d, is on the ledger under %s", units, topic)
			}
		}
	}
}

// eventAmount matches an agency event in a record's canonical JSON.
var eventAmount = regexp.MustCompile(`"amount":([0-9]+),"digest":"[0-9a-f]{64}","topic":"([^"]+)"`)
