package main

import (
	"testing"

	"github.com/civicproof/civicproof/internal/demo"
)

// TestRun runs the whole demo: real issuance, two accepted claims, a
// double claim refused by its nullifier, an unaffected resident unable to
// prove, and the audit of the supplies total.
func TestRun(t *testing.T) {
	demo.TestRun(t, run,
		"Accepted. The agency saw a wallet pseudonym and nullifier hash",
		"Refused: consent: nullifier already used in this scope",
		"Wallet: zkp: credential does not satisfy the statement",
		"Sum of the 2 events = 21 = state.AgencyTotal",
		"all steps passed",
	)
}
