package zkhash_test

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/internal/zkhash"
)

// A nullifier is the hash of a holder secret and a scope under its own tag;
// the same inputs under another tag give an unrelated value.
func Example() {
	var secret, scope fr.Element
	secret.SetUint64(42)
	scope.SetUint64(7)
	n := zkhash.Hash(zkhash.TagNullifier, secret, scope)
	h := zkhash.Hash(zkhash.TagHolder, secret, scope)
	fmt.Println(n == zkhash.Hash(zkhash.TagNullifier, secret, scope), n == h)
	// Output: true false
}
