package holder

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

var (
	residence = credential.MustSchema("Residence", 1,
		credential.ClaimDef{Name: "district", Type: credential.TypeString, Slot: 0, Required: true},
		credential.ClaimDef{Name: "since", Type: credential.TypeDate, Slot: 1, Required: true},
	)
	income = credential.MustSchema("Income", 1,
		credential.ClaimDef{Name: "income", Type: credential.TypeUnsigned, Slot: 0, Required: true},
		credential.ClaimDef{Name: "employer", Type: credential.TypeString, Slot: 1, Required: true},
	)
)

// tokens is a set of values seen by one party, normalized so that the
// same value matches whatever its encoding: "s:" strings, "n:" numbers,
// "b:" byte strings in hex (hex and base64 strings are decoded; a DID adds
// its Ed25519 and X25519 keys).
type tokens map[string]bool

func (ts tokens) addBytes(b []byte) {
	if len(b) >= 8 {
		ts["b:"+hex.EncodeToString(b)] = true
	}
}

func (ts tokens) addString(s string) {
	ts["s:"+s] = true
	if len(s) >= 16 && len(s)%2 == 0 {
		if b, err := hex.DecodeString(s); err == nil {
			ts.addBytes(b)
			return
		}
	}
	if len(s) >= 16 {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				ts.addBytes(b)
			}
		}
	}
	if strings.HasPrefix(s, "did:key:") {
		ts.addDID(identity.DID(s))
	}
}

func (ts tokens) addDID(d identity.DID) {
	ts["s:"+string(d)] = true
	if doc, err := (identity.KeyResolver{}).Resolve(context.Background(), d); err == nil {
		if pub, err := doc.PublicKey(); err == nil {
			ts.addBytes(pub.Ed25519())
			ts.addBytes(pub.X25519().Bytes())
		}
	}
}

func (ts tokens) addElement(e fr.Element) {
	b := e.Bytes()
	ts.addBytes(b[:])
}

// addJSON adds every leaf value of a JSON document.
func (ts tokens) addJSON(t *testing.T, b []byte) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		case string:
			ts.addString(x)
		case json.Number:
			ts["n:"+x.String()] = true
		}
	}
	walk(v)
}

func (ts tokens) addAll(o tokens) {
	for k := range o {
		ts[k] = true
	}
}

// shared returns the values a and b have in common that are not public.
func shared(a, b, public tokens) []string {
	var out []string
	for k := range a {
		if b[k] && !public[k] && !smallNumber(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// smallNumber: numbers below 2^16 (slot numbers, counts, epochs, use
// limits, operator codes) are protocol parameters, not identifiers.
func smallNumber(k string) bool {
	n, err := strconv.ParseUint(strings.TrimPrefix(k, "n:"), 10, 64)
	return strings.HasPrefix(k, "n:") && err == nil && n < 1<<16
}

// linkWorld is the scenario of TestLinkability: one citizen with three
// credentials from two issuers, consenting and presenting to three
// agencies on an embedded ledger file.
type linkWorld struct {
	w        *testWorld
	st       *wallet.Store
	h        *Holder
	issuers  map[string]*identity.PrivateKey
	agencies map[string]*identity.PrivateKey
	creds    []*credential.Credential
	// views: what each party received ("issuer:…", "agency:…").
	views map[string]tokens
	// ledger contexts: the values of the ledger records about each party;
	// public: the values of records about no citizen (registrations,
	// accreditations, schemas, verifying keys, revocation roots) and the
	// requests' public terms.
	ledgerViews map[string]tokens
	public      tokens
	grants      map[consent.Digest]string // grant id -> agency name
	// setRoots: the issuer-set roots each agency's proof was made against.
	setRoots map[string][]fr.Element
}

func newLinkWorld(t *testing.T) *linkWorld {
	t.Helper()
	ctx := context.Background()
	pk, vk := realKeys(t)
	lw := &linkWorld{
		w: newTestWorld(t, true), issuers: map[string]*identity.PrivateKey{}, agencies: map[string]*identity.PrivateKey{},
		views: map[string]tokens{}, ledgerViews: map[string]tokens{}, public: tokens{}, grants: map[consent.Digest]string{},
		setRoots: map[string][]fr.Element{},
	}
	w := lw.w
	w.submit(t, w.root, &ledger.VerifyingKey{Shape: vk.Shape(), Fingerprint: ledger.Hash(vk.Fingerprint())})
	lw.issuers["registry"] = w.agency(t, "Civil Registry", "PersonalID", "Residence")
	lw.issuers["tax"] = w.agency(t, "Tax Administration", "Income")
	for _, name := range []string{"benefits", "housing", "transport"} {
		lw.agencies[name] = w.agency(t, name)
	}
	registry := w.issuer(t, lw.issuers["registry"], personalID, residence)
	tax := w.issuer(t, lw.issuers["tax"], income)
	lw.st, lw.h = newWallet(t, w)

	// Three credentials from two issuers, at different times.
	for _, c := range []struct {
		issuer string
		is     *credential.Issuer
		s      *credential.Schema
		claims credential.Claims
	}{
		{"registry", registry, personalID, credential.Claims{"birthDate": "1987-03-14", "district": "Quillfeather Ward"}},
		{"registry", registry, residence, credential.Claims{"district": "Quillfeather Ward", "since": "2011-09-23"}},
		{"tax", tax, income, credential.Claims{"income": uint64(7654321), "employer": "Marrowgate Tinplate Works"}},
	} {
		w.clock.Add(37 * time.Minute)
		req, cred := issueTo(t, w, c.is, lw.issuers[c.issuer].DID(), c.s, lw.h, c.claims)
		lw.creds = append(lw.creds, cred)
		v := lw.view("issuer:" + c.issuer)
		v.addDID(req.Holder)
		v.addElement(req.HolderBinding)
		for _, x := range c.claims {
			v.addString(fmt.Sprint(x))
		}
	}
	for _, is := range []*credential.Issuer{registry, tax} {
		if _, err := lw.st.Refresh(w.l.State(), is.StatusList()); err != nil {
			t.Fatal(err)
		}
	}

	// Three agencies, each asking in the same scope name "intake".
	adult := credential.DayValue(time.Date(2008, 11, 2, 0, 0, 0, 0, time.UTC))
	requests := []struct {
		agency string
		tmpl   consent.Request
	}{
		{"benefits", consent.Request{Purpose: consent.PurposeBenefitEligibility, LegalBasis: consent.BasisPublicTask, NoticeVersion: "benefits/2",
			Types: []string{"PersonalID/1"}, Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: adult}}, Scope: "intake"}},
		{"housing", consent.Request{Purpose: consent.PurposeResidenceCheck, LegalBasis: consent.BasisPublicTask, NoticeVersion: "housing/7",
			Types: []string{"Residence/1"}, Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpInSet, Set: []consent.FieldValue{
				consent.FieldValueOf(credential.HashString("Quillfeather Ward")), consent.FieldValueOf(credential.HashString("Eastmarch"))}}}, Scope: "intake"}},
		{"transport", consent.Request{Purpose: consent.PurposeBenefitEligibility, LegalBasis: consent.BasisPublicTask, NoticeVersion: "fare/1",
			Types: []string{"Income/1"}, Predicates: []consent.Predicate{{Slot: 0, Op: consent.OpLe, A: 9000000}}, Scope: "intake"}},
	}
	for i, r := range requests {
		w.clock.Add(time.Duration(71+13*i) * time.Minute)
		gate, err := consent.NewGate(ctx, lw.agencies[r.agency], w.l, consent.NewZKSystem(vk), consent.WithGateClock(w.clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		req, err := gate.NewRequest(r.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		lw.public.addString(string(req.Purpose))
		lw.public.addString(string(req.LegalBasis))
		lw.public.addString(req.NoticeVersion)
		lw.public.addString(req.Scope)
		for _, typ := range req.Types {
			lw.public.addString(typ)
		}
		g, err := lw.h.Consent(ctx, w.l, req, ConsentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		lw.grants[g.ID()] = r.agency
		w.clock.Add(2 * time.Minute)
		p, err := lw.h.Present(ctx, w.l, pk, req)
		if err != nil {
			t.Fatalf("%s: present: %v", r.agency, err)
		}
		res, err := gate.Verify(ctx, req, p)
		if err != nil {
			t.Fatalf("%s: gate: %v", r.agency, err)
		}
		// Everything the agency received: the presentation (grant
		// included) and what the proof carries.
		v := lw.view("agency:" + r.agency)
		pj, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		v.addJSON(t, pj)
		hdr, err := zkp.InspectV2(p.Proof)
		if err != nil {
			t.Fatalf("%s: not a version 2 proof: %v", r.agency, err)
		}
		v.addElement(hdr.Nullifier)
		for _, root := range hdr.IssuerSets {
			v.addElement(root)
		}
		v.addBytes(hdr.Fingerprint[:])
		v.addBytes(res.Nullifier[:])
		lw.setRoots[r.agency] = hdr.IssuerSets
	}
	// The citizen withdraws the transport grant: a withdrawal on the ledger.
	w.clock.Add(53 * time.Minute)
	for _, g := range lw.h.Grants() {
		if lw.grants[g.ID()] == "transport" {
			if _, err := lw.h.Withdraw(ctx, w.l, g); err != nil {
				t.Fatal(err)
			}
		}
	}
	lw.readLedger(t)
	// Issuer-set roots are public parameters of their types: every root a
	// type's set has had, as the ledger's state derives it.
	state := w.l.State()
	for _, typ := range state.IssuerSetTypes() {
		for _, r := range state.IssuerSetRoots(typ) {
			lw.public.addBytes(r.Root[:])
		}
	}
	return lw
}

func (lw *linkWorld) view(name string) tokens {
	if lw.views[name] == nil {
		lw.views[name] = tokens{}
	}
	return lw.views[name]
}

// readLedger sorts every record of the ledger into the context of the
// party it concerns, or into the public parameters.
func (lw *linkWorld) readLedger(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	l := lw.w.l
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nameOf := map[identity.DID]string{}
	for n, k := range lw.agencies {
		nameOf[k.DID()] = "agency:" + n
	}
	for n, k := range lw.issuers {
		nameOf[k.DID()] = "issuer:" + n
	}
	for i := range cp.Size {
		sr, err := l.Record(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		var ctxName string
		switch p := sr.Record.Payload.(type) {
		case *ledger.ConsentReceipt:
			ctxName = nameOf[p.Agency]
		case *ledger.AccessRecord, *ledger.CredentialIssued:
			ctxName = nameOf[sr.Record.Author]
		case *ledger.ConsentWithdrawal:
			ctxName = "agency:" + lw.grants[consent.Digest(p.Grant)]
		}
		ts := tokens{}
		ts.addJSON(t, b)
		if ctxName == "" || ctxName == "agency:" {
			if k := sr.Record.Kind; k == ledger.KindConsentReceipt || k == ledger.KindAccessRecord || k == ledger.KindConsentWithdrawal || k == ledger.KindCredentialIssued {
				t.Fatalf("record %d (%s) concerns no party of the scenario", i, k)
			}
			lw.public.addAll(ts)
			continue
		}
		if lw.ledgerViews[ctxName] == nil {
			lw.ledgerViews[ctxName] = tokens{}
		}
		lw.ledgerViews[ctxName].addAll(ts)
	}
}

// TestLinkability runs the scenario of newLinkWorld once and checks it
// two ways (noSharedValues, privacyScan).
//
// noSharedValues: one citizen holds three credentials from two issuers,
// consents to three agencies (all asking in the same scope name) and
// presents to each, then withdraws one grant. Every party's view — what it
// received, together with the ledger records about it — shares no value
// with any other party's view except public parameters: no DID, key,
// grant id, receipt hash, nullifier (or its hash), signature or time.
//
// The proofs are version 2, issuer hidden (the requests do not reveal
// it): no agency receives any issuer's DID or key, only the issuer-set
// root of the credential's type, a public parameter of the type (checked
// directly, and that each agency's proof carries its type's root).
//
// One exception, asserted to be exactly these values so that it stays
// visible: both issuers receive the same holder binding (the commitment
// to the one holder secret that lets one proof cover several
// credentials), so colluding issuers can link their records of the
// citizen. It never reaches an agency or the ledger.
//
// The test also checks directly that no revocation index, holder secret
// or holder binding appears in any agency's view or on the ledger.
func TestLinkability(t *testing.T) {
	if testing.Short() {
		t.Skip("three Groth16 proofs of the full circuit; run without -short")
	}
	lw := newLinkWorld(t)
	t.Run("NoSharedValues", func(t *testing.T) { noSharedValues(t, lw) })
	t.Run("PrivacyScan", func(t *testing.T) { privacyScan(t, lw) })
}

func noSharedValues(t *testing.T, lw *linkWorld) {
	views := map[string]tokens{}
	for n, v := range lw.views {
		views[n] = tokens{}
		views[n].addAll(v)
	}
	for n, v := range lw.ledgerViews {
		if views[n] == nil {
			t.Fatalf("ledger records about %s, which received nothing", n)
		}
		views[n].addAll(v)
	}
	if len(views) != 5 {
		t.Fatalf("%d party views, want 2 issuers and 3 agencies", len(views))
	}
	// The exceptions.
	issuerTokens := map[string]tokens{}
	for n, k := range lw.issuers {
		ts := tokens{}
		ts.addDID(k.DID())
		ts.addBytes(k.Public().Bytes())
		z := k.Public().ZK().Bytes()
		ts.addBytes(z[:])
		issuerTokens[n] = ts
	}
	binding := tokens{}
	binding.addElement(credential.HolderBinding(lw.st.HolderSecret()))
	public := tokens{}
	public.addAll(lw.public)
	// Protocol constants: record kinds, predicate operator names, the zero
	// digest (requests without a notice hash).
	for _, k := range ledger.Kinds() {
		public.addString(string(k))
	}
	for op := zkp.OpEq; op <= zkp.OpInSet; op++ {
		public.addString(op.String())
	}
	public.addString(strings.Repeat("0", 64))
	for _, ts := range issuerTokens {
		for k := range ts {
			delete(public, k) // checked directly below
		}
	}
	names := make([]string, 0, len(views))
	for n := range views {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, a := range names {
		for _, b := range names[i+1:] {
			common := shared(views[a], views[b], public)
			var allowed tokens
			if strings.HasPrefix(a, "issuer:") && strings.HasPrefix(b, "issuer:") {
				allowed = binding // one holder secret
			}
			var linked []string
			for _, k := range common {
				if !allowed[k] {
					linked = append(linked, k)
				}
			}
			if len(linked) > 0 {
				t.Errorf("%s and %s share %d values beyond public parameters: %v", a, b, len(linked), linked)
			}
		}
	}
	// No agency receives any issuer's DID or key (its ZK key included),
	// in what it was sent or in the ledger records about it.
	for n, v := range views {
		if !strings.HasPrefix(n, "agency:") {
			continue
		}
		for is, ts := range issuerTokens {
			for k := range ts {
				if v[k] {
					t.Errorf("%s learned issuer %s: %s", n, is, k)
				}
			}
		}
	}
	// What each agency's proof names instead: its type's current
	// issuer-set root, a public parameter.
	state := lw.w.l.State()
	for agency, typ := range map[string]string{"benefits": "PersonalID", "housing": "Residence", "transport": "Income"} {
		set, err := state.IssuerSet(typ)
		if err != nil {
			t.Fatal(err)
		}
		roots := lw.setRoots[agency]
		if len(roots) != 1 || roots[0].Bytes() != [32]byte(set.Root) || !public["b:"+hex.EncodeToString(set.Root[:])] {
			t.Errorf("agency %s: proof against issuer-set roots %v, want the public current root %x of %s", agency, roots, set.Root, typ)
		}
	}
	// Direct checks of the citizen's secrets and indices.
	secret := lw.st.HolderSecret()
	secrets := tokens{}
	secrets.addElement(secret)
	for _, c := range lw.creds {
		idx := c.Core.RevocationIndex
		secrets["n:"+strconv.FormatUint(uint64(idx), 10)] = true
		secrets["s:"+strconv.FormatUint(uint64(idx), 10)] = true
	}
	for n, v := range views {
		for k := range secrets {
			if v[k] {
				t.Errorf("%s holds %s (holder secret or revocation index)", n, k)
			}
		}
		if strings.HasPrefix(n, "agency:") || lw.ledgerViews[n] != nil {
			for k := range binding {
				if (strings.HasPrefix(n, "agency:") && v[k]) || lw.ledgerViews[n][k] {
					t.Errorf("%s sees the holder binding", n)
				}
			}
		}
	}
	// Revocation indices in raw bytes of every record.
	all := lw.recordBytes(t)
	for _, c := range lw.creds {
		for _, enc := range uint32Encodings(c.Core.RevocationIndex) {
			if bytes.Contains(all, enc) {
				t.Errorf("revocation index %d found on the ledger as %x", c.Core.RevocationIndex, enc)
			}
		}
	}
	// The citizen's own list of where each pairwise DID is used.
	pairs := lw.h.Pairwise()
	if len(pairs) != 5 {
		t.Fatalf("Pairwise lists %d identities, want 5: %+v", len(pairs), pairs)
	}
	log := lw.h.AccessLog(lw.w.l)
	accesses := 0
	for _, g := range log {
		accesses += len(g.Accesses)
	}
	if len(log) != 3 || accesses != 3 {
		t.Fatalf("access log: %d grants, %d accesses", len(log), accesses)
	}
}

func (lw *linkWorld) recordBytes(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	cp, err := lw.w.l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for i := range cp.Size {
		sr, err := lw.w.l.Record(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sr.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, b...), 0)
	}
	return all
}

// uint32Encodings are the byte strings a 32-bit index could appear as:
// big- and little-endian, and decimal text when it has at least six
// digits (shorter decimals occur by chance in any hex text).
func uint32Encodings(x uint32) [][]byte {
	be := binary.BigEndian.AppendUint32(nil, x)
	le := binary.LittleEndian.AppendUint32(nil, x)
	out := [][]byte{be, le}
	if d := strconv.FormatUint(uint64(x), 10); len(d) >= 6 {
		out = append(out, []byte(d))
	}
	return out
}

// claimEncodings returns every encoding of the claim in slot of c that
// the privacy scan looks for: its text, the decimal, hex and base64 forms
// of its slot value, and the slot value as a field element, big- and
// little-endian.
func claimEncodings(c *credential.Credential, name string, slot int) map[string][]byte {
	out := map[string][]byte{}
	switch v := c.Claims[name].(type) {
	case time.Time:
		out["text"] = []byte(v.Format("2006-01-02"))
	default:
		out["text"] = []byte(fmt.Sprint(v))
	}
	e := c.Core.Slots[slot]
	be := e.Bytes()
	le := slices.Clone(be[:])
	slices.Reverse(le)
	var n big.Int
	e.BigInt(&n)
	if d := n.String(); len(d) >= 6 {
		out["decimal"] = []byte(d)
	}
	out["field element big-endian"] = be[:]
	out["field element little-endian"] = le
	out["hex big-endian"] = []byte(hex.EncodeToString(be[:]))
	out["hex little-endian"] = []byte(hex.EncodeToString(le))
	out["base64 big-endian"] = []byte(base64.StdEncoding.EncodeToString(be[:]))
	return out
}

// privacyScan: after the linkability scenario, no claim value of any
// issued credential appears in the ledger file's bytes or in any record's
// canonical bytes, in any encoding. It closes the ledger.
func privacyScan(t *testing.T, lw *linkWorld) {
	records := lw.recordBytes(t)
	if err := lw.w.l.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(lw.w.path)
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, c := range lw.creds {
		for _, d := range c.Schema.Claims {
			for enc, b := range claimEncodings(c, d.Name, int(d.Slot)) {
				scanned++
				for what, hay := range map[string][]byte{"ledger file": file, "ledger records": records} {
					if bytes.Contains(hay, b) {
						t.Errorf("%s: claim %s of %s found as %s (%x)", what, d.Name, c.Schema.Name, enc, b)
					}
				}
			}
		}
	}
	if scanned < 6*7 {
		t.Fatalf("scanned only %d encodings", scanned)
	}
	// The scan finds what it looks for: every claim's text encoding is in
	// the credential document the wallet holds.
	for _, c := range lw.creds {
		doc, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range c.Schema.Claims {
			if enc := claimEncodings(c, d.Name, int(d.Slot)); !bytes.Contains(doc, enc["text"]) {
				t.Errorf("scan would miss claim %s as text %q", d.Name, enc["text"])
			}
		}
	}
}
