package ledger

import (
	"bytes"
	"fmt"
)

// VerifiedRecord is a signed record whose signature has been checked,
// with its canonical bytes. Only DecodeVerified makes one, so a
// replicated engine that checked a transaction's records on arrival can
// apply them later (Stage.ApplyVerified, State.CheckVerified) without
// checking the signatures again. Its record must not be modified.
type VerifiedRecord struct {
	sr *SignedRecord
	b  []byte
}

// DecodeVerified is DecodeSignedRecord keeping the proof that the record
// was verified: the same checks, the same errors.
func DecodeVerified(b []byte) (*VerifiedRecord, error) {
	sr, err := DecodeSignedRecord(b)
	if err != nil {
		return nil, err
	}
	return &VerifiedRecord{sr: sr, b: bytes.Clone(b)}, nil
}

// SignedRecord returns the record (not a copy: do not modify it).
func (v *VerifiedRecord) SignedRecord() *SignedRecord { return v.sr }

// Bytes returns the record's canonical bytes (not a copy).
func (v *VerifiedRecord) Bytes() []byte { return v.b }

// ApplyVerified is Apply for records already verified: it does not check
// their signatures again.
func (st *Stage) ApplyVerified(vrs []*VerifiedRecord) (uint64, error) {
	if st.done {
		return 0, ErrStageDone
	}
	if len(vrs) == 0 {
		return 0, fmt.Errorf("%w: empty batch", ErrInvalidRecord)
	}
	ps := make([]stagedRecord, len(vrs))
	for i, v := range vrs {
		if v == nil || v.sr == nil {
			return 0, fmt.Errorf("ledger: record %d: %w: nil", i, ErrInvalidRecord)
		}
		if len(v.b) > MaxRecordSize {
			return 0, fmt.Errorf("ledger: record %d: %w: %d bytes", i, ErrInvalidRecord, len(v.b))
		}
		ps[i] = stagedRecord{v.sr, v.b, leafHash(v.b)}
	}
	return st.apply(ps)
}

// CheckVerified is CheckBatch for records already verified: it does not
// check their signatures again.
func (s *State) CheckVerified(vrs []*VerifiedRecord) error {
	ps := make([]preparedRecord, len(vrs))
	for i, v := range vrs {
		if v == nil || v.sr == nil {
			return fmt.Errorf("%w: record %d is nil", ErrInvalidRecord, i)
		}
		ps[i] = preparedRecord{&v.sr.Record, leafHash(v.b)}
	}
	return s.applyPrepared(nil, ps)
}

// RecordIndex returns the log index of the record with the given leaf
// hash (SignedRecord.LeafHash), including staged records; the error
// wraps ErrNotFound when the log does not hold it. A replicated engine
// uses it to answer a retried submission whose records are already in
// the log.
func (s *State) RecordIndex(leaf Hash) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok, err := s.seen(leaf) // unflushed entries first, then the index
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("ledger: record %s: %w", leaf, ErrNotFound)
	}
	return i, nil
}
