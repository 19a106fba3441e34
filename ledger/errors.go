package ledger

import "errors"

var (
	// ErrInvalidRecord is returned for a record that is malformed: bad
	// encoding, a field out of range, a bad signature, or a payload that
	// breaks a rule of its kind regardless of who wrote it.
	ErrInvalidRecord = errors.New("ledger: invalid record")
	// ErrUnknownKind is returned (together with ErrInvalidRecord) for a
	// record whose kind this version does not know.
	ErrUnknownKind = errors.New("ledger: unknown record kind")
	// ErrNonCanonical is returned (together with ErrInvalidRecord) for
	// record bytes that are not the RFC 8785 canonical form.
	ErrNonCanonical = errors.New("ledger: non-canonical encoding")
	// ErrUnauthorized is returned for a well-formed record whose author may
	// not write it in the current state.
	ErrUnauthorized = errors.New("ledger: unauthorized")
	// ErrRotatedKey is returned (together with ErrUnauthorized) for a record
	// signed by an agency key that a key-rotate record has replaced.
	ErrRotatedKey = errors.New("ledger: key rotated out")
	// ErrDuplicate is returned (together with ErrInvalidRecord) for a record
	// already in the log, or a payload that repeats a unique value.
	ErrDuplicate = errors.New("ledger: duplicate")
	// ErrNotFound is returned by queries and reads for something absent.
	ErrNotFound = errors.New("ledger: not found")
	// ErrCorrupt is returned when stored data is damaged: a checksum,
	// frame or header that does not verify, a file cut short, or data that
	// does not match the ledger's last signed checkpoint. Errors from files
	// are *CorruptError values, which say where.
	ErrCorrupt = errors.New("ledger: storage corrupt")
	// ErrNotExist is returned by Open for a ledger file that does not
	// exist: opening never creates one (see Create).
	ErrNotExist = errors.New("ledger: no such ledger")
	// ErrExist is returned by Create for a path that already exists:
	// creating never overwrites.
	ErrExist = errors.New("ledger: ledger already exists")
	// ErrRepairRefused is returned (together with ErrCorrupt) by Repair
	// when mending a file would drop acknowledged records and truncation
	// was not allowed.
	ErrRepairRefused = errors.New("ledger: repair would drop acknowledged records")
	// ErrClosed is returned by calls on a closed ledger.
	ErrClosed = errors.New("ledger: closed")
	// ErrBadCheckpoint is returned for a checkpoint whose signature, origin
	// or body does not verify.
	ErrBadCheckpoint = errors.New("ledger: bad checkpoint")
	// ErrBadProof is returned when an inclusion or consistency proof does
	// not verify against a checkpoint.
	ErrBadProof = errors.New("ledger: bad proof")
	// ErrClock is returned (together with ErrInvalidRecord) for a record
	// whose time is too far from the ledger's clock.
	ErrClock = errors.New("ledger: record time outside the accepted window")
)
