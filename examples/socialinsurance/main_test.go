package main

import (
	"testing"

	"github.com/civicproof/civicproof/internal/demo"
)

// TestRun runs the whole demo: real issuance, consent, proofs, the
// correction, the refusal of the superseded credential and the trail.
func TestRun(t *testing.T) {
	demo.TestRun(t, run,
		"Accepted. The agency learned",
		"superseded by a corrected credential",
		"Refused by the gate: consent: revocation root missing or stale",
		"Accepted under the grant given in step 7",
		"Link: credential-superseded record",
		"all steps passed",
	)
}
