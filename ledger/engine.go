package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"

	"github.com/civicproof/civicproof/identity"
)

// storage is what an engine persists: records, tree nodes, the latest
// signed checkpoint and application metadata, written together in one
// atomic, durable commit.
type storage interface {
	// load replays the stored log through v and returns the checkpoint and
	// the latest application metadata stored (cpNote nil for a new, empty
	// store). Tree nodes recomputed by the caller go back through putNode.
	load(v loadVisitor) (cpNote, meta []byte, err error)
	// putNode stores a tree node recomputed while loading.
	putNode(n treeNode)
	// commit appends records at indices first... with their new tree nodes,
	// the checkpoint that covers them and optional application metadata,
	// atomically and durably.
	commit(first uint64, leaves [][]byte, nodes []treeNode, cpNote, meta []byte) error
	// record returns the bytes of the record at index.
	record(index uint64) ([]byte, error)
	// nodes returns stored node hashes (ErrNotFound for a missing one).
	nodes(ids []compact.NodeID) ([][]byte, error)
	close() error
}

// loadVisitor receives a stored log as it is read.
type loadVisitor struct {
	// genesis checks the origin and checkpoint key the log was created
	// with.
	genesis func(origin string, key []byte) error
	// record receives each record in order, at byte offset off (leaf is
	// valid only during the call).
	record func(index uint64, off int64, leaf []byte) error
	// restore, if set, lets a store that has an index of the derived
	// data up to a commit (the compact range and the small part of the
	// state; the large part stays in the store) install it instead of
	// replaying the records before it; an error makes the store fall back
	// to a full replay.
	restore func(count uint64, cpNote []byte, hashes [][]byte, state []byte) error
	// commit is called at the end of each stored commit: the records
	// received since the previous call are applied and committed; an
	// error that is a *CorruptError places the damage. Records received
	// after the last call belong to an interrupted commit and are
	// discarded.
	commit func() error
	// committed is called after the store recorded the commit.
	committed func()
}

type treeNode struct {
	id   compact.NodeID
	hash []byte
}

// Embedded is the ledger engine that runs inside the process: on one
// file (Create, Open) or in memory (NewInMemory). Concurrent submissions are
// coalesced into one storage transaction (group commit).
type Embedded struct {
	cfg      config
	signer   *noteSigner
	verifier *Verifier
	store    storage
	state    *State

	rng *compact.Range // owned by the committer goroutine after open

	persisted  uint64 // records the index holds (indexer stores); owned like rng
	persistErr error  // the index could not be advanced while loading

	mu         sync.Mutex // guards cp, meta, notify, closed
	cp         *Checkpoint
	meta       []byte
	loadReport string
	notify     chan struct{}
	closed     bool

	reqs   chan *request
	done   chan struct{}
	wg     sync.WaitGroup
	writer chan struct{} // held by the committer while it commits, or by an open Stage
}

var _ Ledger = (*Embedded)(nil)

type pending struct {
	sr   *SignedRecord
	leaf []byte
	hash Hash
}

type request struct {
	entries  []pending
	receipts []Receipt
	err      error
	done     chan struct{}
}

func buildConfig(key *identity.PrivateKey, opts []Option) (config, error) {
	cfg := defaultConfig()
	if key == nil {
		return cfg, errors.New("ledger: nil ledger key")
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// NewInMemory returns an engine that keeps everything in memory: for tests
// and short-lived tools. key signs the checkpoints.
func NewInMemory(key *identity.PrivateKey, opts ...Option) (*Embedded, error) {
	cfg, err := buildConfig(key, opts)
	if err != nil {
		return nil, err
	}
	return start(cfg, key, newMemStore())
}

func start(cfg config, key *identity.PrivateKey, st storage) (*Embedded, error) {
	signer, verifier, err := newNoteSigner(cfg.origin, key.Ed25519())
	if err != nil {
		return nil, err
	}
	e := &Embedded{
		cfg: cfg, signer: signer, verifier: verifier, store: st, state: NewState(),
		rng:    rangeFactory.NewEmptyRange(0),
		notify: make(chan struct{}),
		reqs:   make(chan *request),
		done:   make(chan struct{}),
		writer: make(chan struct{}, 1),
	}
	if err := e.load(); err != nil {
		return nil, errors.Join(err, st.close())
	}
	e.wg.Add(1)
	go e.committer()
	return e, nil
}

// errSnapshot reports an unusable index: open replays the log instead.
type errSnapshot struct{ reason error }

func (e errSnapshot) Error() string { return "index not used: " + e.reason.Error() }

// indexer is a store that keeps the derived data on disk: the state's
// large collections (big), advanced with the index head by persist.
type indexer interface {
	big() bigStore
	persist(count uint64, hashes [][]byte, small []byte, write func(bigWriter) error) error
	compactIndex() error
	resetDerived()
}

// Flush thresholds of an indexer store: the state's large collections
// are written out, and the index head advanced, every flushEvery records
// committed (bounding the memory they hold and the tail a crash leaves to
// replay), every loadFlushEvery records while a full replay rebuilds the
// index, and on Close.
const (
	flushEvery     = 1 << 13
	loadFlushEvery = 1 << 18
)

// load verifies the stored log against its last signed checkpoint and
// rebuilds the tree and state from it, from the store's index when it has
// a usable one. Author signatures are not checked again: the checkpoint
// signature authenticates every stored byte.
func (e *Embedded) load() error {
	ix, indexed := e.store.(indexer)
	err := e.loadOnce(indexed)
	var se errSnapshot
	if errors.As(err, &se) {
		e.state = NewState()
		e.rng = rangeFactory.NewEmptyRange(0)
		e.persisted, e.persistErr = 0, nil
		ix.resetDerived()
		e.loadReport = fmt.Sprintf("replayed the log: %v", se.reason)
		if err := e.loadOnce(false); err != nil {
			return err
		}
		if e.persisted == 0 {
			return nil // a small log: its index is written on Close
		}
		// A large log: the rebuilt index is completed and compacted
		// now, so that the next open finds it ready.
		e.state.mu.Lock()
		defer e.state.mu.Unlock()
		if err := e.persistLocked(1); err != nil {
			return fmt.Errorf("ledger: write the index: %w", err)
		}
		return ix.compactIndex()
	}
	return err
}

// persistLocked flushes the state's large collections to an indexer store
// and advances its head to the current commit, when at least every
// records were committed since the last time (every 1: whenever any
// were). The caller owns the writer and holds the state's lock, with no
// record staged.
func (e *Embedded) persistLocked(every uint64) error {
	ix, ok := e.store.(indexer)
	s := e.state
	if !ok || s.d.Size < e.persisted+every || s.d.Size == e.persisted && e.persisted > 0 {
		return nil
	}
	small, err := s.smallData()
	if err != nil {
		return err
	}
	if err := ix.persist(s.d.Size, cloneHashes(e.rng.Hashes()), small, s.writeBig); err != nil {
		return err
	}
	s.flushed()
	e.persisted = s.d.Size
	return nil
}

// loadRec is a record read while loading, decoded by decodeLoaded.
type loadRec struct {
	off  int64
	leaf []byte
	sr   *SignedRecord
	hash Hash
	err  error
}

// decodeLoaded decodes records (without verifying their signatures: the
// signed checkpoint authenticates stored bytes) on every processor.
func decodeLoaded(recs []loadRec) {
	workers := min(runtime.GOMAXPROCS(0), (len(recs)+63)/64)
	if workers <= 1 {
		for i := range recs {
			recs[i].decode()
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(recs); i += workers {
				recs[i].decode()
			}
		}()
	}
	wg.Wait()
}

func (r *loadRec) decode() {
	r.sr, r.err = decodeUnverified(r.leaf)
	r.hash = leafHash(r.leaf)
}

// LoadReport says how the ledger was opened: from its index (and how many
// records were replayed after it) or by replaying the log, and why the
// index was not used.
func (e *Embedded) LoadReport() string { return e.loadReport }

func (e *Embedded) loadOnce(useIndex bool) error {
	s := e.state
	s.mu.Lock()
	defer s.mu.Unlock()
	var count, fromSnap uint64
	var pend []loadRec
	if ix, ok := e.store.(indexer); ok && !useIndex {
		s.attach(ix.big(), e.cfg.cacheEntries)
	}
	var restore func(uint64, []byte, [][]byte, []byte) error
	if useIndex {
		restore = func(n uint64, note []byte, hashes [][]byte, state []byte) error {
			cp, err := e.verifier.ParseCheckpoint(note)
			if err != nil {
				return err
			}
			rng, err := rangeFactory.NewRange(0, n, hashes)
			if err != nil {
				return err
			}
			if root, err := rootOf(rng); err != nil || cp.Size != n || root != cp.Root {
				return fmt.Errorf("index tree does not match its signed checkpoint")
			}
			d := NewState().d
			if err := json.Unmarshal(state, &d); err != nil {
				return fmt.Errorf("index state: %w", err)
			}
			if d.Size != n {
				return fmt.Errorf("index state has size %d, want %d", d.Size, n)
			}
			if err := checkStateShape(&d); err != nil {
				return fmt.Errorf("index state: %w", err)
			}
			s.d, e.rng, e.persisted = d, rng, n
			if s.pending() != 0 {
				return errors.New("index state holds unflushed entries")
			}
			s.attach(e.store.(indexer).big(), e.cfg.cacheEntries)
			count, fromSnap = n, n
			return nil
		}
	}
	cpNote, meta, err := e.store.load(loadVisitor{
		restore: restore,
		genesis: func(origin string, key []byte) error {
			if origin != e.cfg.origin {
				return fmt.Errorf("ledger: stored log has origin %q, configured %q", origin, e.cfg.origin)
			}
			if !bytes.Equal(key, e.verifier.key) {
				return fmt.Errorf("%w: the log was created with checkpoint key %x, not this ledger key", ErrBadCheckpoint, key)
			}
			return nil
		},
		record: func(index uint64, off int64, leaf []byte) error {
			if index != count+uint64(len(pend)) {
				return fmt.Errorf("record index %d, want %d", index, count+uint64(len(pend)))
			}
			pend = append(pend, loadRec{off: off, leaf: bytes.Clone(leaf)})
			return nil
		},
		commit: func() error {
			// Records are decoded in parallel, then applied in order.
			decodeLoaded(pend)
			for i := range pend {
				p := &pend[i]
				place := func(err error) error {
					return &CorruptError{Offset: p.off, Record: int64(count), Reason: "record", Err: err}
				}
				if p.err != nil {
					return place(p.err)
				}
				if err := e.rng.Append(slices.Clone(p.hash[:]), func(id compact.NodeID, h []byte) {
					e.store.putNode(treeNode{id, h})
				}); err != nil {
					return place(err)
				}
				if err := s.applyLocked(count, &p.sr.Record, p.hash); err != nil {
					return place(fmt.Errorf("replay: %w", err))
				}
				count++
			}
			clear(pend)
			pend = pend[:0]
			s.commitJournal()
			return nil
		},
		committed: func() {
			if e.persistErr == nil {
				e.persistErr = e.persistLocked(e.cfg.loadFlushEvery)
			}
		},
	})
	// Records left in pend belong to an interrupted commit: never
	// acknowledged, never applied.
	s.rollbackTo(0) // what a failed commit applied
	s.commitJournal()
	if err != nil {
		return err
	}
	if e.persistErr != nil {
		return fmt.Errorf("ledger: write the index: %w", e.persistErr)
	}
	if cpNote == nil {
		if count > 0 {
			return fmt.Errorf("%w: records without a checkpoint", ErrCorrupt)
		}
		cp, err := signCheckpoint(e.signer, 0, EmptyRoot())
		if err != nil {
			return err
		}
		if err := e.store.commit(0, nil, nil, cp.Note, nil); err != nil {
			return fmt.Errorf("ledger: initialize storage: %w", err)
		}
		e.cp = cp
		return nil
	}
	cp, err := e.verifier.ParseCheckpoint(cpNote)
	if err != nil {
		return &CorruptError{Offset: -1, Record: -1, Reason: "last checkpoint", Err: err}
	}
	if count != cp.Size {
		return &CorruptError{Offset: -1, Record: int64(min(count, cp.Size)), Reason: fmt.Sprintf("%d records stored, checkpoint says %d", count, cp.Size)}
	}
	root, err := rootOf(e.rng)
	if err != nil {
		return &CorruptError{Offset: -1, Record: -1, Reason: "recompute root", Err: err}
	}
	if root != cp.Root {
		return &CorruptError{Offset: -1, Record: -1, Reason: fmt.Sprintf("recomputed root %s, checkpoint root %s (a record was altered; VerifyFile locates it)", root, cp.Root)}
	}
	e.cp, e.meta = cp, meta
	if useIndex {
		e.loadReport = fmt.Sprintf("opened from the index at record %d, replayed %d records after it", fromSnap, count-fromSnap)
	} else if e.loadReport == "" {
		e.loadReport = fmt.Sprintf("replayed the log (%d records)", count)
	}
	return nil
}

// State implements Ledger.
func (e *Embedded) State() *State { return e.state }

// Verifier returns the verifier of this ledger's checkpoints.
func (e *Embedded) Verifier() *Verifier { return e.verifier }

// Submit implements Ledger.
func (e *Embedded) Submit(ctx context.Context, sr *SignedRecord) (Receipt, error) {
	rs, err := e.SubmitBatch(ctx, []*SignedRecord{sr})
	if err != nil {
		return Receipt{}, err
	}
	return rs[0], nil
}

// SubmitBatch implements Ledger. Signatures are verified in the caller's
// goroutine; the state machine and the commit run in the engine's single
// committer. Once the batch is queued, SubmitBatch waits for its outcome
// even if ctx ends, so that a nil error always means durable.
func (e *Embedded) SubmitBatch(ctx context.Context, srs []*SignedRecord) ([]Receipt, error) {
	if len(srs) == 0 {
		return nil, fmt.Errorf("%w: empty batch", ErrInvalidRecord)
	}
	now := e.cfg.clock()
	req := &request{entries: make([]pending, len(srs)), done: make(chan struct{})}
	for i, sr := range srs {
		if sr == nil {
			return nil, fmt.Errorf("ledger: submit record %d: %w: nil", i, ErrInvalidRecord)
		}
		b, err := sr.verifiedBytes()
		if err != nil {
			return nil, fmt.Errorf("ledger: submit record %d: %w", i, err)
		}
		if len(b) > MaxRecordSize {
			return nil, fmt.Errorf("ledger: submit record %d: %w: %d bytes", i, ErrInvalidRecord, len(b))
		}
		if e.cfg.maxSkew > 0 {
			t := time.Unix(sr.Record.Time, 0)
			if d := t.Sub(now); d > e.cfg.maxSkew || -d > e.cfg.maxSkew {
				return nil, fmt.Errorf("ledger: submit record %d: %w: %w: %v from the ledger clock", i, ErrInvalidRecord, ErrClock, d.Round(time.Second))
			}
		}
		req.entries[i] = pending{sr: sr, leaf: b, hash: leafHash(b)}
	}
	select {
	case e.reqs <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.done:
		return nil, ErrClosed
	}
	<-req.done
	return req.receipts, req.err
}

func (e *Embedded) committer() {
	defer e.wg.Done()
	var batch []*request
	for {
		select {
		case r := <-e.reqs:
			batch = append(batch[:0], r)
			n := len(r.entries)
		drain:
			for n < e.cfg.maxBatch {
				select {
				case r2 := <-e.reqs:
					batch = append(batch, r2)
					n += len(r2.entries)
				default:
					break drain
				}
			}
			e.process(batch)
			clear(batch)
		case <-e.done:
			return
		}
	}
}

func cloneHashes(hs [][]byte) [][]byte { return slices.Clone(hs) }

// process applies a group of requests (each all-or-nothing) and commits the
// accepted ones in one storage transaction.
func (e *Embedded) process(batch []*request) {
	e.writer <- struct{}{}
	defer func() { <-e.writer }()
	s := e.state
	s.mu.Lock()
	first := e.rng.End()
	savedHashes := cloneHashes(e.rng.Hashes())
	var leaves [][]byte
	var nodes []treeNode
	var accepted []*request
	for _, r := range batch {
		mark, nodeMark, leafMark := s.mark(), len(nodes), len(leaves)
		rEnd, rHashes := e.rng.End(), cloneHashes(e.rng.Hashes())
		for i, p := range r.entries {
			if err := s.applyLocked(e.rng.End(), &p.sr.Record, p.hash); err != nil {
				if len(r.entries) > 1 {
					err = fmt.Errorf("record %d: %w", i, err)
				}
				r.err = fmt.Errorf("ledger: submit: %w", err)
				break
			}
			err := e.rng.Append(slices.Clone(p.hash[:]), func(id compact.NodeID, h []byte) {
				nodes = append(nodes, treeNode{id, h})
			})
			if err != nil {
				panic("ledger: compact range append: " + err.Error()) // ranges start at 0; cannot fail
			}
			leaves = append(leaves, p.leaf)
		}
		if r.err != nil {
			s.rollbackTo(mark)
			nodes, leaves = nodes[:nodeMark], leaves[:leafMark]
			e.rng = mustRange(rEnd, rHashes)
			continue
		}
		accepted = append(accepted, r)
	}
	if len(leaves) > 0 {
		err := e.commitLocked(first, leaves, nodes)
		if err != nil {
			s.rollbackTo(0)
			e.rng = mustRange(first, savedHashes)
			for _, r := range accepted {
				r.err = fmt.Errorf("ledger: commit: %w", err)
			}
		} else {
			e.mu.Lock()
			cp := e.cp
			e.mu.Unlock()
			idx := first
			for _, r := range accepted {
				r.receipts = make([]Receipt, len(r.entries))
				for i, p := range r.entries {
					r.receipts[i] = Receipt{Index: idx, LeafHash: p.hash, Checkpoint: cp}
					idx++
				}
			}
		}
	}
	s.commitJournal()
	// The index is derived data: if it cannot be advanced now, the
	// entries stay in memory and the next commit or Close retries.
	_ = e.persistLocked(e.cfg.flushEvery)
	s.mu.Unlock()
	for _, r := range batch {
		close(r.done)
	}
}

func (e *Embedded) commitLocked(first uint64, leaves [][]byte, nodes []treeNode) error {
	root, err := rootOf(e.rng)
	if err != nil {
		return err
	}
	cp, err := signCheckpoint(e.signer, e.rng.End(), root)
	if err != nil {
		return err
	}
	if err := e.store.commit(first, leaves, nodes, cp.Note, nil); err != nil {
		return err
	}
	e.mu.Lock()
	e.cp = cp
	close(e.notify)
	e.notify = make(chan struct{})
	e.mu.Unlock()
	return nil
}

func mustRange(end uint64, hashes [][]byte) *compact.Range {
	r, err := rangeFactory.NewRange(0, end, hashes)
	if err != nil {
		panic("ledger: restore compact range: " + err.Error()) // saved from a valid range
	}
	return r
}

func (e *Embedded) current() (*Checkpoint, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	return e.cp, nil
}

// Checkpoint implements Ledger.
func (e *Embedded) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.current()
}

// Record implements Ledger. The stored bytes are decoded and verified.
func (e *Embedded) Record(ctx context.Context, index uint64) (*SignedRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cp, err := e.current()
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, fmt.Errorf("%w: record %d (log size %d)", ErrNotFound, index, cp.Size)
	}
	b, err := e.store.record(index)
	if err != nil {
		return nil, err
	}
	sr, err := DecodeSignedRecord(b)
	if err != nil {
		return nil, fmt.Errorf("%w: record %d: %w", ErrCorrupt, index, err)
	}
	return sr, nil
}

// InclusionProof implements Ledger.
func (e *Embedded) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cp, err := e.current()
	if err != nil {
		return nil, err
	}
	if size > cp.Size {
		return nil, fmt.Errorf("%w: tree size %d exceeds log size %d", ErrNotFound, size, cp.Size)
	}
	return inclusionProof(index, size, e.store.nodes)
}

// ConsistencyProof implements Ledger.
func (e *Embedded) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cp, err := e.current()
	if err != nil {
		return nil, err
	}
	if to > cp.Size {
		return nil, fmt.Errorf("%w: tree size %d exceeds log size %d", ErrNotFound, to, cp.Size)
	}
	return consistencyProof(from, to, e.store.nodes)
}

// Subscribe implements Ledger.
func (e *Embedded) Subscribe(ctx context.Context, from uint64) (<-chan Entry, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	e.wg.Add(1)
	e.mu.Unlock()
	out := make(chan Entry, 64)
	go func() {
		defer e.wg.Done()
		defer close(out)
		next := from
		for {
			e.mu.Lock()
			size, wake := e.cp.Size, e.notify
			e.mu.Unlock()
			for ; next < size; next++ {
				b, err := e.store.record(next)
				if err != nil {
					return
				}
				sr, err := decodeUnverified(b)
				if err != nil {
					return
				}
				select {
				case out <- Entry{Index: next, Record: sr}:
				case <-ctx.Done():
					return
				case <-e.done:
					return
				}
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			case <-e.done:
				return
			}
		}
	}()
	return out, nil
}

// Close implements Ledger. It waits for the committer, subscriptions and
// an open Stage to end, then closes the storage.
func (e *Embedded) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	e.closed = true
	close(e.done)
	e.mu.Unlock()
	e.wg.Wait()
	e.writer <- struct{}{} // wait for an open Stage to end
	e.state.mu.Lock()
	serr := e.persistLocked(1)
	e.state.mu.Unlock()
	return errors.Join(serr, e.store.close())
}

// checkStateShape checks the invariants of a decoded state that queries
// rely on (non-empty histories, keys present), so that an index the
// replay did not produce cannot make a query panic.
func checkStateShape(d *stateData) error {
	for id, a := range d.Agencies {
		if len(a.Keys) == 0 {
			return fmt.Errorf("agency %s has no key", id)
		}
		for _, k := range a.Keys {
			if k.Key == nil {
				return fmt.Errorf("agency %s has an empty key", id)
			}
		}
	}
	for id, a := range d.Accreditations {
		if len(a.Events) == 0 {
			return fmt.Errorf("accreditation %q has no events", id)
		}
	}
	for id, g := range d.Guardianships {
		if len(g.Events) == 0 {
			return fmt.Errorf("guardianship %q has no events", id)
		}
	}
	for id, rs := range d.Revocations {
		if len(rs) == 0 {
			return fmt.Errorf("revocations of %s empty", id)
		}
	}
	for did, id := range d.DIDs {
		if _, ok := d.Agencies[id]; !ok {
			return fmt.Errorf("DID %s names unknown agency %s", did, id)
		}
	}
	return checkIssuerSets(d)
}
