package ledger

import "fmt"

// CheckBatch reports whether ApplyBatch(s.Size(), records) would accept
// records, without changing the state: it returns the error ApplyBatch
// would return, or nil. A replicated engine uses it to admit records to
// its mempool against the current state.
func (s *State) CheckBatch(records []*SignedRecord) error {
	type prepared struct {
		rec  *Record
		leaf Hash
	}
	ps := make([]prepared, len(records))
	for i, sr := range records {
		if sr == nil {
			return fmt.Errorf("%w: record %d is nil", ErrInvalidRecord, i)
		}
		b, err := sr.verifiedBytes()
		if err != nil {
			return fmt.Errorf("ledger: record %d: %w", i, err)
		}
		ps[i] = prepared{&sr.Record, leafHash(b)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mark := s.mark()
	defer func() {
		s.rollbackTo(mark)
		s.commitJournal()
	}()
	first := s.d.Size
	for i, p := range ps {
		if err := s.applyLocked(first+uint64(i), p.rec, p.leaf); err != nil {
			return fmt.Errorf("ledger: record %d: %w", i, err)
		}
	}
	return nil
}
