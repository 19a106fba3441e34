package main

import (
	"strings"
	"testing"

	"github.com/civicproof/civicproof/internal/demo"
)

// TestRun runs the whole demo: three issuers, one application of three
// requests, three grants, three real proofs verified together, the
// citizen's access log and its inclusion checks.
func TestRun(t *testing.T) {
	out := demo.TestRun(t, run,
		"Checked: each grant covers its own request and none of the other two",
		"Application accepted: 3 of 3 facts proven",
		"three yes/no facts and nothing else",
		"each matched to the proof the wallet made",
		"included in the checkpoint",
		"altered to name another statement is refused",
		"all steps passed",
	)
	if got := strings.Count(out, "included in the checkpoint"); got != 3 {
		t.Errorf("%d access records verified, want 3", got)
	}
}
