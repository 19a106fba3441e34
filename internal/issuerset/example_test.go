package issuerset_test

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/civicproof/civicproof/internal/issuerset"
)

func Example() {
	day := issuerset.Day(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var leaves []issuerset.Leaf
	for range 3 {
		k, _ := eddsa.GenerateKey(rand.Reader)
		leaves = append(leaves, issuerset.KeyLeaf(&k.PublicKey, day, issuerset.Open, fr.Element{}))
	}
	tree, err := issuerset.Build(leaves)
	if err != nil {
		panic(err)
	}
	path, _ := tree.Path(1)
	fmt.Println(path.RootWith(leaves[1].Hash()) == tree.Root())
	fmt.Println(leaves[1].Covers(day + 30))
	// Output:
	// true
	// true
}
