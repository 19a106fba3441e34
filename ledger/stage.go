package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/compact"
)

// ErrStageDone is returned by the methods of a Stage that was committed or
// aborted.
var ErrStageDone = errors.New("ledger: stage already committed or aborted")

// Stage is a block of records being applied to an embedded ledger: a
// replicated engine (package ledger/cometbft) applies a block's records
// with Apply when the block is finalized, reads the resulting log root
// for its app hash, and makes the block durable with Commit — records,
// tree nodes, the signed checkpoint and the application's metadata
// (height, app hash) in one atomic write — or drops it with Abort. The
// engine keeps one state: there is no second copy to reconcile.
//
// While a Stage is open, Submit and SubmitBatch wait, and the ledger's
// State (its queries, CheckBatch) includes the staged records; Record,
// Checkpoint, proofs and Subscribe show only committed ones. A Stage is
// not safe for concurrent use; Close waits for an open Stage to end.
type Stage struct {
	e           *Embedded
	first       uint64
	savedEnd    uint64
	savedHashes [][]byte
	leaves      [][]byte
	nodes       []treeNode
	done        bool
}

// Stage opens a stage, waiting (until ctx ends) for the engine's writer:
// the committer or another open Stage.
func (e *Embedded) Stage(ctx context.Context) (*Stage, error) {
	select {
	case e.writer <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.done:
		return nil, ErrClosed
	}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		<-e.writer
		return nil, ErrClosed
	}
	s := e.state
	s.mu.Lock()
	s.held = true
	s.mu.Unlock()
	return &Stage{e: e, first: e.rng.End(), savedEnd: e.rng.End(), savedHashes: cloneHashes(e.rng.Hashes())}, nil
}

// Apply verifies each record's signature and applies the records, in
// order, after those already staged: all of them or none. It returns the
// log index of the first. A refused batch changes nothing and returns an
// error wrapping ErrInvalidRecord or ErrUnauthorized; the stage stays
// usable. Apply is the one signature check a record gets on its way into
// the log, and it does not check record times against a clock: a
// replicated engine checks them against its block time.
func (st *Stage) Apply(srs []*SignedRecord) (uint64, error) {
	if st.done {
		return 0, ErrStageDone
	}
	if len(srs) == 0 {
		return 0, fmt.Errorf("%w: empty batch", ErrInvalidRecord)
	}
	ps := make([]stagedRecord, len(srs))
	for i, sr := range srs {
		if sr == nil {
			return 0, fmt.Errorf("ledger: record %d: %w: nil", i, ErrInvalidRecord)
		}
		b, err := sr.verifiedBytes()
		if err != nil {
			return 0, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		if len(b) > MaxRecordSize {
			return 0, fmt.Errorf("ledger: record %d: %w: %d bytes", i, ErrInvalidRecord, len(b))
		}
		ps[i] = stagedRecord{sr, b, leafHash(b)}
	}
	return st.apply(ps)
}

// stagedRecord is a record on its way into a Stage: verified, with its
// canonical bytes and leaf hash.
type stagedRecord struct {
	sr   *SignedRecord
	leaf []byte
	hash Hash
}

func (st *Stage) apply(ps []stagedRecord) (uint64, error) {
	e, s := st.e, st.e.state
	s.mu.Lock()
	defer s.mu.Unlock()
	mark, nodeMark := s.mark(), len(st.nodes)
	end, hashes := e.rng.End(), cloneHashes(e.rng.Hashes())
	first := end
	for i, p := range ps {
		if err := s.applyLocked(e.rng.End(), &p.sr.Record, p.hash); err != nil {
			s.rollbackTo(mark)
			st.nodes = st.nodes[:nodeMark]
			e.rng = mustRange(end, hashes)
			return 0, fmt.Errorf("ledger: record %d: %w", i, err)
		}
		if err := e.rng.Append(slices.Clone(p.hash[:]), func(id compact.NodeID, h []byte) {
			st.nodes = append(st.nodes, treeNode{id, h})
		}); err != nil {
			panic("ledger: compact range append: " + err.Error()) // ranges start at 0; cannot fail
		}
	}
	for _, p := range ps {
		st.leaves = append(st.leaves, p.leaf)
	}
	return first, nil
}

// Size returns the log size with the staged records.
func (st *Stage) Size() uint64 { return st.e.rng.End() }

// Root returns the RFC 6962 root of the log with the staged records: the
// root the checkpoint signed by Commit will carry.
func (st *Stage) Root() (Hash, error) {
	if st.done {
		return Hash{}, ErrStageDone
	}
	return rootOf(st.e.rng)
}

// Commit makes the staged records durable together with meta, the
// application's metadata (at most MaxAppMeta bytes; nil keeps the previous
// metadata), in one atomic write synced to disk, and returns the new
// signed checkpoint. A commit with no records is allowed: it stores meta
// and a fresh checkpoint. If the write fails, the stage is aborted: the
// state and log are as before it opened. After a crash, the ledger holds
// either the whole commit or none of it.
func (st *Stage) Commit(meta []byte) (*Checkpoint, error) {
	if st.done {
		return nil, ErrStageDone
	}
	if len(meta) > MaxAppMeta {
		return nil, fmt.Errorf("ledger: application metadata of %d bytes exceeds %d", len(meta), MaxAppMeta)
	}
	if meta != nil {
		meta = bytes.Clone(meta)
	}
	e := st.e
	root, err := rootOf(e.rng)
	if err == nil {
		var cp *Checkpoint
		if cp, err = signCheckpoint(e.signer, e.rng.End(), root); err == nil {
			if err = e.store.commit(st.first, st.leaves, st.nodes, cp.Note, meta); err == nil {
				st.finish(false)
				e.mu.Lock()
				e.cp = cp
				if meta != nil {
					e.meta = meta
				}
				close(e.notify)
				e.notify = make(chan struct{})
				e.mu.Unlock()
				return cp, nil
			}
		}
	}
	st.finish(true)
	return nil, fmt.Errorf("ledger: commit stage: %w", err)
}

// Abort drops the staged records: the state and the log are as before the
// stage opened. Aborting an ended stage does nothing.
func (st *Stage) Abort() {
	if !st.done {
		st.finish(true)
	}
}

func (st *Stage) finish(rollback bool) {
	e, s := st.e, st.e.state
	s.mu.Lock()
	s.held = false
	if rollback {
		s.rollbackTo(0)
		e.rng = mustRange(st.savedEnd, st.savedHashes)
	}
	s.commitJournal()
	if !rollback {
		_ = e.persistLocked(e.cfg.flushEvery) // retried at the next commit or Close
	}
	s.mu.Unlock()
	st.done, st.leaves, st.nodes = true, nil, nil
	<-e.writer
}

// AppMeta returns the application metadata stored by the last Stage
// commit that carried some (nil if none), as read back on open.
func (e *Embedded) AppMeta() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return bytes.Clone(e.meta)
}
