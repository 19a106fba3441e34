//go:build ignore

// gen_vectors writes testdata/keys.json: key sets derived from fixed seeds,
// so that another implementation can check its derivation against ours.
// Run it with `go run gen_vectors.go` from this directory; identity_test.go
// checks the file.
package main

import (
	"encoding/hex"
	"encoding/json"
	"log"
	"os"

	"github.com/civicproof/civicproof/identity"
)

type vector struct {
	Desc      string `json:"desc"`
	Seed      string `json:"seed"`
	DID       string `json:"did"`
	PublicKey string `json:"publicKey"`
	Text      string `json:"text"`
	Signature string `json:"signature"` // Sign("vector/test", "hello")
}

func main() {
	seeds := []struct{ desc, hex string }{
		{"RFC 8032 test 1 seed", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"},
		{"all zero seed", "0000000000000000000000000000000000000000000000000000000000000000"},
		{"all 0xff seed", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
		{"counting seed", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
	}
	var out []vector
	for _, s := range seeds {
		seed, _ := hex.DecodeString(s.hex)
		k, err := identity.NewKeyFromSeed(seed)
		if err != nil {
			log.Fatal(err)
		}
		text, _ := k.Public().MarshalText()
		out = append(out, vector{
			Desc:      s.desc,
			Seed:      s.hex,
			DID:       k.DID().String(),
			PublicKey: hex.EncodeToString(k.Public().Bytes()),
			Text:      string(text),
			Signature: hex.EncodeToString(k.Sign("vector/test", []byte("hello"))),
		})
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	if err := os.WriteFile("testdata/keys.json", append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}
