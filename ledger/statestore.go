package ledger

import (
	"bytes"
	"container/list"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/civicproof/civicproof/identity"
)

// The collections of the state that grow with the number of records —
// record hashes seen (Seen), credential commitments, grants, the grants
// of each citizen and access records — live in a bigStore when the engine
// has one (the file engine's index, see index.go): the maps of stateData
// then hold only the entries written since the last flush, and lookups
// fall through to the store behind a bounded cache of decoded values. A
// State without a store (NewState, NewInMemory, js/wasm) keeps them whole
// in its maps.

// Buckets of the bigStore and their keys.
const (
	bucketSeen    = 's' // leaf hash -> index, 8 bytes
	bucketCred    = 'c' // commitment -> JSON Credential
	bucketGrant   = 'g' // grant id -> JSON Grant
	bucketCitizen = 'p' // citizen DID, 0x00, record index (8 bytes) -> grant id
	bucketAccess  = 'a' // grant id, record index (8 bytes) -> JSON AccessEntry
)

// bigStore reads the flushed part of the large collections.
type bigStore interface {
	// get returns the value under key in bucket.
	get(bucket byte, key []byte) (v []byte, ok bool, err error)
	// scan calls fn for each entry whose key starts with prefix (every
	// entry for a nil prefix), in key order.
	scan(bucket byte, prefix []byte, fn func(k, v []byte) error) error
}

// bigWriter writes entries into a bigStore, within one atomic update.
type bigWriter interface {
	put(bucket byte, key, value []byte) error
}

// defaultCacheEntries bounds the decoded values a State caches from its
// bigStore.
const defaultCacheEntries = 1 << 15

// lru is a bounded cache with least-recently-used eviction, safe for
// concurrent use (queries share State.mu as readers).
type lru struct {
	mu  sync.Mutex
	max int
	ll  *list.List
	m   map[string]*list.Element
}

type lruEntry struct {
	key string
	val any
}

func newLRU(max int) *lru {
	return &lru{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

func (c *lru) get(k string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*lruEntry).val, true
	}
	return nil, false
}

func (c *lru) add(k string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		el.Value.(*lruEntry).val = v
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&lruEntry{k, v})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*lruEntry).key)
	}
}

func (c *lru) remove(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.ll.Remove(el)
		delete(c.m, k)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

func cacheKey(bucket byte, k []byte) string { return string(append([]byte{bucket}, k...)) }

func be64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func citizenPrefix(c identity.DID) []byte { return append([]byte(c), 0) }

// storeErr wraps a failure to read the store of derived state.
func storeErr(err error) error {
	return fmt.Errorf("ledger: state store: %w", err)
}

// getJSON looks k up in the store through the cache.
func getJSON[V any](s *State, bucket byte, k []byte) (V, bool, error) {
	var v V
	ck := cacheKey(bucket, k)
	if c, ok := s.cache.get(ck); ok {
		return c.(V), true, nil
	}
	b, ok, err := s.big.get(bucket, k)
	if err != nil || !ok {
		return v, false, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, storeErr(fmt.Errorf("%w: bucket %c: %w", ErrCorrupt, bucket, err))
	}
	s.cache.add(ck, v)
	return v, true, nil
}

// seen returns the index of a record already in the log by leaf hash.
func (s *State) seen(leaf Hash) (uint64, bool, error) {
	if i, ok := s.d.Seen[leaf]; ok || s.big == nil {
		return i, ok, nil
	}
	b, ok, err := s.big.get(bucketSeen, leaf[:])
	if err != nil || !ok {
		return 0, false, err
	}
	if len(b) != 8 {
		return 0, false, storeErr(fmt.Errorf("%w: seen entry of %d bytes", ErrCorrupt, len(b)))
	}
	return binary.BigEndian.Uint64(b), true, nil
}

// credential returns an anchored credential.
func (s *State) credential(c Hash) (Credential, bool, error) {
	if v, ok := s.d.Credentials[c]; ok || s.big == nil {
		return v, ok, nil
	}
	return getJSON[Credential](s, bucketCred, c[:])
}

// grant returns an anchored grant.
func (s *State) grant(id Hash) (Grant, bool, error) {
	if v, ok := s.d.Grants[id]; ok || s.big == nil {
		return v, ok, nil
	}
	return getJSON[Grant](s, bucketGrant, id[:])
}

// citizenGrants returns the ids of a citizen's grants, oldest first.
func (s *State) citizenGrants(c identity.DID) ([]Hash, error) {
	recent := s.d.CitizenGrants[c]
	if s.big == nil {
		return recent, nil
	}
	ck := cacheKey(bucketCitizen, citizenPrefix(c))
	var out []Hash
	if v, ok := s.cache.get(ck); ok {
		out = v.([]Hash)
	} else {
		err := s.big.scan(bucketCitizen, citizenPrefix(c), func(_, v []byte) error {
			if len(v) != len(Hash{}) {
				return fmt.Errorf("%w: grant id of %d bytes", ErrCorrupt, len(v))
			}
			out = append(out, Hash(v))
			return nil
		})
		if err != nil {
			return nil, storeErr(err)
		}
		s.cache.add(ck, out)
	}
	return append(slices.Clip(out), recent...), nil
}

// accessOf returns the access records under a grant, oldest first.
func (s *State) accessOf(g Hash) ([]AccessEntry, error) {
	recent := s.d.Access[g]
	if s.big == nil {
		return recent, nil
	}
	ck := cacheKey(bucketAccess, g[:])
	var out []AccessEntry
	if v, ok := s.cache.get(ck); ok {
		out = v.([]AccessEntry)
	} else {
		err := s.big.scan(bucketAccess, g[:], func(_, v []byte) error {
			var e AccessEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("%w: access entry: %w", ErrCorrupt, err)
			}
			out = append(out, e)
			return nil
		})
		if err != nil {
			return nil, storeErr(err)
		}
		s.cache.add(ck, out)
	}
	return append(slices.Clip(out), recent...), nil
}

// pending returns how many entries of the large collections are held in
// memory, not yet flushed to the store.
func (s *State) pending() int {
	d := &s.d
	n := len(d.Seen) + len(d.Credentials) + len(d.Grants)
	for _, l := range d.CitizenGrants {
		n += len(l)
	}
	for _, l := range d.Access {
		n += len(l)
	}
	return n
}

// writeBig writes the in-memory entries of the large collections to w.
// The caller holds s.mu and no journal is open.
func (s *State) writeBig(w bigWriter) error {
	d := &s.d
	for _, k := range slices.SortedFunc(maps.Keys(d.Seen), cmpHash) {
		if err := w.put(bucketSeen, k[:], be64(d.Seen[k])); err != nil {
			return err
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(d.Credentials), cmpHash) {
		b, err := json.Marshal(d.Credentials[k])
		if err != nil {
			return err
		}
		if err := w.put(bucketCred, k[:], b); err != nil {
			return err
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(d.Grants), cmpHash) {
		b, err := json.Marshal(d.Grants[k])
		if err != nil {
			return err
		}
		if err := w.put(bucketGrant, k[:], b); err != nil {
			return err
		}
	}
	for c, ids := range d.CitizenGrants {
		for _, id := range ids {
			g, ok := d.Grants[id]
			if !ok {
				return fmt.Errorf("ledger: grant %s of citizen %s is not in memory", id, c)
			}
			if err := w.put(bucketCitizen, binary.BigEndian.AppendUint64(citizenPrefix(c), g.Index), id[:]); err != nil {
				return err
			}
		}
	}
	for g, es := range d.Access {
		for _, e := range es {
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := w.put(bucketAccess, binary.BigEndian.AppendUint64(bytes.Clone(g[:]), e.Index), b); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushed drops the in-memory entries written by writeBig, now in the
// store, and the cached values they replace. The caller holds s.mu.
func (s *State) flushed() {
	d := &s.d
	for k := range d.Credentials {
		s.cache.remove(cacheKey(bucketCred, k[:]))
	}
	for k := range d.Grants {
		s.cache.remove(cacheKey(bucketGrant, k[:]))
	}
	for c := range d.CitizenGrants {
		s.cache.remove(cacheKey(bucketCitizen, citizenPrefix(c)))
	}
	for g := range d.Access {
		s.cache.remove(cacheKey(bucketAccess, g[:]))
	}
	d.Seen = map[Hash]uint64{}
	d.Credentials = map[Hash]Credential{}
	d.Grants = map[Hash]Grant{}
	d.CitizenGrants = map[identity.DID][]Hash{}
	d.Access = map[Hash][]AccessEntry{}
}

func cmpHash(a, b Hash) int { return bytes.Compare(a[:], b[:]) }

// smallData returns the JSON of the state without its large collections
// (which writeBig writes to the store). The caller holds s.mu.
func (s *State) smallData() ([]byte, error) {
	d := s.d
	d.Seen = map[Hash]uint64{}
	d.Credentials = map[Hash]Credential{}
	d.Grants = map[Hash]Grant{}
	d.CitizenGrants = map[identity.DID][]Hash{}
	d.Access = map[Hash][]AccessEntry{}
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("ledger: serialize state: %w", err)
	}
	return b, nil
}

// attach makes st the store of the state's large collections, whose
// in-memory maps must be empty. The caller holds s.mu.
func (s *State) attach(st bigStore, cacheEntries int) {
	s.big = st
	s.cache = newLRU(cacheEntries)
}

// fullData returns the whole state, the large collections read back from
// the store into maps: for MarshalBinary, which serializes everything.
func (s *State) fullData() (*stateData, error) {
	d := s.d
	if s.big == nil {
		return &d, nil
	}
	d.Seen = maps.Clone(s.d.Seen)
	d.Credentials = maps.Clone(s.d.Credentials)
	d.Grants = maps.Clone(s.d.Grants)
	d.CitizenGrants = map[identity.DID][]Hash{}
	d.Access = map[Hash][]AccessEntry{}
	err := s.big.scan(bucketSeen, nil, func(k, v []byte) error {
		if len(k) != 32 || len(v) != 8 {
			return fmt.Errorf("%w: seen entry", ErrCorrupt)
		}
		d.Seen[Hash(k)] = binary.BigEndian.Uint64(v)
		return nil
	})
	if err == nil {
		err = scanJSON(s.big, bucketCred, func(k []byte, v Credential) {
			if _, ok := d.Credentials[Hash(k)]; !ok {
				d.Credentials[Hash(k)] = v
			}
		})
	}
	if err == nil {
		err = scanJSON(s.big, bucketGrant, func(k []byte, v Grant) {
			if _, ok := d.Grants[Hash(k)]; !ok {
				d.Grants[Hash(k)] = v
			}
		})
	}
	if err == nil {
		err = s.big.scan(bucketCitizen, nil, func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 || len(v) != 32 {
				return fmt.Errorf("%w: citizen grant entry", ErrCorrupt)
			}
			c := identity.DID(k[:i])
			d.CitizenGrants[c] = append(d.CitizenGrants[c], Hash(v))
			return nil
		})
	}
	if err == nil {
		err = scanJSON(s.big, bucketAccess, func(k []byte, v AccessEntry) {
			d.Access[Hash(k[:32])] = append(d.Access[Hash(k[:32])], v)
		})
	}
	if err != nil {
		return nil, storeErr(err)
	}
	for c, ids := range s.d.CitizenGrants {
		d.CitizenGrants[c] = append(d.CitizenGrants[c], ids...)
	}
	for g, es := range s.d.Access {
		d.Access[g] = append(d.Access[g], es...)
	}
	return &d, nil
}

func scanJSON[V any](st bigStore, bucket byte, fn func(k []byte, v V)) error {
	return st.scan(bucket, nil, func(k, b []byte) error {
		var v V
		if len(k) < 32 {
			return fmt.Errorf("%w: bucket %c: short key", ErrCorrupt, bucket)
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("%w: bucket %c: %w", ErrCorrupt, bucket, err)
		}
		fn(k, v)
		return nil
	})
}
