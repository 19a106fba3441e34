//go:build ignore

// gen_vectors writes testdata/vectors/*.json, the claim-encoding vectors
// that TestVectors checks. Run from this directory:
//
//	go run gen_vectors.go
//
// Inputs are fixed here; every derived value comes from credential.FillVector.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/credential"
)

const schemaJSON = `{"name":"VectorCard","version":3,"claims":[` +
	`{"name":"birthDate","type":"date","slot":0,"required":true},` +
	`{"name":"balance","type":"integer","slot":1,"min":"-9223372036854775808","max":"9223372036854775807"},` +
	`{"name":"monthsPaid","type":"unsigned","slot":2,"max":"600"},` +
	`{"name":"resident","type":"bool","slot":3},` +
	`{"name":"licenceClass","type":"enum","slot":4,"values":["A","B","C"]},` +
	`{"name":"district","type":"string","slot":5,"maxLen":64},` +
	`{"name":"photoHash","type":"bytes","slot":6,"maxLen":40},` +
	`{"name":"serial","type":"unsigned","slot":15}]}`

type input struct {
	name, desc, claims string
}

var inputs = []input{
	{"all-types", "one claim of every type", `{"birthDate":"1990-05-17","balance":-12,"monthsPaid":30,"resident":true,"licenceClass":"B","district":"Hoan Kiem","photoHash":"AQIDBA","serial":18446744073709551615}`},
	{"epoch", "1970-01-01 and zero values", `{"birthDate":"1970-01-01","balance":0,"monthsPaid":0,"resident":false,"licenceClass":"A","district":""}`},
	{"before-1970", "dates before the epoch", `{"birthDate":"1969-12-31"}`},
	{"year-1", "earliest date", `{"birthDate":"0001-01-01"}`},
	{"year-9999", "latest date", `{"birthDate":"9999-12-31"}`},
	{"leap-day-2000", "leap day of a century leap year", `{"birthDate":"2000-02-29"}`},
	{"leap-day-2024", "leap day", `{"birthDate":"2024-02-29"}`},
	{"int-min", "most negative integer", `{"birthDate":"2000-01-01","balance":-9223372036854775808}`},
	{"int-max", "largest integer", `{"birthDate":"2000-01-01","balance":9223372036854775807}`},
	{"string-31", "string of exactly one chunk", `{"birthDate":"2000-01-01","district":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`},
	{"string-32", "string spilling into a second chunk", `{"birthDate":"2000-01-01","district":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`},
	{"string-utf8", "non-ASCII string, no normalization", `{"birthDate":"2000-01-01","district":"Đống Đa"}`},
	{"bytes-40", "bytes of two chunks", `{"birthDate":"2000-01-01","photoHash":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw"}`},
	{"absent-optional", "only the required claim", `{"birthDate":"2000-01-01"}`},
	{"err-unknown", "claim not in the schema", `{"birthDate":"2000-01-01","nickname":"x"}`},
	{"err-missing", "required claim absent", `{"balance":1}`},
	{"err-type-date", "date that does not exist", `{"birthDate":"2023-02-29"}`},
	{"err-type-bool", "bool as string", `{"birthDate":"2000-01-01","resident":"true"}`},
	{"err-type-fraction", "fractional integer", `{"birthDate":"2000-01-01","balance":1.5}`},
	{"err-range-uint", "unsigned above max", `{"birthDate":"2000-01-01","monthsPaid":601}`},
	{"err-range-negative", "negative unsigned", `{"birthDate":"2000-01-01","monthsPaid":-1}`},
	{"err-range-int-overflow", "integer beyond int64", `{"birthDate":"2000-01-01","balance":9223372036854775808}`},
	{"err-range-enum", "enum value not listed", `{"birthDate":"2000-01-01","licenceClass":"D"}`},
	{"err-range-string", "string too long", `{"birthDate":"2000-01-01","district":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`},
}

func fe(r *rand.ChaCha8) string {
	var b [48]byte
	r.Read(b[:])
	var e fr.Element
	e.SetBytes(b[:])
	eb := e.Bytes()
	return fmt.Sprintf("0x%x", eb[:])
}

func main() {
	dir := filepath.Join("testdata", "vectors")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for n, in := range inputs {
		r := rand.NewChaCha8([32]byte{byte(n)})
		v := credential.Vector{Desc: in.desc, Schema: json.RawMessage(schemaJSON), ValidUntil: "2031-12-31", IssuanceDay: "2026-03-01", RevocationIndex: uint32(n * 104729 % (1 << 24))}
		if err := json.Unmarshal([]byte(in.claims), &v.Claims); err != nil {
			log.Fatalf("%s: %v", in.name, err)
		}
		v.Salt, v.HolderBinding = fe(r), fe(r)
		for range credential.NumSlots {
			v.ClaimSalts = append(v.ClaimSalts, fe(r))
		}
		if err := credential.FillVector(&v); err != nil {
			log.Fatalf("%s: %v", in.name, err)
		}
		if v.WantErr != "" {
			v.Salt, v.HolderBinding, v.ClaimSalts, v.ValidUntil, v.IssuanceDay, v.RevocationIndex = "", "", nil, "", "", 0
		}
		out, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, in.name+".json"), append(out, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
