//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	"github.com/civicproof/civicproof/consent"
	"github.com/civicproof/civicproof/credential"
	"github.com/civicproof/civicproof/credential/wallet"
	"github.com/civicproof/civicproof/holder"
	"github.com/civicproof/civicproof/httpapi"
	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/zkp"
)

// config is what the page pins: the ledger's checkpoint key, the citizen
// API, and the circuit digest the compiled circuit must have.
type config struct {
	LedgerOrigin  string `json:"ledgerOrigin"`
	LedgerKey     string `json:"ledgerKey"` // base64 Ed25519 public key
	CitizenBase   string `json:"citizenBase"`
	CircuitDigest string `json:"circuitDigest"` // hex
	// ProverHeapMB is the heap the prover may grow to before the garbage
	// collector runs while proving (0: defaultProverHeapMB; negative: Go's
	// default pacing throughout).
	ProverHeapMB int `json:"proverHeapMB,omitempty"`
}

// defaultProverHeapMB bounds the heap while the collector is paused for a
// proof (see proveQuietly); a proof of today's presentation circuit stays
// far below it (the wasm memory measured 150 MB in all).
const defaultProverHeapMB = 512

// consentValidity is how long the wallet's grants last, shown to the
// citizen before they accept.
const consentValidity = 30 * 24 * time.Hour

type app struct {
	mu      sync.Mutex
	cfg     config
	lv      *ledger.Verifier
	digest  [32]byte
	client  httpapi.Client
	store   *wallet.Store
	holder  *holder.Holder
	pk      *zkp.ProvingKey
	pending *pending
	grants  []*consent.Grant
	log     *logView // the last access log verified against the ledger
}

// pending is the request shown to the citizen, awaiting Accept or Refuse.
type pending struct {
	ro     *httpapi.RequestObject
	agency *httpapi.VerifiedAgency
	entry  wallet.Entry
}

var errState = errors.New("wallet: not ready")

func main() {
	a := &app{}
	api := map[string]any{
		"init":      a.async(a.init),
		"unlock":    a.async(a.unlock),
		"loadKeys":  a.async(a.loadKeys),
		"receive":   a.async(a.receive),
		"request":   a.async(a.request),
		"accept":    a.async(a.accept),
		"refuse":    a.async(a.refuse),
		"accessLog": a.async(a.accessLog),
		"withdraw":  a.async(a.withdraw),
		"grants":    a.async(a.sealedGrants),
	}
	js.Global().Set("civicproof", js.ValueOf(api))
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("civicproof-ready"))
	select {}
}

// async wraps fn as a JS function returning a Promise of fn's JSON result;
// the work runs on its own goroutine so the event loop keeps turning.
func (a *app) async(fn func(args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) any {
		handler := js.FuncOf(func(this js.Value, pargs []js.Value) any {
			resolve, reject := pargs[0], pargs[1]
			go func() {
				out, err := fn(args)
				if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
					return
				}
				b, err := json.Marshal(out)
				if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
					return
				}
				resolve.Invoke(js.Global().Get("JSON").Call("parse", string(b)))
			}()
			return nil
		})
		defer handler.Release()
		return js.Global().Get("Promise").New(handler)
	})
}

func bytesOf(v js.Value) []byte {
	if v.IsUndefined() || v.IsNull() {
		return nil
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func jsonArg(args []js.Value, i int, v any) error {
	if len(args) <= i {
		return errors.New("wallet: missing argument")
	}
	return json.Unmarshal([]byte(js.Global().Get("JSON").Call("stringify", args[i]).String()), v)
}

func (a *app) init(args []js.Value) (any, error) {
	var c config
	if err := jsonArg(args, 0, &c); err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(c.LedgerKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, errors.New("wallet: ledger key must be a base64 Ed25519 key")
	}
	lv, err := ledger.NewVerifier(c.LedgerOrigin, key)
	if err != nil {
		return nil, err
	}
	d, err := hex.DecodeString(c.CircuitDigest)
	if err != nil || len(d) != 32 {
		return nil, errors.New("wallet: circuit digest must be 32 bytes of hex")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfg, a.lv, a.digest = c, lv, [32]byte(d)
	return nil, nil
}

type sealedOut struct {
	Sealed      []byte `json:"sealed"` // base64 in JSON
	Credentials int    `json:"credentials"`
	Grants      int    `json:"grants"`
	UnlockMS    int64  `json:"unlockMs"`
}

func (a *app) unlock(args []js.Value) (any, error) {
	if len(args) < 2 {
		return nil, errors.New("wallet: unlock(passphrase, sealed[, sealedGrants])")
	}
	start := time.Now()
	pass := []byte(args[0].String())
	var (
		s   *wallet.Store
		err error
	)
	if sealed := args[1]; sealed.IsNull() || sealed.IsUndefined() || sealed.String() == "" {
		s, err = wallet.New(pass, wallet.Options{})
	} else {
		var b []byte
		if b, err = base64.StdEncoding.DecodeString(sealed.String()); err == nil {
			s, err = wallet.OpenSealed(b, pass)
		}
	}
	if err != nil {
		return nil, err
	}
	h, err := holder.New(s.MasterSecret(), s)
	if err != nil {
		return nil, err
	}
	var (
		grants []*consent.Grant
		lv     *logView
	)
	if len(args) > 2 && args[2].Type() == js.TypeString && args[2].String() != "" {
		b, err := base64.StdEncoding.DecodeString(args[2].String())
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errGrantsSealed, err)
		}
		if grants, lv, err = openGrants(s.MasterSecret(), b); err != nil {
			return nil, err
		}
		for _, g := range grants {
			if err := h.Keep(g); err != nil {
				return nil, fmt.Errorf("wallet: stored grant: %w", err)
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.store, a.holder, a.grants, a.log = s, h, grants, lv
	return sealedOut{Sealed: s.Sealed(), Credentials: len(s.List("", "")), Grants: len(grants), UnlockMS: time.Since(start).Milliseconds()}, nil
}

// sealedGrants returns the grants and the last verified access-log view,
// sealed for the page to store (see grants.go), as base64.
func (a *app) sealedGrants([]js.Value) (any, error) {
	a.mu.Lock()
	s, grants, lv := a.store, append([]*consent.Grant(nil), a.grants...), a.log
	a.mu.Unlock()
	if s == nil {
		return nil, errState
	}
	b, err := sealGrants(s.MasterSecret(), grants, lv)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

type keysOut struct {
	LoadMS      int64  `json:"loadMs"`
	Fingerprint string `json:"fingerprint"`
}

// loadKeys installs the compiled circuit (refused unless it has the pinned
// digest) and the proving key (refused unless its verifying key is
// official on the ledger).
func (a *app) loadKeys(args []js.Value) (any, error) {
	if len(args) < 2 {
		return nil, errors.New("wallet: loadKeys(pk, cs)")
	}
	start := time.Now()
	a.mu.Lock()
	digest, base, lv := a.digest, a.cfg.CitizenBase, a.lv
	a.mu.Unlock()
	if lv == nil {
		return nil, errState
	}
	shape, err := zkp.LoadConstraintSystemShape(bytes.NewReader(bytesOf(args[1])), digest)
	if err != nil {
		return nil, err
	}
	pk, err := zkp.ReadProvingKey(bytes.NewReader(bytesOf(args[0])))
	if err != nil {
		return nil, err
	}
	if pk.CircuitShape() != shape {
		return nil, fmt.Errorf("wallet: the proving key is for %s, the circuit is %s", pk.CircuitShape(), shape)
	}
	vk := pk.VerifyingKey()
	f, err := a.client.Key(context.Background(), base, vk.Shape(), vk.Fingerprint())
	if err != nil {
		return nil, fmt.Errorf("wallet: the proving key is not official on the ledger: %w", err)
	}
	if err := httpapi.VerifyOfficialKey(f, lv, vk.Shape(), vk.Fingerprint()); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.pk = pk
	a.mu.Unlock()
	fp := vk.Fingerprint()
	return keysOut{LoadMS: time.Since(start).Milliseconds(), Fingerprint: hex.EncodeToString(fp[:8])}, nil
}

func (a *app) receive(args []js.Value) (any, error) {
	var offer httpapi.CredentialOffer
	if err := jsonArg(args, 0, &offer); err != nil {
		return nil, err
	}
	a.mu.Lock()
	s, h := a.store, a.holder
	a.mu.Unlock()
	if s == nil {
		return nil, errState
	}
	key, err := h.DeliveryIdentity(offer.IssuerDID)
	if err != nil {
		return nil, err
	}
	c, w, err := a.client.PickUp(context.Background(), &offer, key, s.HolderBinding())
	if err != nil {
		return nil, err
	}
	if err := s.Add(c); err != nil {
		return nil, err
	}
	if err := s.SetWitness(c.ID(), w, 0); err != nil {
		return nil, err
	}
	return sealedOut{Sealed: s.Sealed(), Credentials: len(s.List("", ""))}, nil
}

// view is the request in the citizen's terms.
type view struct {
	Agency     string   `json:"agency"`
	AgencyDID  string   `json:"agencyDid"`
	Governance string   `json:"governance"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legalBasis"`
	Notice     string   `json:"notice"`
	Credential string   `json:"credential"`
	Proven     []string `json:"proven"`
	Disclosed  []string `json:"disclosed"`
	ConsentFor string   `json:"consentFor"`
	Until      string   `json:"until"`
}

// request fetches and checks the request object and the agency before the
// citizen sees anything: a request whose signature does not verify, or
// from an agency not accredited on the ledger as verifier of the type it
// asks for, is refused here.
func (a *app) request(args []js.Value) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("wallet: request(requestURI)")
	}
	a.mu.Lock()
	s, lv, base := a.store, a.lv, a.cfg.CitizenBase
	a.pending = nil
	a.mu.Unlock()
	if s == nil || lv == nil {
		return nil, errState
	}
	ctx := context.Background()
	ro, err := a.client.FetchRequestObject(ctx, args[0].String())
	if err != nil {
		return nil, err
	}
	var (
		ag      *httpapi.VerifiedAgency
		entry   *wallet.Entry
		lastErr = fmt.Errorf("%w: no accepted type", httpapi.ErrNotAccredited)
	)
	for _, t := range ro.Request.Types {
		name, _, err := consent.SplitType(t)
		if err != nil {
			return nil, err
		}
		f, err := a.client.Agency(ctx, base, ro.ClientID, ledger.RoleVerifier, name)
		if err != nil {
			lastErr = err
			continue
		}
		v, err := httpapi.VerifyAgency(f, lv, ro.ClientID, ledger.RoleVerifier, name)
		if err != nil {
			lastErr = err
			continue
		}
		for _, e := range s.List("", "") {
			if consent.TypeOf(e.Credential) == t && e.Witness != nil {
				e := e
				ag, entry = v, &e
				break
			}
		}
		if entry != nil {
			break
		}
		lastErr = fmt.Errorf("wallet: no credential of type %s", t)
	}
	if entry == nil {
		return nil, fmt.Errorf("refused before asking you: %w", lastErr)
	}
	req := ro.Request
	sch := entry.Credential.Schema
	out := view{Agency: ag.Name, AgencyDID: string(ro.ClientID), Governance: ag.Governance,
		Purpose: string(req.Purpose), LegalBasis: string(req.LegalBasis), Notice: req.NoticeVersion,
		Credential: sch.Name, ConsentFor: fmt.Sprintf("%d days", int(consentValidity.Hours()/24)),
		Until: time.Now().Add(consentValidity).UTC().Format("2 January 2006"), Proven: []string{}, Disclosed: []string{}}
	for _, p := range req.Predicates {
		out.Proven = append(out.Proven, describe(sch, p))
	}
	for _, slot := range req.Disclose {
		name := "slot " + strconv.Itoa(int(slot))
		if cd, ok := sch.ClaimAt(int(slot)); ok {
			name = cd.Name
		}
		out.Disclosed = append(out.Disclosed, name)
	}
	a.mu.Lock()
	a.pending = &pending{ro: ro, agency: ag, entry: *entry}
	a.mu.Unlock()
	return out, nil
}

var opWords = map[consent.Op]string{
	consent.OpEq: "is", consent.OpNe: "is not", consent.OpLt: "is before / below", consent.OpLe: "is on or before / at most",
	consent.OpGt: "is after / above", consent.OpGe: "is on or after / at least", consent.OpInRange: "is between", consent.OpInSet: "is one of a list",
}

func describe(sch *credential.Schema, p consent.Predicate) string {
	cd, ok := sch.ClaimAt(int(p.Slot))
	name := "slot " + strconv.Itoa(int(p.Slot))
	val := func(v uint64) string { return strconv.FormatUint(v, 10) }
	if ok {
		name = cd.Name
		if cd.Type == credential.TypeDate {
			val = func(v uint64) string { return credential.DayDate(v).Format("2 January 2006") }
		}
	}
	switch p.Op {
	case consent.OpInRange:
		return fmt.Sprintf("your %s is between %s and %s", name, val(p.A), val(p.B))
	case consent.OpInSet:
		return fmt.Sprintf("your %s is one of %d values", name, len(p.Set))
	}
	if ok && cd.Type == credential.TypeDate {
		switch p.Op {
		case consent.OpLe:
			return fmt.Sprintf("your %s is on or before %s", name, val(p.A))
		case consent.OpGe:
			return fmt.Sprintf("your %s is on or after %s", name, val(p.A))
		}
	}
	return fmt.Sprintf("your %s %s %s", name, opWords[p.Op], val(p.A))
}

type acceptOut struct {
	Result  *httpapi.PresentationResult `json:"result"`
	ProveMS int64                       `json:"proveMs"`
	Grant   string                      `json:"grant"`
}

func (a *app) accept(args []js.Value) (any, error) {
	a.mu.Lock()
	p, s, h, pk, base := a.pending, a.store, a.holder, a.pk, a.cfg.CitizenBase
	a.pending = nil
	a.mu.Unlock()
	if p == nil {
		return nil, errors.New("wallet: no request to accept")
	}
	if pk == nil {
		return nil, fmt.Errorf("%w: proving key not loaded", errState)
	}
	ctx := context.Background()
	now := time.Now()
	key, err := h.IdentityFor(p.ro.ClientID)
	if err != nil {
		return nil, err
	}
	g, err := consent.NewGrant(nil, key.DID(), p.ro.Request, now, consentValidity)
	if err != nil {
		return nil, err
	}
	if err := g.Sign(key); err != nil {
		return nil, err
	}
	if _, err := a.client.Anchor(ctx, base, key, g, now); err != nil {
		return nil, fmt.Errorf("anchoring your consent: %w", err)
	}
	if err := h.Keep(g); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.grants = append(a.grants, g)
	a.mu.Unlock()
	// The credential type's whole issuer set (the server learns the type,
	// not the issuer); HeldV2From checks that it rebuilds to its root.
	set, err := a.client.IssuerSet(ctx, base, p.entry.Credential.Schema.Name)
	if err != nil {
		return nil, fmt.Errorf("fetching the issuer set: %w", err)
	}
	held, err := consent.HeldV2From(set, p.entry.Credential, p.entry.Witness)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	hold := &zkp.HoldingV2{Secret: s.HolderSecret(), Credentials: []zkp.HeldCredential{held}}
	// The grant was anchored a moment ago by this wallet: given, unused.
	st := &consent.Status{Grant: g, State: consent.StateGiven}
	var pres *consent.Presentation
	proveQuietly(a.proverHeap(), func() {
		// A version 2 proof: the issuer stays hidden unless the request
		// reveals it.
		pres, err = consent.PresentV2(ctx, key, pk, p.ro.Request, st, hold, time.Now())
	})
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	res, err := a.client.Respond(ctx, p.ro, pres)
	if err != nil {
		return nil, err
	}
	return acceptOut{Result: res, ProveMS: took.Milliseconds(), Grant: g.ID().String()}, nil
}

// refuse forgets the shown request and tells the agency: the OpenID4VP
// error response access_denied (with the request's state) posted to its
// response_uri. Nothing is proven and nothing about the citizen is sent.
func (a *app) refuse([]js.Value) (any, error) {
	a.mu.Lock()
	p := a.pending
	a.pending = nil
	a.mu.Unlock()
	if p == nil {
		return nil, errors.New("wallet: no request to refuse")
	}
	if err := a.client.Refuse(context.Background(), p.ro, httpapi.AccessDenied); err != nil {
		return nil, fmt.Errorf("telling the agency you refused: %w", err)
	}
	return nil, nil
}

func (a *app) proverHeap() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch mb := a.cfg.ProverHeapMB; {
	case mb == 0:
		return defaultProverHeapMB
	case mb < 0:
		return 0
	default:
		return mb
	}
}

// proveQuietly runs prove with the garbage collector paused until the
// heap reaches heapMB (0: no change): no collection interrupts the
// single-threaded wasm prover, and the memory limit still bounds the
// heap.
func proveQuietly(heapMB int, prove func()) {
	if heapMB <= 0 {
		prove()
		return
	}
	gc := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(int64(heapMB) << 20)
	defer func() {
		debug.SetMemoryLimit(limit)
		debug.SetGCPercent(gc)
	}()
	prove()
}

// accessLog fetches, for each pairwise identity the wallet consented
// with, its access log, verifies every record against the ledger and
// keeps the view (sealedGrants stores it). If the ledger cannot be
// reached or does not verify, it returns the last verified view marked
// cached, with the reason, or the error when there is none.
func (a *app) accessLog([]js.Value) (any, error) {
	a.mu.Lock()
	h, lv, base, grants, last := a.holder, a.lv, a.cfg.CitizenBase, append([]*consent.Grant(nil), a.grants...), a.log
	a.mu.Unlock()
	if h == nil || lv == nil {
		return nil, errState
	}
	out, err := a.verifiedLog(lv, base, grants)
	if err != nil {
		if last == nil {
			return nil, err
		}
		c := *last
		c.Cached, c.Reason = true, err.Error()
		return c, nil
	}
	v := &logView{Grants: out, VerifiedAt: time.Now().UTC().Format(time.RFC3339)}
	a.mu.Lock()
	a.log = v
	a.mu.Unlock()
	return v, nil
}

func (a *app) verifiedLog(lv *ledger.Verifier, base string, grants []*consent.Grant) ([]logGrant, error) {
	seen := map[identity.DID]bool{}
	out := []logGrant{}
	for _, g := range grants {
		if seen[g.Citizen] {
			continue
		}
		seen[g.Citizen] = true
		l, err := a.client.AccessLog(context.Background(), base, g.Citizen)
		if err != nil {
			return nil, err
		}
		vgs, err := httpapi.VerifyAccessLog(l, lv, g.Citizen)
		if err != nil {
			return nil, err
		}
		for _, vg := range vgs {
			lg := logGrant{ID: vg.ID.String(), Agency: vg.AgencyName, Anchored: vg.Anchored.Format(time.RFC3339),
				Withdrawn: vg.Withdrawn, Accesses: []logAccess{}}
			for _, ac := range vg.Accesses {
				lg.Accesses = append(lg.Accesses, logAccess{Time: ac.Time.Format(time.RFC3339), Purpose: string(ac.Purpose), Index: ac.Index})
			}
			out = append(out, lg)
		}
	}
	return out, nil
}

func (a *app) withdraw(args []js.Value) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("wallet: withdraw(grantID)")
	}
	id := args[0].String()
	a.mu.Lock()
	h, base := a.holder, a.cfg.CitizenBase
	var g *consent.Grant
	for _, x := range a.grants {
		if x.ID().String() == id {
			g = x
		}
	}
	a.mu.Unlock()
	if g == nil {
		return nil, errors.New("wallet: no such grant in this wallet")
	}
	key, err := h.IdentityFor(g.Agency)
	if err != nil {
		return nil, err
	}
	idx, err := a.client.Withdraw(context.Background(), base, key, g, time.Now())
	if err != nil {
		return nil, err
	}
	return map[string]uint64{"index": idx}, nil
}
