package cometbft

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/civicproof/civicproof/ledger"
)

// DefaultSnapshotInterval is how often (in heights) a node offers a
// state-sync snapshot by default.
const DefaultSnapshotInterval = 100

// State-sync snapshots (format 1). A snapshot of height H is the log as
// it was after block H: its metadata is the JSON of snapshotMeta (size,
// root, records per chunk), its hash the SHA-256 of the metadata, and
// chunk i holds records [i*K, min((i+1)*K, size)) as (uvarint length,
// canonical bytes) pairs. The log is append-only, so a snapshot costs
// nothing to keep: chunks are read from the log when asked for.
const (
	snapshotFormat       = 1
	snapshotChunkRecords = 512 // 512 records of at most 16 KiB fit CometBFT's 16 MB chunk message
	offeredSnapshots     = 4   // ListSnapshots lists the latest few...
	keptSnapshots        = 256 // ...and chunks are served for more, so that a node restoring one is not cut off by new blocks
)

type snapshotMeta struct {
	Size         uint64      `json:"size"`
	Root         ledger.Hash `json:"root"`
	ChunkRecords uint64      `json:"chunk_records"`
}

func chunksOf(size uint64) uint32 {
	return uint32((size + snapshotChunkRecords - 1) / snapshotChunkRecords)
}

type snapshotInfo struct {
	height int64
	size   uint64
	root   ledger.Hash
}

func (s snapshotInfo) abci() *abci.Snapshot {
	meta, _ := json.Marshal(snapshotMeta{Size: s.size, Root: s.root, ChunkRecords: snapshotChunkRecords})
	h := sha256.Sum256(meta)
	return &abci.Snapshot{Height: uint64(s.height), Format: snapshotFormat, Chunks: chunksOf(s.size), Hash: h[:], Metadata: meta}
}

// snapshots are the snapshots a node keeps (the latest keptSnapshots)
// and offers (the latest offeredSnapshots of them).
type snapshots struct {
	interval int64
	mu       sync.Mutex
	list     []snapshotInfo // oldest first
}

// add offers the log at height, if height is a multiple of the interval
// or force is set (the height the node opened or restored at).
func (s *snapshots) add(height int64, size uint64, root ledger.Hash, force bool) {
	if s.interval <= 0 || size == 0 || height <= 0 || (!force && height%s.interval != 0) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.list); n > 0 && s.list[n-1].height >= height {
		return
	}
	s.list = append(s.list, snapshotInfo{height, size, root})
	if len(s.list) > keptSnapshots {
		s.list = slices.Delete(s.list, 0, len(s.list)-keptSnapshots)
	}
}

func (s *snapshots) find(height uint64) (snapshotInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.list {
		if uint64(x.height) == height {
			return x, true
		}
	}
	return snapshotInfo{}, false
}

func (s *snapshots) offered() []snapshotInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list[max(0, len(s.list)-offeredSnapshots):])
}

// ListSnapshots implements abci.Application: the snapshots this node
// offers.
func (a *App) ListSnapshots(context.Context, *abci.ListSnapshotsRequest) (*abci.ListSnapshotsResponse, error) {
	res := &abci.ListSnapshotsResponse{}
	for _, s := range a.snaps.offered() {
		res.Snapshots = append(res.Snapshots, s.abci())
	}
	return res, nil
}

// LoadSnapshotChunk implements abci.Application: one chunk of an offered
// snapshot, read from the log (empty when the snapshot is not offered).
func (a *App) LoadSnapshotChunk(ctx context.Context, req *abci.LoadSnapshotChunkRequest) (*abci.LoadSnapshotChunkResponse, error) {
	s, ok := a.snaps.find(req.Height)
	if !ok || req.Format != snapshotFormat || req.Chunk >= chunksOf(s.size) {
		return &abci.LoadSnapshotChunkResponse{}, nil
	}
	from := uint64(req.Chunk) * snapshotChunkRecords
	to := min(from+snapshotChunkRecords, s.size)
	var buf []byte
	for i := from; i < to; i++ {
		sr, err := a.store.Record(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("ledger/cometbft: snapshot chunk: %w", err)
		}
		b, err := sr.Bytes()
		if err != nil {
			return nil, fmt.Errorf("ledger/cometbft: snapshot chunk: %w", err)
		}
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
	}
	return &abci.LoadSnapshotChunkResponse{Chunk: buf}, nil
}

// restoring is a snapshot being restored into an empty node.
type restoring struct {
	height int64
	meta   snapshotMeta
	chunks uint32
	next   uint32
	stage  *ledger.Stage
	vals   powers
}

// errStaleRestore: a chunk arrived for no snapshot being restored.
var errStaleRestore = errors.New("ledger/cometbft: snapshot chunk without an accepted snapshot")

// OfferSnapshot implements abci.Application. A node with an empty log
// accepts a snapshot whose root is the AppHash CometBFT's light client
// verified for its height (req.AppHash); the records then arrive in
// chunks (ApplySnapshotChunk).
func (a *App) OfferSnapshot(ctx context.Context, req *abci.OfferSnapshotRequest) (*abci.OfferSnapshotResponse, error) {
	reject := func(r abci.OfferSnapshotResult) (*abci.OfferSnapshotResponse, error) {
		return &abci.OfferSnapshotResponse{Result: r}, nil
	}
	s := req.Snapshot
	if s == nil {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT)
	}
	if s.Format != snapshotFormat {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT)
	}
	var m snapshotMeta
	h := sha256.Sum256(s.Metadata)
	if err := json.Unmarshal(s.Metadata, &m); err != nil || !bytes.Equal(h[:], s.Hash) ||
		m.ChunkRecords != snapshotChunkRecords || m.Size == 0 || s.Chunks != chunksOf(m.Size) ||
		!bytes.Equal(req.AppHash, m.Root[:]) || s.Height == 0 || s.Height > 1<<62 {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last.Height != 0 || a.last.Size != 0 || a.stage != nil {
		return nil, fmt.Errorf("ledger/cometbft: snapshot offered to a node at height %d with %d records", a.last.Height, a.last.Size)
	}
	if a.restore != nil {
		a.restore.stage.Abort()
		a.restore = nil
	}
	st, err := a.store.Stage(ctx)
	if err != nil {
		return nil, err
	}
	a.restore = &restoring{height: int64(s.Height), meta: m, chunks: s.Chunks, stage: st, vals: a.genesisVals}
	return reject(abci.OFFER_SNAPSHOT_RESULT_ACCEPT)
}

// ApplySnapshotChunk implements abci.Application: it applies a chunk's
// records through the state machine (verifying each signature once, as
// for a block) and, after the last chunk, commits the restored log if
// its root is the snapshot's — the AppHash the light client verified —
// and refuses the snapshot otherwise. A chunk that does not decode is
// fetched again from another peer.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.ApplySnapshotChunkRequest) (*abci.ApplySnapshotChunkResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.restore
	if r == nil {
		return nil, errStaleRestore
	}
	if req.Index != r.next {
		return nil, fmt.Errorf("ledger/cometbft: snapshot chunk %d, expected %d", req.Index, r.next)
	}
	want := min(uint64(snapshotChunkRecords), r.meta.Size-uint64(req.Index)*snapshotChunkRecords)
	vrs, err := decodeChunk(req.Chunk, want)
	if err != nil {
		return &abci.ApplySnapshotChunkResponse{
			Result:        abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY,
			RefetchChunks: []uint32{req.Index},
			RejectSenders: []string{req.Sender},
		}, nil
	}
	fail := func() (*abci.ApplySnapshotChunkResponse, error) {
		r.stage.Abort()
		a.restore = nil
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT}, nil
	}
	if r.vals, err = a.restoreRecords(r.stage, r.vals, vrs); err != nil {
		return fail()
	}
	r.next++
	if r.next < r.chunks {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil
	}
	root, err := r.stage.Root()
	if err != nil || root != r.meta.Root || r.stage.Size() != r.meta.Size {
		return fail()
	}
	m := appMeta{Height: r.height, Size: r.meta.Size, Root: root, Validators: validatorList(r.vals)}
	mb, err := json.Marshal(m)
	if err != nil {
		return fail()
	}
	a.restore = nil
	if _, err := r.stage.Commit(mb); err != nil {
		return nil, fmt.Errorf("ledger/cometbft: commit restored snapshot: %w", err)
	}
	a.last = m
	a.height.Store(m.Height)
	a.setValidators(r.vals)
	a.snaps.add(m.Height, m.Size, m.Root, true)
	if err := a.cosign(m.Size, m.Root); err != nil {
		return nil, err
	}
	return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil
}

// decodeChunk decodes a chunk of want records, verifying each. The chunk
// comes from a peer: its framing (a uvarint length before each record) and
// its record count are checked first, so a chunk that is cut short, has
// trailing bytes or holds more or fewer records than asked for is refused
// before any record is decoded or any signature verified, and nothing is
// allocated beyond what the chunk can hold.
func decodeChunk(chunk []byte, want uint64) ([]*ledger.VerifiedRecord, error) {
	var n uint64
	for rest := chunk; len(rest) > 0; n++ {
		if n == want {
			return nil, fmt.Errorf("%w: snapshot chunk of more than %d records", ledger.ErrInvalidRecord, want)
		}
		l, k := binary.Uvarint(rest)
		if k <= 0 || l > uint64(len(rest)-k) || l > ledger.MaxRecordSize {
			return nil, fmt.Errorf("%w: snapshot chunk: bad length", ledger.ErrInvalidRecord)
		}
		rest = rest[k+int(l):]
	}
	if n != want {
		return nil, fmt.Errorf("%w: snapshot chunk of %d records, want %d", ledger.ErrInvalidRecord, n, want)
	}
	vrs := make([]*ledger.VerifiedRecord, 0, n)
	for len(chunk) > 0 {
		l, k := binary.Uvarint(chunk)
		v, err := ledger.DecodeVerified(chunk[k : k+int(l)])
		if err != nil {
			return nil, err
		}
		vrs = append(vrs, v)
		chunk = chunk[k+int(l):]
	}
	return vrs, nil
}

// restoreRecords applies records of a restored log to st, tracking the
// validator set as FinalizeBlock did: each validator record is checked
// against the state before it.
func (a *App) restoreRecords(st *ledger.Stage, vals powers, vrs []*ledger.VerifiedRecord) (powers, error) {
	for len(vrs) > 0 {
		n := 0
		for n < len(vrs) && !isValidatorEvent(vrs[n].SignedRecord()) {
			n++
		}
		if n == 0 {
			next, _, err := applyValidatorChanges(a.store.State(), vals, signedRecords(vrs[:1]))
			if err != nil {
				return nil, err
			}
			vals, n = next, 1
		}
		if _, err := st.ApplyVerified(vrs[:n]); err != nil {
			return nil, err
		}
		vrs = vrs[n:]
	}
	return vals, nil
}

// SetGenesisValidators gives the App the genesis validator set, which a
// node restored from a snapshot needs to follow validator changes (a
// node that starts from genesis learns it from InitChain). Start calls
// it with the genesis file's validators.
func (a *App) SetGenesisValidators(vals []Validator) {
	p := powers{}
	for _, v := range vals {
		if len(v.Key) == 32 && v.Power > 0 {
			p[[32]byte(v.Key)] = v.Power
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.genesisVals = p
	if a.validators() == nil && a.last.Height == 0 {
		a.setValidators(p)
	}
}
