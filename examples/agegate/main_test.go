package main

import (
	"testing"

	"github.com/civicproof/civicproof/internal/demo"
)

// TestRun runs the whole demo: real issuance, consent, proof, verification,
// replay and withdrawal refusals.
func TestRun(t *testing.T) {
	demo.TestRun(t, run, "Accepted in", "Refused: consent: nonce already used", "all steps passed")
}
