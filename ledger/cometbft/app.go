package cometbft

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// AppVersion is the application protocol version reported by Info. It
// changes when the state machine or the transaction format changes.
const AppVersion = 1

// Config configures an App.
type Config struct {
	// Dir holds the application's files: ledger.db (the embedded engine's
	// log file) and commit.json (the last committed block).
	Dir string
	// Key signs this node's checkpoints. Every node signs with its own
	// key; the roots they sign are the same on every node.
	Key *identity.PrivateKey
	// Origin is the checkpoint origin (default ledger.DefaultOrigin).
	// Nodes of one network should share it.
	Origin string
	// MaxSkew bounds how far a record's time may be from the block time
	// (FinalizeBlock, deterministic) and from the node's clock (CheckTx).
	// Zero means 10 minutes; a negative value disables the check.
	MaxSkew time.Duration
	// Clock is the clock CheckTx uses (default time.Now).
	Clock func() time.Time
	// ValidatorKey, when set, is this node's CometBFT validator key
	// (Ed25519): the node then cosigns every checkpoint it commits with
	// it (see ValidatorSet and App.Cosignature). Leave it nil on a node
	// that is not a validator.
	ValidatorKey ed25519.PrivateKey
}

// App is the ABCI application of the ledger: the ledger.State state machine
// replicated by CometBFT. Transactions are signed records (see EncodeTx).
//
// FinalizeBlock applies the block's transactions to a working copy of the
// state, in block order, and returns the RFC 6962 root of the log with the
// accepted records appended as the AppHash. Commit writes the accepted
// records to an embedded ledger (ledger.Open on Dir/ledger.db), which
// recomputes the same state and root and signs a checkpoint. Reads are
// served by that embedded ledger (Store).
type App struct {
	abci.BaseApplication

	dir      string
	maxSkew  time.Duration
	clock    func() time.Time
	store    *ledger.Embedded
	origin   string
	cosigner *cosigner // nil on a node that is not a validator
	cosigs   cosignatures

	mu      sync.Mutex
	work    *ledger.State  // committed state plus the finalized block
	rng     *compact.Range // tree of the committed log plus the finalized block
	last    commitInfo     // last committed block
	pending *block         // finalized, not yet committed
	genesis *block         // genesis records, applied by InitChain, written with the first block
	vals    powers         // validator set after the finalized block (nil: unknown)
	waiters map[[32]byte]map[chan<- outcome]struct{}
	closed  bool
}

// block is the outcome of FinalizeBlock waiting for Commit.
type block struct {
	height   int64
	root     ledger.Hash
	records  [][]byte               // canonical bytes of the accepted records
	srs      []*ledger.SignedRecord // the same records, decoded
	outcomes map[[32]byte]outcome
}

// outcome is what happened to a transaction.
type outcome struct {
	first uint64 // index of its first record, if accepted
	code  uint32
	space string
	log   string
	cp    *ledger.Checkpoint // first checkpoint including it, if accepted
}

var _ abci.Application = (*App)(nil)

var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// NewApp opens (or creates) the application's files in c.Dir and
// recovers from a crash between writing commit.json and the embedded
// ledger.
func NewApp(c Config) (*App, error) {
	if c.Key == nil {
		return nil, errors.New("ledger/cometbft: nil checkpoint key")
	}
	if c.Dir == "" {
		return nil, errors.New("ledger/cometbft: empty directory")
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, err
	}
	a := &App{
		dir: c.Dir, maxSkew: c.MaxSkew, clock: c.Clock,
		waiters: map[[32]byte]map[chan<- outcome]struct{}{},
	}
	if a.maxSkew == 0 {
		a.maxSkew = 10 * time.Minute
	}
	if a.clock == nil {
		a.clock = time.Now
	}
	opts := []ledger.Option{ledger.WithMaxSkew(0)} // record times are checked against block times
	if c.Origin != "" {
		opts = append(opts, ledger.WithOrigin(c.Origin))
	}
	path := filepath.Join(c.Dir, "ledger.db")
	st, err := ledger.Open(path, c.Key, opts...)
	if errors.Is(err, ledger.ErrNotExist) {
		st, err = ledger.Create(path, c.Key, opts...)
	}
	if err != nil {
		return nil, err
	}
	a.store = st
	a.origin = c.Origin
	if a.origin == "" {
		a.origin = ledger.DefaultOrigin
	}
	if c.ValidatorKey != nil {
		if a.cosigner, err = newCosigner(a.origin, c.ValidatorKey); err != nil {
			return nil, errors.Join(err, st.Close())
		}
	}
	if err := a.load(); err != nil {
		return nil, errors.Join(err, st.Close())
	}
	if err := a.cosign(a.last.Size, a.root()); err != nil {
		return nil, errors.Join(err, st.Close())
	}
	return a, nil
}

// load reads commit.json, completes a commit that was interrupted after
// writing it, and rebuilds the working state and tree from the log.
func (a *App) load() error {
	ctx := context.Background()
	info, err := readCommitInfo(a.dir)
	if err != nil {
		return err
	}
	cp, err := a.store.Checkpoint(ctx)
	if err != nil {
		return err
	}
	switch {
	case cp.Size == info.Size:
	case cp.Size+uint64(len(info.Records)) == info.Size:
		srs := make([]*ledger.SignedRecord, len(info.Records))
		for i, b := range info.Records {
			if srs[i], err = ledger.DecodeSignedRecord(b); err != nil {
				return fmt.Errorf("%w: commit.json: %w", ledger.ErrCorrupt, err)
			}
		}
		if _, err := a.store.SubmitBatch(ctx, srs); err != nil {
			return fmt.Errorf("ledger/cometbft: complete commit of height %d: %w", info.Height, err)
		}
		if cp, err = a.store.Checkpoint(ctx); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: log size %d, commit.json says %d at height %d", ledger.ErrCorrupt, cp.Size, info.Size, info.Height)
	}
	if info.Height > 0 && cp.Root != info.Root {
		return fmt.Errorf("%w: log root %s, commit.json says %s", ledger.ErrCorrupt, cp.Root, info.Root)
	}
	info.Records = nil
	a.last = info
	if a.vals, err = readValidators(a.dir); err != nil {
		return err
	}
	a.work = ledger.NewState()
	a.rng = rangeFactory.NewEmptyRange(0)
	const chunk = 1024
	for i := uint64(0); i < cp.Size; i += chunk {
		var srs []*ledger.SignedRecord
		for j := i; j < min(i+chunk, cp.Size); j++ {
			sr, err := a.store.Record(ctx, j)
			if err != nil {
				return err
			}
			lh, err := sr.LeafHash()
			if err != nil {
				return err
			}
			if err := a.rng.Append(lh[:], nil); err != nil {
				return err
			}
			srs = append(srs, sr)
		}
		if a.vals != nil && slices.ContainsFunc(srs, isValidatorEvent) {
			// Validator changes are checked against the state before
			// their records, as FinalizeBlock did.
			for _, sr := range srs {
				if a.vals, _, err = applyValidatorChanges(a.work, a.vals, []*ledger.SignedRecord{sr}); err != nil {
					return fmt.Errorf("%w: replay: %w", ledger.ErrCorrupt, err)
				}
				if err := a.work.Apply(a.work.Size(), sr); err != nil {
					return fmt.Errorf("%w: replay: %w", ledger.ErrCorrupt, err)
				}
			}
			continue
		}
		if err := a.work.ApplyBatch(i, srs); err != nil {
			return fmt.Errorf("%w: replay: %w", ledger.ErrCorrupt, err)
		}
	}
	if root := a.root(); root != cp.Root {
		return fmt.Errorf("%w: recomputed root %s, checkpoint root %s", ledger.ErrCorrupt, root, cp.Root)
	}
	return nil
}

func (a *App) root() ledger.Hash {
	if a.rng.End() == 0 {
		return ledger.EmptyRoot()
	}
	h, err := a.rng.GetRootHash(nil)
	if err != nil {
		panic("ledger/cometbft: root of a range starting at 0: " + err.Error())
	}
	return ledger.Hash(h)
}

// Store returns the embedded ledger holding the committed log; it serves
// reads, proofs and signed checkpoints. Do not submit to it directly.
func (a *App) Store() *ledger.Embedded { return a.store }

// Close closes the embedded ledger. The node must be stopped first.
func (a *App) Close() error {
	a.mu.Lock()
	a.closed = true
	for _, ws := range a.waiters {
		for w := range ws {
			close(w)
		}
	}
	clear(a.waiters)
	a.mu.Unlock()
	return a.store.Close()
}

// Info implements abci.Application.
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	res := &abci.InfoResponse{Data: "civicproof ledger", AppVersion: AppVersion, LastBlockHeight: a.last.Height}
	if a.last.Height > 0 {
		res.LastBlockAppHash = slices.Clone(a.last.Root[:])
	}
	return res, nil
}

// InitChain implements abci.Application. The genesis file's app_state
// may hold the log's first records (GenesisAppState: typically the
// governance record founding the consortium); they are applied here and
// written with the first block. The initial AppHash is the root of the
// log they make (of the empty log when there are none). The stored log
// must be empty.
func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rng.End() != 0 || a.last.Height != 0 {
		return nil, fmt.Errorf("ledger/cometbft: InitChain on a log of %d records", a.rng.End())
	}
	srs, bs, err := parseGenesisAppState(req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	vals, err := genesisPowers(req.Validators)
	if err != nil {
		return nil, err
	}
	if err := writeValidators(a.dir, vals); err != nil {
		return nil, fmt.Errorf("ledger/cometbft: InitChain: %w", err)
	}
	a.vals = vals
	if len(srs) > 0 {
		if err := a.work.ApplyBatch(0, srs); err != nil {
			return nil, fmt.Errorf("ledger/cometbft: genesis records: %w", err)
		}
		for _, b := range bs {
			lh := ledger.LeafHash(b)
			if err := a.rng.Append(lh[:], nil); err != nil {
				panic("ledger/cometbft: compact range append: " + err.Error())
			}
		}
		a.genesis = &block{srs: srs, records: bs}
	}
	root := a.root()
	return &abci.InitChainResponse{AppHash: root[:]}, nil
}

// CheckTx implements abci.Application: it decodes the transaction and
// checks its records against the current state (the last committed or
// finalized block) without applying them, and their times against the
// node's clock.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	err := a.check(req.Tx)
	if req.Type == abci.CHECK_TX_TYPE_RECHECK && err != nil {
		// A transaction that no longer fits the state leaves the mempool
		// without reaching a block: tell whoever waits for it.
		a.mu.Lock()
		a.notify(sha256.Sum256(req.Tx), outcome{code: codeOf(err), space: Codespace, log: err.Error()})
		a.mu.Unlock()
	}
	if err != nil {
		return &abci.CheckTxResponse{Code: codeOf(err), Codespace: Codespace, Log: err.Error()}, nil
	}
	return &abci.CheckTxResponse{Code: CodeOK}, nil
}

func (a *App) check(tx []byte) error {
	srs, err := DecodeTx(tx)
	if err != nil {
		return err
	}
	if err := a.checkTimes(srs, a.clock(), "the node clock"); err != nil {
		return err
	}
	a.mu.Lock()
	vals := a.vals
	a.mu.Unlock()
	if _, _, err := applyValidatorChanges(a.work, vals, srs); err != nil {
		return err
	}
	// a.work is set once by load, before the App is shared; the State
	// synchronizes its own reads and writes.
	return a.work.CheckBatch(srs)
}

func (a *App) checkTimes(srs []*ledger.SignedRecord, now time.Time, clock string) error {
	if a.maxSkew < 0 {
		return nil
	}
	for i, sr := range srs {
		t := time.Unix(sr.Record.Time, 0)
		if d := t.Sub(now); d > a.maxSkew || -d > a.maxSkew {
			return fmt.Errorf("ledger: record %d: %w: %w: %v from %s", i, ledger.ErrInvalidRecord, ledger.ErrClock, d.Round(time.Second), clock)
		}
	}
	return nil
}

// FinalizeBlock implements abci.Application: it applies each transaction
// in block order through the state machine. An accepted transaction's
// result Data is the log index of its first record (8 bytes, big endian);
// a refused one has a non-zero code, the reason in Log, and changes
// nothing. The AppHash is the RFC 6962 root of the log after the block.
func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending != nil {
		return nil, fmt.Errorf("ledger/cometbft: FinalizeBlock %d before Commit of %d", req.Height, a.pending.height)
	}
	if req.Height != a.last.Height+1 {
		return nil, fmt.Errorf("ledger/cometbft: FinalizeBlock %d after height %d", req.Height, a.last.Height)
	}
	b := &block{height: req.Height, outcomes: map[[32]byte]outcome{}}
	before := a.vals
	if a.genesis != nil { // the genesis records are written with the first block
		b.srs, b.records = a.genesis.srs, a.genesis.records
	}
	res := &abci.FinalizeBlockResponse{TxResults: make([]*abci.ExecTxResult, len(req.Txs))}
	for i, tx := range req.Txs {
		first := a.work.Size()
		srs, bs, err := a.apply(tx, req.Time)
		var o outcome
		if err != nil {
			o = outcome{code: codeOf(err), space: Codespace, log: err.Error()}
			res.TxResults[i] = &abci.ExecTxResult{Code: o.code, Codespace: Codespace, Log: o.log}
		} else {
			o.first = first
			res.TxResults[i] = &abci.ExecTxResult{Code: CodeOK, Data: binary.BigEndian.AppendUint64(nil, first)}
			b.srs = append(b.srs, srs...)
			b.records = append(b.records, bs...)
		}
		// A transaction repeated in the block is refused as a duplicate
		// the second time: its submitter gets the first outcome.
		h := sha256.Sum256(tx)
		if _, ok := b.outcomes[h]; !ok {
			b.outcomes[h] = o
		}
	}
	b.root = a.root()
	a.pending = b
	res.AppHash = slices.Clone(b.root[:])
	res.ValidatorUpdates = updatesBetween(before, a.vals)
	return res, nil
}

// apply applies one transaction to the working state and tree. It
// returns the transaction's records and their canonical bytes.
func (a *App) apply(tx []byte, blockTime time.Time) ([]*ledger.SignedRecord, [][]byte, error) {
	srs, bs, err := decodeTx(tx)
	if err != nil {
		return nil, nil, err
	}
	if err := a.checkTimes(srs, blockTime, "the block time"); err != nil {
		return nil, nil, err
	}
	vals, changed, err := applyValidatorChanges(a.work, a.vals, srs)
	if err != nil {
		return nil, nil, err
	}
	if err := a.work.ApplyBatch(a.work.Size(), srs); err != nil {
		return nil, nil, err
	}
	if changed {
		a.vals = vals
	}
	for _, b := range bs {
		lh := ledger.LeafHash(b)
		if err := a.rng.Append(lh[:], nil); err != nil {
			panic("ledger/cometbft: compact range append: " + err.Error())
		}
	}
	return srs, bs, nil
}

// Commit implements abci.Application: it makes the finalized block
// durable. commit.json (height, size, root and the block's records) is
// written first, then the records go to the embedded ledger in one
// transaction; a crash in between is completed by NewApp.
func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.pending
	if b == nil {
		return nil, errors.New("ledger/cometbft: Commit without FinalizeBlock")
	}
	a.pending = nil
	a.genesis = nil
	info := commitInfo{Height: b.height, Size: a.rng.End(), Root: b.root}
	var cp *ledger.Checkpoint
	if len(b.records) > 0 {
		info.Records = b.records
		if err := writeCommitInfo(a.dir, info); err != nil {
			return nil, err
		}
		rs, err := a.store.SubmitBatch(context.Background(), b.srs)
		if err != nil {
			// The working state accepted these records: the embedded
			// ledger must too. Stop rather than diverge.
			return nil, fmt.Errorf("ledger/cometbft: commit height %d: %w", b.height, err)
		}
		cp = rs[len(rs)-1].Checkpoint
		if cp.Root != b.root || cp.Size != info.Size {
			return nil, fmt.Errorf("ledger/cometbft: commit height %d: embedded root %s size %d, app hash %s size %d",
				b.height, cp.Root, cp.Size, b.root, info.Size)
		}
	} else {
		var err error
		if cp, err = a.store.Checkpoint(context.Background()); err != nil {
			return nil, err
		}
	}
	info.Records = nil
	if info.Size != a.last.Size {
		if err := a.cosign(info.Size, info.Root); err != nil {
			return nil, fmt.Errorf("ledger/cometbft: commit height %d: %w", b.height, err)
		}
	}
	a.last = info
	for h, o := range b.outcomes {
		if o.code == CodeOK {
			o.cp = cp
		}
		a.notify(h, o)
	}
	return &abci.CommitResponse{}, nil
}

// Query implements abci.Application. Paths: "/checkpoint" (the node's
// latest signed checkpoint note), "/record/<index>" (canonical bytes of a
// record) and "/size" (decimal log size).
func (a *App) Query(ctx context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	res := &abci.QueryResponse{Codespace: Codespace}
	cp, err := a.store.Checkpoint(ctx)
	if err != nil {
		res.Code, res.Log = CodeInternal, err.Error()
		return res, nil
	}
	a.mu.Lock()
	res.Height = a.last.Height
	a.mu.Unlock()
	switch p := req.Path; {
	case p == "/checkpoint":
		res.Value = cp.Note
	case p == "/size":
		res.Value = []byte(strconv.FormatUint(cp.Size, 10))
	case strings.HasPrefix(p, "/record/"):
		i, err := strconv.ParseUint(strings.TrimPrefix(p, "/record/"), 10, 64)
		if err != nil {
			res.Code, res.Log = CodeInvalid, "bad index"
			return res, nil
		}
		sr, err := a.store.Record(ctx, i)
		if err != nil {
			res.Code, res.Log = CodeInvalid, err.Error()
			return res, nil
		}
		res.Key = []byte(p)
		if res.Value, err = sr.Bytes(); err != nil {
			res.Code, res.Log = CodeInternal, err.Error()
		}
	default:
		res.Code, res.Log = CodeInvalid, fmt.Sprintf("unknown path %q", p)
	}
	return res, nil
}

// wait registers ch to receive the outcome of tx once it is committed or
// dropped from the mempool. The returned function unregisters it.
func (a *App) wait(tx []byte, ch chan outcome) (func(), error) {
	h := sha256.Sum256(tx)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, ledger.ErrClosed
	}
	ws := a.waiters[h]
	if ws == nil {
		ws = map[chan<- outcome]struct{}{}
		a.waiters[h] = ws
	}
	ws[ch] = struct{}{}
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if ws := a.waiters[h]; ws != nil {
			delete(ws, ch)
			if len(ws) == 0 {
				delete(a.waiters, h)
			}
		}
	}, nil
}

// notify delivers an outcome to the waiters of a transaction. The caller
// holds a.mu. Waiter channels are buffered (one outcome each).
func (a *App) notify(h [32]byte, o outcome) {
	for w := range a.waiters[h] {
		select {
		case w <- o:
		default:
		}
	}
	delete(a.waiters, h)
}
