//go:build ignore

// gen_vectors writes testdata/vectors.json: compact and JSON encodings of
// deterministic requests, grants and presentations, with their ids (those
// of one credential revealing the issuer in format version 2, the others
// in version 3; testdata/vectors-format2.json keeps the vectors written
// before version 3, JSON forms without "revealIssuer"); and
// testdata/scope/*.json, one file per case of an agency reaching for
// another scope (TestScopeCases). Run with `go run gen_vectors.go` from
// the consent directory. The test TestVectors checks that every vector
// still decodes and re-encodes to the same bytes, so the wire format never
// changes silently.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/zkp"
)

type vector struct {
	Desc    string          `json:"desc"`
	Kind    string          `json:"kind"` // request, grant or presentation
	Compact string          `json:"compact"`
	JSON    json.RawMessage `json:"json,omitempty"`
	ID      string          `json:"id,omitempty"`
	WantErr string          `json:"wantErr,omitempty"` // "malformed" or "bad-signature"
}

type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		c.n++
		p[i] = c.n
	}
	return len(p), nil
}

func key(b byte) *identity.PrivateKey {
	k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{b}, identity.SeedSize))
	if err != nil {
		panic(err)
	}
	return k
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	agency, citizen, guardian := key(1), key(3), key(4)
	var out []vector
	add := func(desc, kind string, v interface {
		MarshalBinary() ([]byte, error)
	}, id string) {
		b, err := v.MarshalBinary()
		must(err)
		js, err := json.Marshal(v)
		must(err)
		out = append(out, vector{Desc: desc, Kind: kind, Compact: hex.EncodeToString(b), JSON: js, ID: id})
	}
	var set []consent.FieldValue
	for i := byte(1); i <= 3; i++ {
		set = append(set, consent.FieldValue{31: i})
	}
	reqs := []*consent.Request{
		{Purpose: consent.PurposeAgeVerification, LegalBasis: consent.BasisLegalObligation, NoticeVersion: "age/1",
			Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 3, Op: consent.OpLe, A: 20000}},
			RevealIssuer: true, Scope: "age-check", Nonce: consent.Digest{7}, IssuedAt: t0, Expires: t0.Add(5 * time.Minute)},
		{Purpose: consent.PurposeBenefitEligibility, LegalBasis: consent.BasisPublicTask, NoticeVersion: "benefit/3",
			NoticeHash: consent.Digest{1, 2, 3}, Types: []string{"PersonalID/1", "Residence/2"}, Disclose: consent.SlotSet{0, 5},
			Predicates: []consent.Predicate{
				{Slot: 1, Op: consent.OpInRange, A: 10, B: 20},
				{Slot: 2, Op: consent.OpInSet, Set: set},
				{Slot: 4, Op: consent.OpNe, Set: set[:1]},
				{Slot: 6, Op: consent.OpGe, A: 1 << 63},
			},
			RevealIssuer: true, Scope: "benefit-2026", Nonce: consent.Digest{8}, IssuedAt: t0, Expires: t0.Add(time.Hour)},
		{Purpose: consent.PurposeAgeVerification, LegalBasis: consent.BasisLegalObligation, NoticeVersion: "age/2",
			Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 3, Op: consent.OpLe, A: 20000}},
			Scope: "age-check", Nonce: consent.Digest{9}, IssuedAt: t0, Expires: t0.Add(5 * time.Minute)},
		{Purpose: consent.PurposeLicensing, LegalBasis: consent.BasisPublicTask, NoticeVersion: "one-window/1",
			Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 3, Op: consent.OpLe, A: 20000}},
			Also: []consent.Query{
				{Types: []string{"Residence/2"}, Disclose: consent.SlotSet{0}, Predicates: []consent.Predicate{{Slot: 2, Op: consent.OpInSet, Set: set}}},
				{Types: []string{"Diploma/1", "Insurance/1"}, Predicates: []consent.Predicate{{Slot: 7, Op: consent.OpGe, A: 24}, {Slot: 1, Op: consent.OpInRange, A: 10, B: 20}}},
			},
			Scope: "licence-2026", Nonce: consent.Digest{10}, IssuedAt: t0, Expires: t0.Add(time.Hour)},
		{Purpose: consent.PurposeResidenceCheck, LegalBasis: consent.BasisPublicTask, NoticeVersion: "housing/1",
			Types: []string{"PersonalID/1"}, Disclose: consent.SlotSet{1},
			Also:         []consent.Query{{Types: []string{"Residence/2"}, Disclose: consent.SlotSet{0}}},
			RevealIssuer: true, Scope: "housing", Nonce: consent.Digest{11}, IssuedAt: t0, Expires: t0.Add(time.Hour)},
	}
	for i, r := range reqs {
		must(r.Sign(agency))
		add([]string{"age check, one predicate", "four predicates of every kind, two disclosures, two types",
			"age check, issuer hidden (format 3)", "three credentials, four predicates in all, issuers hidden",
			"two credentials, issuers revealed"}[i], "request", r, r.ID().String())
	}
	g, err := consent.NewGrant(&counter{}, citizen.DID(), reqs[1], t0, 30*24*time.Hour)
	must(err)
	g.UseLimit = 3
	must(g.Sign(citizen))
	add("citizen grant with use limit", "grant", g, g.ID().String())
	gg, err := consent.NewGrant(&counter{n: 100}, key(5).DID(), reqs[0], t0, 24*time.Hour)
	must(err)
	gg.Guardian = guardian.DID()
	must(gg.Sign(guardian))
	add("guardian grant", "grant", gg, gg.ID().String())
	p := &consent.Presentation{Request: reqs[1].ID(), Grant: g, Type: "PersonalID/1", Issuer: key(2).DID(), Proof: []byte("opaque proof bytes")}
	must(p.Sign(citizen))
	add("presentation (opaque proof bytes)", "presentation", p, "")
	g3, err := consent.NewGrant(&counter{n: 50}, citizen.DID(), reqs[3], t0, 30*24*time.Hour)
	must(err)
	g3.Also[1].Types = []string{"Insurance/1"} // narrower than the request at position 3
	must(g3.Sign(citizen))
	add("grant of three credential positions, issuers hidden, narrower at position 3", "grant", g3, g3.ID().String())
	p3 := &consent.Presentation{Request: reqs[3].ID(), Grant: g3, Type: "PersonalID/1",
		Also: []consent.Presented{{Type: "Residence/2"}, {Type: "Insurance/1"}}, Proof: []byte("opaque proof of three")}
	must(p3.Sign(citizen))
	add("presentation of three credentials, issuers hidden (format 2)", "presentation", p3, "")
	g4, err := consent.NewGrant(&counter{n: 150}, citizen.DID(), reqs[4], t0, 24*time.Hour)
	must(err)
	must(g4.Sign(citizen))
	p4 := &consent.Presentation{Request: reqs[4].ID(), Grant: g4, Type: "PersonalID/1", Issuer: key(2).DID(),
		Also: []consent.Presented{{Type: "Residence/2", Issuer: key(6).DID()}}, Proof: []byte("opaque proof of two")}
	must(p4.Sign(citizen))
	add("presentation of two credentials, issuers named", "presentation", p4, "")
	// Attacks on the compact encodings, each refused with its error.
	attack := func(desc, kind string, v interface {
		MarshalBinary() ([]byte, error)
	}, wantErr string, edit func([]byte) []byte) {
		b, err := v.MarshalBinary()
		must(err)
		out = append(out, vector{Desc: desc, Kind: kind, Compact: hex.EncodeToString(edit(bytes.Clone(b))), WantErr: wantErr})
	}
	attack("request: truncated", "request", reqs[0], "malformed", func(b []byte) []byte { return b[:len(b)-1] })
	attack("request: trailing byte", "request", reqs[0], "malformed", func(b []byte) []byte { return append(b, 0) })
	attack("request: flipped signature bit", "request", reqs[0], "bad-signature", func(b []byte) []byte { b[len(b)-1] ^= 1; return b })
	attack("request: predicate bound changed", "request", reqs[0], "bad-signature", func(b []byte) []byte {
		i := bytes.Index(b, []byte{3, 4, 0xa0, 0x9c, 0x01}) // slot 3, op le, A = 20000
		b[i+2]++
		return b
	})
	attack("request: unknown operator", "request", reqs[0], "malformed", func(b []byte) []byte {
		i := bytes.Index(b, []byte{3, 4, 0xa0, 0x9c, 0x01})
		b[i+1] = 99
		return b
	})
	attack("request: wrong magic", "request", reqs[0], "malformed", func(b []byte) []byte { b[0] = 'x'; return b })
	attack("request: version 1 magic (scope not bound to the agency)", "request", reqs[0], "malformed", func(b []byte) []byte { b[2] = 1; return b })
	attack("grant: version 1 magic (no scope)", "grant", g, "malformed", func(b []byte) []byte { b[2] = 1; return b })
	attack("grant: version 3 magic on a version 2 grant", "grant", g, "malformed", func(b []byte) []byte { b[2] = 3; return b })
	attack("grant: version 4 magic", "grant", g3, "malformed", func(b []byte) []byte { b[2] = 4; return b })
	attack("request: version 4 magic", "request", reqs[2], "malformed", func(b []byte) []byte { b[2] = 4; return b })
	choice := func(b []byte, scope string) int { // index of the issuer choice byte, before the scope
		i := bytes.Index(b, append([]byte{byte(len(scope))}, scope...))
		if i < 1 {
			panic("scope not found")
		}
		return i - 1
	}
	attack("request: version 3 encoding of a request that fits version 2", "request", reqs[2], "malformed", func(b []byte) []byte {
		b[choice(b, "age-check")] = 1
		return b
	})
	attack("request: issuer choice 2", "request", reqs[3], "malformed", func(b []byte) []byte {
		b[choice(b, "licence-2026")] = 2
		return b
	})
	attack("request: issuers hidden changed to revealed", "request", reqs[3], "bad-signature", func(b []byte) []byte {
		b[choice(b, "licence-2026")] = 1
		return b
	})
	attack("request: four further credentials", "request", reqs[3], "malformed", func(b []byte) []byte {
		i := bytes.Index(b, []byte{1, byte(len("Residence/2"))}) // types count of position 2
		if i < 1 || b[i-1] != 2 {
			panic("also count not found")
		}
		b[i-1] = 4
		return b
	})
	attack("grant: position 3 bound changed", "grant", g3, "bad-signature", func(b []byte) []byte {
		i := bytes.Index(b, []byte{7, byte(consent.OpGe), 24, 0, 0})
		if i < 0 {
			panic("predicate not found")
		}
		b[i+2] = 12
		return b
	})
	attack("grant: scope renamed", "grant", g, "bad-signature", func(b []byte) []byte {
		i := bytes.Index(b, []byte("benefit-2026"))
		b[i] = 'B'
		return b
	})
	attack("grant: salt changed", "grant", g, "bad-signature", func(b []byte) []byte {
		i := bytes.Index(b, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) // the salt from the counter reader
		b[i] ^= 0xff
		return b
	})
	attack("grant: use limit raised", "grant", g, "bad-signature", func(b []byte) []byte {
		i := bytes.Index(b, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
		b[i-1] = 4 // the use-limit uvarint precedes the salt
		return b
	})
	b, err := json.MarshalIndent(out, "", "  ")
	must(err)
	must(os.WriteFile("testdata/vectors.json", append(b, '\n'), 0o644))
	scopeCases(t0)
}

// scopeCase is one file of testdata/scope: a request, the grants the
// wallet holds (all given, none used), the nullifier a holder with Secret
// would produce for the request, and the request of another agency whose
// nullifier it must not equal. WantErr names the sentinel CheckRequest
// returns ("" for covered).
type scopeCase struct {
	Desc           string   `json:"desc"`
	Now            string   `json:"now"`
	Secret         string   `json:"secret"`
	Request        string   `json:"request"`
	Grants         []string `json:"grants"`
	Scope          string   `json:"scope"`     // Request.ZKScope, hex
	Nullifier      string   `json:"nullifier"` // zkp.Nullifier(Secret, Scope), hex
	Other          string   `json:"other"`     // another agency's request in the same scope name
	OtherNullifier string   `json:"otherNullifier"`
	WantErr        string   `json:"wantErr,omitempty"`
}

func scopeCases(t0 time.Time) {
	agencyA, agencyB, citizenA, citizenB := key(11), key(12), key(13), key(14)
	var secret fr.Element
	secret.SetUint64(424242)
	req := func(agency *identity.PrivateKey, scope string, nonce byte) *consent.Request {
		r := &consent.Request{Purpose: consent.PurposeAgeVerification, LegalBasis: consent.BasisLegalObligation, NoticeVersion: "age/1",
			Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 3, Op: consent.OpLe, A: 20000}},
			RevealIssuer: true, Scope: scope, Nonce: consent.Digest{nonce}, IssuedAt: t0, Expires: t0.Add(5 * time.Minute)}
		must(r.Sign(agency))
		return r
	}
	grant := func(citizen *identity.PrivateKey, r *consent.Request, salt byte) *consent.Grant {
		g, err := consent.NewGrant(&counter{n: salt}, citizen.DID(), r, t0, 24*time.Hour)
		must(err)
		must(g.Sign(citizen))
		return g
	}
	hexOf := func(v interface{ MarshalBinary() ([]byte, error) }) string {
		b, err := v.MarshalBinary()
		must(err)
		return hex.EncodeToString(b)
	}
	fe := func(e fr.Element) string { b := e.Bytes(); return hex.EncodeToString(b[:]) }
	aAge := req(agencyA, "age-check", 1)      // agency A's own scope
	bAge := req(agencyB, "age-check", 2)      // agency B reusing A's scope name
	bOwn := req(agencyB, "b-entry", 3)        // agency B's own scope
	aOther := req(agencyA, "benefit-2026", 4) // agency A, another of its scopes
	gA := grant(citizenA, aAge, 10)           // citizen's grant to A for "age-check"
	gB := grant(citizenB, bOwn, 20)           // citizen's grant to B for "b-entry"
	cases := map[string]scopeCase{
		"foreign-scope-name": {Desc: "agency B asks in agency A's scope name under the citizen's grant to B for B's own scope: not covered, and the nullifier differs from A's",
			Request: hexOf(bAge), Grants: []string{hexOf(gB)}, Other: hexOf(aAge), WantErr: "scope-mismatch"},
		"foreign-scope-name-with-a-grant": {Desc: "agency B asks in agency A's scope name, the wallet holding grants to A (that scope name) and to B: not covered by either",
			Request: hexOf(bAge), Grants: []string{hexOf(gA), hexOf(gB)}, Other: hexOf(aAge), WantErr: "scope-mismatch"},
		"other-scope-same-agency": {Desc: "agency A asks in another of its scopes under the grant for age-check: not covered",
			Request: hexOf(aOther), Grants: []string{hexOf(gA)}, Other: hexOf(bOwn), WantErr: "scope-mismatch"},
		"grant-of-other-agency": {Desc: "agency B's request in A's scope name against only the grant to A: another agency's grant",
			Request: hexOf(bAge), Grants: []string{hexOf(gA)}, Other: hexOf(aAge), WantErr: "agency-mismatch"},
		"own-scope-covered": {Desc: "agency B asks in its own scope under the grant naming it: covered, nullifier unlinkable to A's",
			Request: hexOf(bOwn), Grants: []string{hexOf(gB)}, Other: hexOf(aAge)},
	}
	reqOf := map[string]*consent.Request{hexOf(aAge): aAge, hexOf(bAge): bAge, hexOf(bOwn): bOwn, hexOf(aOther): aOther}
	must(os.MkdirAll("testdata/scope", 0o755))
	for name, c := range cases {
		c.Now, c.Secret = t0.Add(time.Minute).Format(time.RFC3339), fe(secret)
		r, o := reqOf[c.Request], reqOf[c.Other]
		c.Scope, c.Nullifier = fe(r.ZKScope()), fe(zkp.Nullifier(secret, r.ZKScope()))
		c.OtherNullifier = fe(zkp.Nullifier(secret, o.ZKScope()))
		b, err := json.MarshalIndent(c, "", "  ")
		must(err)
		must(os.WriteFile(filepath.Join("testdata/scope", name+".json"), append(b, '\n'), 0o644))
	}
}
