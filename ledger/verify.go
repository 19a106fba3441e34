//go:build !js && !wasip1

package ledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// FileReport describes a ledger file as VerifyFile read it.
type FileReport struct {
	// Origin and VerifierKey are the log's name and the signed-note
	// verifier key of its checkpoint key, as stored in the file.
	Origin      string
	VerifierKey string
	// Records and Commits count the intact part of the log; Checkpoint is
	// its last signed checkpoint (nil if no commit is intact).
	Records    uint64
	Commits    uint64
	Checkpoint *Checkpoint
	// Acknowledged is the record count the header says was acknowledged,
	// and AcknowledgedKnown whether the header could be read.
	Acknowledged      uint64
	AcknowledgedKnown bool
	// Bytes is the file size; TornBytes the tail an interrupted,
	// unacknowledged commit left (dropped by Open and Repair).
	Bytes     int64
	TornBytes int64

	end      int64  // end of the intact commits
	complete bool   // every frame after the header was read intact
	leaves   []Hash // leaf hashes of the intact records
}

// VerifyFile reads the ledger file at path without changing it and checks
// everything Open checks and more: the header, every frame's CRC-32C,
// every record's encoding, the state machine's acceptance of every record
// in order, and at every commit the signed checkpoint — its signature
// under the key stored in the file, its size and the recomputed RFC 6962
// root. It returns the report and, if the file is damaged, a
// *CorruptError (errors.Is(err, ErrCorrupt)) naming the first damage; the
// report then describes the intact part before it. A missing file is
// ErrNotExist.
func VerifyFile(ctx context.Context, path string) (*FileReport, error) {
	rep, cerr, err := checkFile(ctx, path)
	if err != nil {
		return rep, err
	}
	if cerr != nil {
		return rep, cerr
	}
	return rep, nil
}

func checkFile(ctx context.Context, path string) (*FileReport, *CorruptError, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("ledger: verify %s: %w", path, ErrNotExist)
		}
		return nil, nil, fmt.Errorf("ledger: verify %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: verify %s: %w", path, err)
	}
	rep := &FileReport{Bytes: fi.Size()}
	var (
		ver      *Verifier
		state    = NewState()
		rng      = rangeFactory.NewEmptyRange(0)
		canceled error
	)
	res, cerr := scanLog(f, fi.Size(), logVisitor{
		genesis: func(origin string, key []byte) error {
			v, err := NewVerifier(origin, ed25519.PublicKey(key))
			if err != nil {
				return err
			}
			ver, rep.Origin, rep.VerifierKey = v, origin, v.VerifierKey()
			return nil
		},
		record: func(index uint64, _ int64, leaf []byte) error {
			if index%4096 == 0 {
				if err := ctx.Err(); err != nil {
					canceled = err
					return err
				}
			}
			sr, err := decodeUnverified(leaf)
			if err != nil {
				return err
			}
			lh := leafHash(leaf)
			if err := rng.Append(lh[:], nil); err != nil {
				return err
			}
			state.mu.Lock()
			err = state.applyLocked(index, &sr.Record, lh)
			state.commitJournal()
			state.mu.Unlock()
			if err != nil {
				return fmt.Errorf("state machine refuses it: %w", err)
			}
			rep.leaves = append(rep.leaves, lh)
			return nil
		},
		checkpoint: func(count uint64, _ int64, note []byte) error {
			cp, err := ver.ParseCheckpoint(note)
			if err != nil {
				return err
			}
			root, err := rootOf(rng)
			if err != nil {
				return err
			}
			if cp.Size != count || cp.Root != root {
				return fmt.Errorf("checkpoint (size %d, root %s) does not match the %d records before it (root %s)", cp.Size, cp.Root, count, root)
			}
			rep.Checkpoint = cp
			rep.Commits++
			return nil
		},
	})
	if canceled != nil {
		return rep, nil, canceled
	}
	rep.Records, rep.TornBytes, rep.end, rep.complete = res.count, res.tornBytes, res.end, res.complete
	rep.leaves = rep.leaves[:res.count]
	if rep.Commits > 0 && rep.Checkpoint != nil && rep.Checkpoint.Size != res.count {
		rep.Checkpoint = nil // the last checkpoint read was past the damage
	}
	rep.Acknowledged, rep.AcknowledgedKnown = res.newest.count, res.header
	if cerr != nil {
		cerr.Path = path
	}
	return rep, cerr, nil
}

// RepairOptions says how Repair may mend a file.
type RepairOptions struct {
	// Backup is another copy of the same ledger (same origin and key), e.g.
	// an earlier copy of the file or a peer's. Records missing from the
	// damaged file are taken from it when it agrees with the intact part.
	Backup string
	// Truncate allows Repair to keep only the intact records when that
	// drops acknowledged records (or an unknown number of them). Without
	// it Repair refuses and says how many would be dropped.
	Truncate bool
}

// RepairReport says what Repair did.
type RepairReport struct {
	// Damage is what VerifyFile found (nil if the file was intact).
	Damage *CorruptError
	// Changed reports whether the file was rewritten.
	Changed bool
	// Records is the number of records in the repaired file.
	Records uint64
	// FromBackup reports whether the records came from the backup.
	FromBackup bool
	// Dropped is the number of acknowledged records the repair dropped
	// (only with Truncate); DroppedUnknown is set when the header was
	// unreadable and the damaged region may have held more.
	Dropped        uint64
	DroppedUnknown bool
	// AcknowledgedUnknown is set when the damaged file's header was
	// unreadable and the repair took the backup without being able to
	// check that it holds every acknowledged record.
	AcknowledgedUnknown bool
	// DamagedCopy is where the damaged file was kept.
	DamagedCopy string
}

// Repair mends the ledger file at path. It verifies the file (VerifyFile)
// and keeps its intact commits: a damaged header is rewritten from the log,
// a tail left by an interrupted commit is dropped, and when a backup is
// given and agrees with the intact records, the longer of the two is
// kept. It never drops an acknowledged record silently: if the result
// would hold fewer records than the header says were acknowledged (or the
// header is unreadable and frames are damaged), it refuses with
// ErrRepairRefused unless opts.Truncate is set, and the report says how
// many records that drops. The damaged file is kept next to the repaired
// one (path.damaged, path.damaged.1, ...); the new file replaces it
// atomically. The ledger must not be open.
func Repair(ctx context.Context, path string, opts RepairOptions) (*RepairReport, error) {
	rep, cerr, err := checkFile(ctx, path)
	if err != nil {
		return nil, err
	}
	out := &RepairReport{Damage: cerr, Records: rep.Records}
	if cerr == nil && rep.TornBytes == 0 {
		return out, nil
	}
	unknown := false // whether the file may have held records nothing says were acknowledged
	src, srcRep := path, rep
	if opts.Backup != "" {
		brep, bcerr, err := checkFile(ctx, opts.Backup)
		if err != nil {
			return out, fmt.Errorf("ledger: repair: backup: %w", err)
		}
		if brep.end == 0 {
			return out, fmt.Errorf("ledger: repair: backup %s has no intact commit: %w", opts.Backup, bcerr)
		}
		if rep.end > 0 && (brep.Origin != rep.Origin || brep.VerifierKey != rep.VerifierKey) {
			return out, fmt.Errorf("ledger: repair: backup is log %s, the file is log %s", brep.VerifierKey, rep.VerifierKey)
		}
		for i := range min(len(brep.leaves), len(rep.leaves)) {
			if brep.leaves[i] != rep.leaves[i] {
				return out, fmt.Errorf("ledger: repair: backup differs from the file at record %d", i)
			}
		}
		if brep.Records > rep.Records || rep.end == 0 {
			src, srcRep, out.FromBackup = opts.Backup, brep, true
		}
	}
	if srcRep.end == 0 {
		out.Dropped, out.DroppedUnknown = rep.Acknowledged, !rep.AcknowledgedKnown
		return out, fmt.Errorf("%w: %w: no intact commit to keep (%v); give a backup", ErrCorrupt, ErrRepairRefused, cerr)
	}
	out.Records = srcRep.Records
	switch {
	case cerr == nil || rep.complete:
		// Only a torn tail or a damaged header: nothing acknowledged is lost.
	case rep.AcknowledgedKnown:
		if rep.Acknowledged > srcRep.Records {
			out.Dropped = rep.Acknowledged - srcRep.Records
		}
	case out.FromBackup:
		// Nothing in the damaged file says how many records were
		// acknowledged: the backup is the best copy there is.
		unknown = true
	default:
		out.DroppedUnknown = true
	}
	out.AcknowledgedUnknown = unknown
	if (out.Dropped > 0 || out.DroppedUnknown) && !opts.Truncate {
		what := strconv.FormatUint(out.Dropped, 10)
		if out.DroppedUnknown {
			what = "an unknown number of"
		}
		return out, fmt.Errorf("%w: %w: keeping the %d intact records would drop %s acknowledged records (%v); give a backup holding them, or allow truncation",
			ErrCorrupt, ErrRepairRefused, srcRep.Records, what, cerr)
	}
	if out.DamagedCopy, err = rewrite(path, src, srcRep); err != nil {
		return out, err
	}
	removeIndex(path) // derived from the old file: rebuilt on the next open
	out.Changed = true
	return out, nil
}

// rewrite writes the intact commits of src (as checked in rep) to a new
// file, keeps the file at path as a damaged copy (its name is returned)
// and moves the new file into place.
func rewrite(path, src string, rep *FileReport) (string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("ledger: repair: %w", err)
	}
	body := make([]byte, rep.end-headerSize)
	_, err = f.ReadAt(body, headerSize)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("ledger: repair: read %s: %w", src, err)
	}
	content := append(encodeHeader(slot{gen: 1, end: uint64(rep.end), count: rep.Records}), body...)
	tmp := path + ".repair"
	os.Remove(tmp)
	if err := writeSynced(tmp, content); err != nil {
		return "", err
	}
	damaged, err := freeName(path + ".damaged")
	if err != nil {
		return "", err
	}
	if err := os.Link(path, damaged); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("ledger: repair: keep the damaged file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return damaged, fmt.Errorf("ledger: repair: %w", err)
	}
	return damaged, syncDir(filepath.Dir(path))
}

func freeName(base string) (string, error) {
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("ledger: repair: too many damaged copies of %s", base)
}
