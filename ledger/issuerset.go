package ledger

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/internal/issuerset"
)

// Issuer sets: for each credential type, the state keeps the leaves of the
// keys accredited to issue it and every root the set has had (see the
// package documentation, "Issuer sets"). The leaves and the history are
// part of stateData, so MarshalBinary, Digest and the index head carry them;
// the trees are rebuilt from the leaves when a root is computed.

// Shape of an issuer-set tree.
const (
	// IssuerSetLevels is the height of the 4-ary tree.
	IssuerSetLevels = issuerset.Levels
	// IssuerSetArity is the number of children of a node.
	IssuerSetArity = issuerset.Arity
	// IssuerSetCapacity is the most leaves one credential type's set holds
	// (every key that was ever current for it and is not removed).
	IssuerSetCapacity = issuerset.Capacity
	// IssuerSetOpen is the Until of a key that is still current.
	IssuerSetOpen = issuerset.Open
)

// ErrIssuerSetFull is returned (together with ErrInvalidRecord) for a
// record that would put more than IssuerSetCapacity keys into a credential
// type's issuer set. The record is refused as a whole.
var ErrIssuerSetFull = errors.New("ledger: issuer set full")

// IssuerSetDay returns the day number of t that leaf windows use: whole
// UTC days since 1970-01-01 with the top bit flipped, the encoding of
// credential.DayValue, so that unsigned order is date order.
func IssuerSetDay(t time.Time) uint64 { return issuerset.Day(t) }

// issuerSetData is the issuer-set state of one credential type.
type issuerSetData struct {
	// Leaves holds every leaf ever created for the type, in creation order
	// (log index; one record creates at most one leaf per type). Which of
	// them are in the current set is derived: not Compromised, and the
	// agency's issuer accreditation for the type is active.
	Leaves []issuerLeafData
	// Roots is every root the type has had, oldest first; the last is
	// current.
	Roots []IssuerSetRootInfo
}

// issuerLeafData is one (agency key, type) leaf. Key is the key set's DID;
// the ZK key and the revocation root are looked up when the tree is built.
type issuerLeafData struct {
	Agency      identity.DID
	Key         identity.DID
	Created     uint64
	From, Until uint64
	Compromised bool `json:",omitempty"`
}

// IssuerSetRootInfo is one root in a credential type's history: it became
// current with the record at log index Index (record time Time, Unix
// seconds) and, when Superseded, stopped being current with the record at
// SupersededIndex (time SupersededTime). Leaves is the number of keys in
// the set.
type IssuerSetRootInfo struct {
	Type            string
	Root            Hash
	Leaves          int
	Index           uint64
	Time            int64
	Superseded      bool
	SupersededIndex uint64
	SupersededTime  int64
}

// Fresh reports whether a verifier that accepts an issuer-set root for
// maxAge after it was superseded accepts r at now: r is current, or it was
// superseded less than maxAge before now (by the superseding record's
// time). A verifier chooses maxAge: zero accepts only the current root.
func (r IssuerSetRootInfo) Fresh(now time.Time, maxAge time.Duration) bool {
	if !r.Superseded {
		return true
	}
	return now.Sub(time.Unix(r.SupersededTime, 0)) < maxAge
}

// IssuerSetLeaf is one key of a credential type's issuer set.
type IssuerSetLeaf struct {
	Agency  identity.DID        // the agency's ID (the DID it registered with)
	KeyDID  identity.DID        // the key set's DID
	Key     *identity.PublicKey // the key set; the leaf holds its ZK key
	Created uint64              // log index of the record that created the leaf
	// From and Until are the issuance days (IssuerSetDay) the key covers,
	// inclusive; Until is IssuerSetOpen while the key is current.
	From, Until uint64
	// RevocationRoot is the agency's latest published revocation root and
	// RevocationEpoch its epoch; zero when the agency has published none
	// or its latest root is not a canonical BN254 field element (then no
	// credential under the leaf can show that it is not revoked).
	RevocationRoot  Hash
	RevocationEpoch uint64
	// Hash is the leaf's value in the tree.
	Hash Hash
}

// Covers reports whether the leaf's window contains issuance day day
// (IssuerSetDay).
func (l IssuerSetLeaf) Covers(day uint64) bool { return l.From <= day && day <= l.Until }

// IssuerSet is the current issuer set of a credential type: its root, the
// record at which the root became current, and its leaves in tree order.
type IssuerSet struct {
	Type   string
	Root   Hash
	Index  uint64
	Time   int64
	Leaves []IssuerSetLeaf
	tree   *issuerset.Tree
}

// IndexOf returns the position of the leaf of the key set with DID key.
func (s *IssuerSet) IndexOf(key identity.DID) (int, bool) {
	i := slices.IndexFunc(s.Leaves, func(l IssuerSetLeaf) bool { return l.KeyDID == key })
	return i, i >= 0
}

// Path returns the authentication path of leaf i. Errors wrap ErrNotFound.
func (s *IssuerSet) Path(i int) (IssuerSetPath, error) {
	p, err := s.tree.Path(i)
	if err != nil {
		return IssuerSetPath{}, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	out := IssuerSetPath{Index: p.Index}
	for h := range p.Siblings {
		for k := range p.Siblings[h] {
			out.Siblings[h][k] = Hash(p.Siblings[h][k].Bytes())
		}
	}
	return out, nil
}

// IssuerSetPath is the authentication path of one leaf: Siblings[h] are
// the three siblings at height h (0 = leaves) in child order, the path's
// own node left out; the index's two bits of level h (least significant
// first) say where it goes. Values are BN254 field elements, 32 bytes
// big-endian.
type IssuerSetPath struct {
	Index    uint32
	Siblings [IssuerSetLevels][IssuerSetArity - 1]Hash
}

// Verify reports whether the path leads from leaf to root. It is false for
// any value that is not a canonical field element.
func (p IssuerSetPath) Verify(leaf, root Hash) bool {
	var q issuerset.Path
	q.Index = p.Index
	if p.Index >= IssuerSetCapacity {
		return false
	}
	for h := range p.Siblings {
		for k := range p.Siblings[h] {
			if q.Siblings[h][k].SetBytesCanonical(p.Siblings[h][k][:]) != nil {
				return false
			}
		}
	}
	var l fr.Element
	if l.SetBytesCanonical(leaf[:]) != nil {
		return false
	}
	got := q.RootWith(l)
	return Hash(got.Bytes()) == root
}

// IssuerSetTypes returns, sorted, the credential types that have an issuer
// set (every type an agency was ever accredited to issue).
func (s *State) IssuerSetTypes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.d.IssuerSets))
	for typ := range s.d.IssuerSets {
		out = append(out, typ)
	}
	slices.Sort(out)
	return out
}

// IssuerSet returns the current issuer set of credential type typ, with
// its tree (rebuilt from the leaves: a few milliseconds for a full set).
// Errors wrap ErrNotFound for a type no agency was ever accredited to
// issue.
func (s *State) IssuerSet(typ string) (*IssuerSet, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sd := s.d.IssuerSets[typ]
	if sd == nil || len(sd.Roots) == 0 {
		return nil, fmt.Errorf("%w: no issuer set for %q", ErrNotFound, typ)
	}
	leaves, tree, err := s.buildIssuerSet(typ)
	if err != nil {
		return nil, err
	}
	cur := sd.Roots[len(sd.Roots)-1]
	if root := rootOfTree(tree); root != cur.Root {
		return nil, fmt.Errorf("%w: issuer set of %q rebuilds to %s, the state says %s", ErrCorrupt, typ, root, cur.Root)
	}
	return &IssuerSet{Type: typ, Root: cur.Root, Index: cur.Index, Time: cur.Time, Leaves: leaves, tree: tree}, nil
}

// IssuerSetRoots returns every root credential type typ's issuer set has
// had, oldest first (the last is current); nil for an unknown type.
func (s *State) IssuerSetRoots(typ string) []IssuerSetRootInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sd := s.d.IssuerSets[typ]; sd != nil {
		return slices.Clone(sd.Roots)
	}
	return nil
}

// IssuerSetRoot returns the history entry of root for credential type typ:
// when it became current and whether and when it was superseded. A root
// the set had more than once (a suspension undone by a reinstatement)
// returns its latest entry. Errors wrap ErrNotFound for a root the type
// never had.
//
// A verifier given a proof against root checks it with Fresh: it accepts
// the root if it is current or was superseded less than its chosen window
// ago, so a wallet that fetched the set shortly before a change still
// proves, and a key removed by a suspension stops being accepted once the
// window has passed.
func (s *State) IssuerSetRoot(typ string, root Hash) (IssuerSetRootInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sd := s.d.IssuerSets[typ]; sd != nil {
		for i := len(sd.Roots) - 1; i >= 0; i-- {
			if sd.Roots[i].Root == root {
				return sd.Roots[i], nil
			}
		}
	}
	return IssuerSetRootInfo{}, fmt.Errorf("%w: %s is not an issuer-set root of %q", ErrNotFound, root, typ)
}

// buildIssuerSet returns the current leaves of typ and their tree. The
// caller holds s.mu.
func (s *State) buildIssuerSet(typ string) ([]IssuerSetLeaf, *issuerset.Tree, error) {
	sd := s.d.IssuerSets[typ]
	var out []IssuerSetLeaf
	var hashes []fr.Element
	if sd != nil {
		for _, l := range sd.Leaves {
			if l.Compromised || !s.activeAccreditation(l.Agency, RoleIssuer, typ) {
				continue
			}
			pub := s.agencyKey(l.Agency, l.Key)
			if pub == nil || pub.ZK() == nil {
				return nil, nil, fmt.Errorf("%w: issuer-set leaf names key %s that agency %s does not hold", ErrCorrupt, l.Key, l.Agency)
			}
			var root fr.Element
			var rootHash Hash
			var epoch uint64
			if list := s.d.Revocations[l.Agency]; len(list) > 0 {
				last := list[len(list)-1]
				if root.SetBytesCanonical(last.Root[:]) == nil {
					rootHash, epoch = last.Root, last.Epoch
				} else {
					root.SetZero()
				}
			}
			leaf := issuerset.KeyLeaf(pub.ZK(), l.From, l.Until, root)
			if leaf.From > leaf.Until {
				return nil, nil, fmt.Errorf("%w: issuer-set leaf of %s has an empty window", ErrCorrupt, l.Key)
			}
			lh := s.leafMemo.hash(&leaf)
			hashes = append(hashes, lh)
			out = append(out, IssuerSetLeaf{
				Agency: l.Agency, KeyDID: l.Key, Key: pub, Created: l.Created, From: l.From, Until: l.Until,
				RevocationRoot: rootHash, RevocationEpoch: epoch, Hash: Hash(lh.Bytes()),
			})
		}
	}
	if len(hashes) > IssuerSetCapacity {
		return nil, nil, fmt.Errorf("%w: %q would hold %d keys, at most %d", ErrIssuerSetFull, typ, len(hashes), IssuerSetCapacity)
	}
	tree, err := issuerset.BuildHashes(hashes)
	if err != nil {
		return nil, nil, fmt.Errorf("issuer set of %q: %w", typ, err)
	}
	return out, tree, nil
}

// rootOfTree returns the tree's root as a Hash: the field element, 32
// bytes big-endian (as credential writes revocation roots).
func rootOfTree(t *issuerset.Tree) Hash {
	r := t.Root()
	return Hash(r.Bytes())
}

// issuerLeafMemo caches leaf hashes by the leaf's content, so that a
// record changing one leaf (a revocation root, a rotation) rehashes only
// that leaf. It is a pure function's cache: never stale, never part of the
// state, safe for queries under the read lock.
type issuerLeafMemo struct {
	mu sync.Mutex
	m  map[issuerset.Leaf]fr.Element
}

// issuerLeafMemoMax bounds the cache: past it, the cache starts over.
const issuerLeafMemoMax = 1 << 14

func (c *issuerLeafMemo) hash(l *issuerset.Leaf) fr.Element {
	c.mu.Lock()
	h, ok := c.m[*l]
	c.mu.Unlock()
	if ok {
		return h
	}
	h = l.Hash()
	c.mu.Lock()
	if c.m == nil || len(c.m) >= issuerLeafMemoMax {
		c.m = map[issuerset.Leaf]fr.Element{}
	}
	c.m[*l] = h
	c.mu.Unlock()
	return h
}

// agencyKey returns the key set with DID did that agency id has held, or
// nil.
func (s *State) agencyKey(id, did identity.DID) *identity.PublicKey {
	for _, k := range s.d.Agencies[id].Keys {
		if k.DID == did {
			return k.Key
		}
	}
	return nil
}

// refreshIssuerSet recomputes the root of typ after the record at index
// (time t) and, if it changed, supersedes the current root with it. A set
// over capacity refuses the record.
func (s *State) refreshIssuerSet(typ string, index uint64, t int64) error {
	leaves, tree, err := s.buildIssuerSet(typ)
	if err != nil {
		return refuse(ErrInvalidRecord, "%w", err)
	}
	sd := s.d.IssuerSets[typ]
	root := rootOfTree(tree)
	n := len(sd.Roots)
	if n > 0 && sd.Roots[n-1].Root == root {
		return nil
	}
	if n > 0 {
		last := &sd.Roots[n-1]
		old := *last
		s.journal = append(s.journal, func() { *last = old })
		last.Superseded, last.SupersededIndex, last.SupersededTime = true, index, t
	}
	oldRoots := sd.Roots
	s.journal = append(s.journal, func() { sd.Roots = oldRoots })
	sd.Roots = append(sd.Roots, IssuerSetRootInfo{Type: typ, Root: root, Leaves: len(leaves), Index: index, Time: t})
	return nil
}

// issuerSetOf returns the issuer-set data of typ, creating it.
func (s *State) issuerSetOf(typ string) *issuerSetData {
	sd := s.d.IssuerSets[typ]
	if sd == nil {
		sd = &issuerSetData{}
		put(s, s.d.IssuerSets, typ, sd)
	}
	return sd
}

func (s *State) addIssuerLeaf(sd *issuerSetData, l issuerLeafData) {
	old := sd.Leaves
	s.journal = append(s.journal, func() { sd.Leaves = old })
	sd.Leaves = append(sd.Leaves, l)
}

// typesOf returns, sorted, the types whose issuer sets hold a leaf of
// agency id that is still open (the agency's current key for the type).
func (s *State) openIssuerTypes(id identity.DID) []string {
	var out []string
	for typ, sd := range s.d.IssuerSets {
		for _, l := range sd.Leaves {
			if l.Agency == id && l.Until == IssuerSetOpen {
				out = append(out, typ)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// updateIssuerSets brings the issuer sets up to date after record r was
// applied at index; the caller holds s.mu and rolls back the journal on
// error. Only accreditation (issuer role), suspension, reinstatement, key
// rotation and revocation-root records change a set.
func (s *State) updateIssuerSets(index uint64, r *Record) error {
	switch p := r.Payload.(type) {
	case *Accredit:
		if p.Role != RoleIssuer {
			return nil
		}
		id := s.d.DIDs[p.Agency]
		cur := s.d.Agencies[id].Current()
		from := issuerset.Day(time.Unix(max(r.Time, cur.Time), 0))
		for _, typ := range p.Types {
			s.addIssuerLeaf(s.issuerSetOf(typ), issuerLeafData{Agency: id, Key: cur.DID, Created: index, From: from, Until: IssuerSetOpen})
			if err := s.refreshIssuerSet(typ, index, r.Time); err != nil {
				return err
			}
		}
	case *Suspend:
		return s.refreshIssuerTypes(p.Role, p.Types, index, r.Time)
	case *Reinstate:
		return s.refreshIssuerTypes(p.Role, p.Types, index, r.Time)
	case *KeyRotate:
		id := s.d.DIDs[r.Author]
		a := s.d.Agencies[id]
		oldKey, newKey := a.Keys[len(a.Keys)-2].DID, a.Current().DID
		day := issuerset.Day(time.Unix(r.Time, 0))
		for _, typ := range s.openIssuerTypes(id) {
			sd := s.d.IssuerSets[typ]
			for i := range sd.Leaves {
				l := &sd.Leaves[i]
				if l.Agency != id || l.Key != oldKey || l.Until != IssuerSetOpen {
					continue
				}
				old := *l
				s.journal = append(s.journal, func() { *l = old })
				l.Until = max(day, l.From) // a record time before the window's start closes it on its first day
				l.Compromised = p.Compromised
			}
			accredited := s.d.Accreditations[key(string(id), string(RoleIssuer), typ)].Events[0].Time
			from := issuerset.Day(time.Unix(max(r.Time, accredited), 0))
			s.addIssuerLeaf(sd, issuerLeafData{Agency: id, Key: newKey, Created: index, From: from, Until: IssuerSetOpen})
			if err := s.refreshIssuerSet(typ, index, r.Time); err != nil {
				return err
			}
		}
	case *RevocationRoot:
		id := s.d.DIDs[r.Author]
		for _, typ := range s.openIssuerTypes(id) {
			if err := s.refreshIssuerSet(typ, index, r.Time); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *State) refreshIssuerTypes(role Role, types []string, index uint64, t int64) error {
	if role != RoleIssuer {
		return nil
	}
	for _, typ := range types {
		if err := s.refreshIssuerSet(typ, index, t); err != nil {
			return err
		}
	}
	return nil
}

// checkIssuerSets checks the invariants of decoded issuer-set state that
// queries rely on, so that an index state the replay did not produce cannot
// make a query panic.
func checkIssuerSets(d *stateData) error {
	for typ, sd := range d.IssuerSets {
		if sd == nil || len(sd.Roots) == 0 || len(sd.Leaves) == 0 {
			return fmt.Errorf("issuer set %q is empty", typ)
		}
		for _, l := range sd.Leaves {
			a, ok := d.Agencies[l.Agency]
			if !ok || !slices.ContainsFunc(a.Keys, func(k AgencyKey) bool { return k.DID == l.Key && k.Key.ZK() != nil }) {
				return fmt.Errorf("issuer set %q names key %s that agency %s does not hold", typ, l.Key, l.Agency)
			}
			if _, ok := d.Accreditations[key(string(l.Agency), string(RoleIssuer), typ)]; !ok {
				return fmt.Errorf("issuer set %q names %s, which was never accredited for it", typ, l.Agency)
			}
			if l.From > l.Until {
				return fmt.Errorf("issuer set %q has a leaf with an empty window", typ)
			}
		}
		for _, r := range sd.Roots {
			if r.Type != typ {
				return fmt.Errorf("issuer set %q lists a root of %q", typ, r.Type)
			}
		}
	}
	for _, a := range d.Accreditations {
		if a.Role != RoleIssuer {
			continue
		}
		sd := d.IssuerSets[a.Type]
		if sd == nil || !slices.ContainsFunc(sd.Leaves, func(l issuerLeafData) bool { return l.Agency == a.Agency }) {
			return fmt.Errorf("issuer set %q lacks accredited issuer %s", a.Type, a.Agency)
		}
	}
	return nil
}
