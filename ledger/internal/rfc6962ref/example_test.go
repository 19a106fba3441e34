package rfc6962ref_test

import (
	"encoding/hex"
	"fmt"

	"github.com/civicproof/civicproof/ledger/internal/rfc6962ref"
)

// The Merkle Tree Hash of the empty tree is SHA-256 of nothing; one of a
// single empty leaf is SHA-256(0x00).
func Example() {
	fmt.Println(hex.EncodeToString(rfc6962ref.MTH(nil)))
	fmt.Println(hex.EncodeToString(rfc6962ref.MTH([][]byte{{}})))
	// Output:
	// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	// 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
}
