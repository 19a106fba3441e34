package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun runs the whole demo: real issuance, consent, proofs, the
// correction, the refusal of the superseded credential and the trail.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("proves with the full circuit; run without -short")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // do not touch the user's key cache
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Accepted. The agency learned",
		"superseded by a corrected credential",
		"Refused by the gate: consent: revocation root missing or stale",
		"Accepted under the grant given in step 4",
		"Link: credential-superseded record",
		"all steps passed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
