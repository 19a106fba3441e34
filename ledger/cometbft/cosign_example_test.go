package cometbft_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/ledger/cometbft"
)

// A client holding the validator set accepts a checkpoint only when
// validators with more than 2/3 of the voting power cosigned it.
func ExampleValidatorSet_VerifyCheckpoint() {
	var keys []ed25519.PrivateKey
	var vals []cometbft.Validator
	for i := range 4 {
		k := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, 32))
		keys = append(keys, k)
		vals = append(vals, cometbft.Validator{Key: k.Public().(ed25519.PublicKey), Power: 10})
	}
	vs, _ := cometbft.NewValidatorSet("ledger.example.gov/civicproof", vals)
	root := ledger.Hash{0x42}
	var notes [][]byte
	for _, k := range keys[:3] { // what three nodes answer
		n, _ := cometbft.CosignCheckpoint(vs.Origin(), k, 1000, root)
		notes = append(notes, n)
	}
	two, _ := vs.MergeCheckpoints(notes[:2]...)
	_, _, err := vs.VerifyCheckpoint(two)
	fmt.Println("two validators:", errors.Is(err, cometbft.ErrInsufficientPower))
	three, _ := vs.MergeCheckpoints(notes...)
	cp, power, err := vs.VerifyCheckpoint(three)
	fmt.Println("three validators:", cp.Size, power, "of", vs.TotalPower(), err)
	// Output:
	// two validators: true
	// three validators: 1000 30 of 40 <nil>
}
