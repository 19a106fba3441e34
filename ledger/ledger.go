package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Ledger is implemented by every engine. All methods are safe for
// concurrent use.
type Ledger interface {
	// Submit verifies a signed record, applies it to the state and appends
	// it to the log. The record is durable when Submit returns without
	// error. A refused record changes nothing; the error wraps
	// ErrInvalidRecord or ErrUnauthorized with the reason.
	Submit(ctx context.Context, sr *SignedRecord) (Receipt, error)
	// SubmitBatch submits records that are accepted all together, at
	// consecutive indices, or not at all.
	SubmitBatch(ctx context.Context, srs []*SignedRecord) ([]Receipt, error)
	// Record returns the record at a log index (ErrNotFound past the end).
	Record(ctx context.Context, index uint64) (*SignedRecord, error)
	// Checkpoint returns the latest signed checkpoint.
	Checkpoint(ctx context.Context) (*Checkpoint, error)
	// InclusionProof returns the RFC 6962 audit path of the record at index
	// in the tree of the given size (index < size <= current size).
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
	// ConsistencyProof returns the RFC 6962 consistency proof between two
	// tree sizes (from <= to <= current size).
	ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error)
	// State returns the derived state; its queries are safe for concurrent
	// use and reflect durable records only.
	State() *State
	// Subscribe streams accepted records from log index from onwards, in
	// order, without loss: past records first, then new ones as they are
	// committed. The channel is closed when ctx ends or the ledger closes.
	Subscribe(ctx context.Context, from uint64) (<-chan Entry, error)
	// Close stops the ledger; pending submissions finish first.
	Close() error
}

// Receipt acknowledges an accepted record.
type Receipt struct {
	// Index is the record's position in the log.
	Index uint64
	// LeafHash is the RFC 6962 leaf hash of the record's canonical bytes.
	LeafHash Hash
	// Checkpoint is the first signed checkpoint that includes the record.
	Checkpoint *Checkpoint
}

// Entry is a record of the log with its index.
type Entry struct {
	Index  uint64
	Record *SignedRecord
}

// Option configures an engine.
type Option func(*config) error

type config struct {
	origin   string
	clock    func() time.Time
	maxSkew  time.Duration
	maxBatch int
	// index flush thresholds and cache bound of a file ledger (index.go)
	flushEvery, loadFlushEvery uint64
	cacheEntries               int
}

func defaultConfig() config {
	return config{origin: DefaultOrigin, clock: time.Now, maxSkew: 10 * time.Minute, maxBatch: 4096,
		flushEvery: flushEvery, loadFlushEvery: loadFlushEvery, cacheEntries: defaultCacheEntries}
}

// WithOrigin sets the checkpoint origin, the log's name in its signed
// checkpoints (default DefaultOrigin). A file keeps the origin it was
// created with; opening it with another is an error.
func WithOrigin(origin string) Option {
	return func(c *config) error {
		if err := checkOrigin(origin); err != nil {
			return err
		}
		c.origin = origin
		return nil
	}
}

// WithClock sets the clock that submission checks record times against
// (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("ledger: nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithMaxSkew sets how far a submitted record's time may be from the
// clock (default 10 minutes); 0 disables the check, e.g. for importing.
func WithMaxSkew(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("ledger: negative skew %v", d)
		}
		c.maxSkew = d
		return nil
	}
}

// WithMaxBatch bounds how many records one group commit (one storage
// transaction) may hold (default 4096). A SubmitBatch larger than this is
// still committed whole, in a transaction of its own.
func WithMaxBatch(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("ledger: max batch %d < 1", n)
		}
		c.maxBatch = n
		return nil
	}
}
