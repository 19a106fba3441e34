package identity_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/civicproof/civicproof/identity"
)

func Example() {
	// A fixed seed keeps the output stable; use identity.GenerateKey(nil).
	agency, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{1}, identity.SeedSize))
	if err != nil {
		panic(err)
	}
	fmt.Println(agency.DID())

	// Sign for one purpose; the signature is worthless for any other.
	sig := agency.Sign("example/notice", []byte("office closed on Monday"))
	fmt.Println(agency.Public().Verify("example/notice", []byte("office closed on Monday"), sig))
	err = agency.Public().Verify("example/other", []byte("office closed on Monday"), sig)
	fmt.Println(errors.Is(err, identity.ErrBadSignature))

	// Anyone can encrypt to a did:key resolved offline.
	doc, _ := identity.KeyResolver{}.Resolve(context.Background(), agency.DID())
	pub, _ := doc.PublicKey()
	ct, _ := pub.Seal([]byte("example"), []byte("for the agency only"))
	pt, _ := agency.Open([]byte("example"), ct)
	fmt.Println(string(pt))
	// Output:
	// did:key:z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX
	// <nil>
	// true
	// for the agency only
}
