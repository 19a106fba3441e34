//go:build !js && !wasip1

package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A snapshot (the file <ledger>.snap) holds what opening would otherwise
// derive by replaying the log up to a commit: the state, the tree nodes
// and the compact range, with the commit's end, record count and
// checkpoint, and a SHA-256 of all of it. It is derived data: written on
// Close, checked on Open against its checksum, against the log's signed
// checkpoint at the commit it names (the tree's root must match) — and
// ignored, with the reason in LoadReport, when it does not check out:
// Open then replays the log. Opening from a snapshot still reads every
// frame of the log and checks its CRC-32C (so accidental damage anywhere
// is reported), but decodes and replays only the records after it; a
// record rewritten with a recomputed checksum before the snapshot is
// found by VerifyFile, which replays everything. Version 2 added the
// issuer sets to the state: a version-1 snapshot is set aside and the log
// replayed.
var snapMagic = []byte("civicproof-snap\x00\x02")

type snapshot struct {
	end, count, cpOff uint64
	cpNote            []byte
	hashes            [][]byte
	state             []byte
	levels            [][]byte
}

func snapPath(path string) string { return path + ".snap" }

func (s *snapshot) encode() []byte {
	var b []byte
	b = append(b, snapMagic...)
	b = binary.BigEndian.AppendUint64(b, s.end)
	b = binary.BigEndian.AppendUint64(b, s.count)
	b = binary.BigEndian.AppendUint64(b, s.cpOff)
	b = binary.BigEndian.AppendUint64(b, uint64(len(s.cpNote)))
	b = append(b, s.cpNote...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(s.hashes)))
	for _, h := range s.hashes {
		b = append(b, h...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(s.state)))
	b = append(b, s.state...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(s.levels)))
	for _, l := range s.levels {
		b = binary.BigEndian.AppendUint64(b, uint64(len(l)))
		b = append(b, l...)
	}
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

var errSnapFormat = errors.New("malformed snapshot")

type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) u64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = errSnapFormat
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *snapReader) bytes(n uint64) []byte {
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errSnapFormat
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func decodeSnapshot(b []byte) (*snapshot, error) {
	if len(b) < len(snapMagic)+sha256.Size || !bytes.Equal(b[:len(snapMagic)], snapMagic) {
		return nil, errSnapFormat
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return nil, errors.New("snapshot checksum mismatch")
	}
	r := &snapReader{b: body[len(snapMagic):]}
	s := &snapshot{end: r.u64(), count: r.u64(), cpOff: r.u64()}
	s.cpNote = r.bytes(r.u64())
	n := r.u64()
	if n > 64 {
		return nil, errSnapFormat
	}
	for range n {
		s.hashes = append(s.hashes, r.bytes(32))
	}
	s.state = r.bytes(r.u64())
	n = r.u64()
	if n > 64 {
		return nil, errSnapFormat
	}
	for range n {
		s.levels = append(s.levels, r.bytes(r.u64()))
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errSnapFormat
	}
	return s, nil
}

// writeSnapshot persists the derived data of the store's current commit.
func (s *fileStore) writeSnapshot(state []byte, hashes [][]byte, cpNote []byte) error {
	s.mu.RLock()
	snap := &snapshot{end: uint64(s.end), count: uint64(len(s.offsets)), cpOff: uint64(s.cpOff), cpNote: cpNote,
		hashes: hashes, state: state, levels: s.levels}
	b := snap.encode()
	s.mu.RUnlock()
	tmp := snapPath(s.path) + ".tmp"
	os.Remove(tmp)
	if err := writeSynced(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, snapPath(s.path)); err != nil {
		return fmt.Errorf("ledger: snapshot: %w", err)
	}
	return syncDir(filepath.Dir(s.path))
}

// readSnapshot returns the snapshot if it is intact and matches the log
// (its checkpoint is the log's frame at the place it names).
func (s *fileStore) readSnapshot(size int64) (*snapshot, error) {
	b, err := os.ReadFile(snapPath(s.path))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errors.New("no snapshot")
		}
		return nil, err
	}
	snap, err := decodeSnapshot(b)
	if err != nil {
		return nil, err
	}
	if snap.end > uint64(size) || snap.cpOff >= snap.end || snap.end-snap.cpOff != uint64(frameHeaderSize+len(snap.cpNote)) {
		return nil, errors.New("snapshot does not match the log (stale)")
	}
	note, err := readFrame(s.f, int64(snap.cpOff), frameCheckpoint, s.path, -1)
	if err != nil || !bytes.Equal(note, snap.cpNote) {
		return nil, errors.New("snapshot's checkpoint is not in the log (stale)")
	}
	return snap, nil
}
