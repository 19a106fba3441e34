package zkp

import (
	"bytes"
	"strings"
	"testing"
)

// TestExportSolidity writes the on-chain verifier of each backend's key.
func TestExportSolidity(t *testing.T) {
	backends := []Backend{Groth16}
	if !testing.Short() {
		backends = append(backends, PLONK)
	}
	for _, b := range backends {
		t.Run(b.String(), func(t *testing.T) {
			_, vk := testKeys(t, b)
			var buf bytes.Buffer
			if err := vk.ExportSolidity(&buf); err != nil {
				t.Fatal(err)
			}
			src := buf.String()
			entry := map[Backend]string{Groth16: "function verifyProof", PLONK: "function Verify"}[b]
			for _, want := range []string{"pragma solidity", "contract", entry} {
				if !strings.Contains(src, want) {
					t.Errorf("%s verifier lacks %q", b, want)
				}
			}
		})
	}
}
