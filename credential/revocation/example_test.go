package revocation_test

import (
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/credential/revocation"
)

// An issuer revokes index 42; the holder of index 7 still shows "not
// revoked" under the new root, the holder of 42 cannot.
func Example() {
	tree := revocation.NewTree()
	_ = tree.Revoke(42)
	root := tree.Root()

	w7, _ := tree.Witness(7)
	w42, _ := tree.Witness(42)
	fmt.Println(w7.Verify(root, 7))
	fmt.Println(errors.Is(w42.Verify(root, 42), revocation.ErrRevoked))
	// Output:
	// <nil>
	// true
}
