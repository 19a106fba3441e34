package cometbft

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// AppVersion is the application protocol version reported by Info. It
// changes when the state machine or the transaction format changes.
const AppVersion = 1

// Config configures an App.
type Config struct {
	// Dir holds the application's files: ledger.db (the embedded engine's
	// log file, with the last committed block as its application metadata)
	// and validators.json (the genesis validator set).
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
	// SnapshotInterval: the node offers a state-sync snapshot of the log
	// at every height that is a multiple of it (and at the height it
	// opened at). Zero means DefaultSnapshotInterval; a negative value
	// offers none.
	SnapshotInterval int64
}

// App is the ABCI application of the ledger: the ledger.State state machine
// replicated by CometBFT. Transactions are signed records (see EncodeTx).
//
// The App keeps one state, the embedded ledger's (ledger.Open on
// Dir/ledger.db). FinalizeBlock applies the block's transactions to a
// ledger.Stage of it, in block order, and returns the RFC 6962 root of the
// log with the accepted records as the AppHash; Commit makes the stage
// durable in one write with the block's height, root and validator set
// (the embedded ledger's application metadata), and the embedded ledger
// signs a checkpoint. Reads are served by the embedded ledger (Store).
//
// Each record's signature is verified once per node: CheckTx verifies a
// transaction and remembers its records (a bounded cache keyed by the
// transaction's hash); FinalizeBlock applies remembered ones without
// verifying them again. The App is safe for concurrent CheckTx, Query and
// snapshot calls beside the consensus connection's calls, so a node runs
// it with CometBFT's consensus-synchronized local client (see Start).
type App struct {
	abci.BaseApplication

	dir      string
	maxSkew  time.Duration
	clock    func() time.Time
	store    *ledger.Embedded
	origin   string
	cosigner *cosigner // nil on a node that is not a validator
	cosigs   cosignatures
	checked  *checkedTxs
	snaps    snapshots

	valsMu sync.RWMutex
	vals   powers // validator set after the finalized block (nil: unknown)

	waitMu  sync.Mutex
	waiters map[[32]byte]map[chan<- outcome]struct{}
	closed  bool

	mu          sync.Mutex
	last        appMeta       // last committed block
	height      atomic.Int64  // last.Height, for readers that must not wait for a block
	stage       *ledger.Stage // open from FinalizeBlock (or InitChain) to Commit
	pending     *block        // finalized, not yet committed
	genesisVals powers        // the genesis validator set, for a restore from a snapshot
	restore     *restoring    // a snapshot being restored
}

// appMeta is the application metadata committed with every block that
// changes the log (ledger.Stage.Commit): the block's height, the log's
// size and root after it (the AppHash), and the validator set after it.
// Blocks that accept nothing are not written: after a restart CometBFT
// replays them, which changes nothing.
type appMeta struct {
	Height     int64           `json:"height"`
	Size       uint64          `json:"size"`
	Root       ledger.Hash     `json:"root"`
	Validators []validatorJSON `json:"validators,omitempty"`
}

// block is the outcome of FinalizeBlock waiting for Commit.
type block struct {
	height   int64
	size     uint64
	root     ledger.Hash
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

// NewApp opens (or creates) the application's files in c.Dir. The
// embedded ledger opens from its snapshot when it has one (see package
// ledger); the last committed height, root and validator set come from
// its application metadata.
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
		checked: newCheckedTxs(defaultCheckedRecords),
	}
	a.snaps.interval = c.SnapshotInterval
	if a.snaps.interval == 0 {
		a.snaps.interval = DefaultSnapshotInterval
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
	if err := a.cosign(a.last.Size, a.last.Root); err != nil {
		return nil, errors.Join(err, st.Close())
	}
	return a, nil
}

// load reads the last committed block from the embedded ledger's
// application metadata and checks it against the ledger's checkpoint.
func (a *App) load() error {
	cp, err := a.store.Checkpoint(context.Background())
	if err != nil {
		return err
	}
	b := a.store.AppMeta()
	if b == nil {
		if cp.Size != 0 {
			return fmt.Errorf("%w: a log of %d records without the application's metadata", ledger.ErrCorrupt, cp.Size)
		}
		if _, err := os.Stat(filepath.Join(a.dir, legacyCommitFile)); err == nil {
			return fmt.Errorf("%w: %s was written by an earlier version of the application: sync the node again", ledger.ErrCorrupt, legacyCommitFile)
		}
		a.last = appMeta{Root: ledger.EmptyRoot()}
		vals, err := readValidators(a.dir)
		if err != nil {
			return err
		}
		a.vals = vals
		return nil
	}
	var m appMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: application metadata: %w", ledger.ErrCorrupt, err)
	}
	if m.Size != cp.Size || m.Root != cp.Root {
		return fmt.Errorf("%w: application metadata says size %d root %s, the log's checkpoint %d %s", ledger.ErrCorrupt, m.Size, m.Root, cp.Size, cp.Root)
	}
	vals, err := powersOf(m.Validators)
	if err != nil {
		return err
	}
	a.last, a.vals = m, vals
	a.height.Store(m.Height)
	a.snaps.add(m.Height, m.Size, m.Root, true)
	return nil
}

// legacyCommitFile is the file in which earlier versions kept the last
// committed block.
const legacyCommitFile = "commit.json"

// Store returns the embedded ledger holding the committed log; it serves
// reads, proofs and signed checkpoints. Do not submit to it directly.
func (a *App) Store() *ledger.Embedded { return a.store }

// Close closes the embedded ledger, dropping a block finalized and not
// committed. The node must be stopped first.
func (a *App) Close() error {
	a.waitMu.Lock()
	a.closed = true
	for _, ws := range a.waiters {
		for w := range ws {
			close(w)
		}
	}
	clear(a.waiters)
	a.waitMu.Unlock()
	a.mu.Lock()
	if a.stage != nil {
		a.stage.Abort()
		a.stage, a.pending = nil, nil
	}
	if a.restore != nil {
		a.restore.stage.Abort()
		a.restore = nil
	}
	a.mu.Unlock()
	return a.store.Close()
}

func (a *App) validators() powers {
	a.valsMu.RLock()
	defer a.valsMu.RUnlock()
	return a.vals
}

func (a *App) setValidators(p powers) {
	a.valsMu.Lock()
	a.vals = p
	a.valsMu.Unlock()
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
// governance record founding the consortium); they are staged here and
// committed with the first block. The initial AppHash is the root of the
// log they make (of the empty log when there are none). The stored log
// must be empty.
func (a *App) InitChain(ctx context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stage != nil || a.last.Height != 0 || a.last.Size != 0 {
		return nil, fmt.Errorf("ledger/cometbft: InitChain on a log of %d records at height %d", a.last.Size, a.last.Height)
	}
	srs, _, err := parseGenesisAppState(req.AppStateBytes)
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
	a.setValidators(vals)
	a.genesisVals = vals
	root := ledger.EmptyRoot()
	if len(srs) > 0 {
		st, err := a.store.Stage(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := st.Apply(srs); err != nil {
			st.Abort()
			return nil, fmt.Errorf("ledger/cometbft: genesis records: %w", err)
		}
		if root, err = st.Root(); err != nil {
			st.Abort()
			return nil, err
		}
		a.stage = st
	}
	return &abci.InitChainResponse{AppHash: root[:]}, nil
}

// CheckTx implements abci.Application: it decodes the transaction,
// verifying its signatures (once: the records are remembered for
// FinalizeBlock and for rechecks), and checks its records against the
// current state (the last committed block, or the block being finalized)
// without applying them, and their times against the node's clock. It is
// safe to call concurrently with itself and with the consensus calls.
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	err := a.check(req.Tx)
	if req.Type == abci.CHECK_TX_TYPE_RECHECK && err != nil {
		// A transaction that no longer fits the state leaves the mempool
		// without reaching a block: tell whoever waits for it.
		a.notify(sha256.Sum256(req.Tx), outcome{code: codeOf(err), space: Codespace, log: err.Error()})
	}
	if err != nil {
		return &abci.CheckTxResponse{Code: codeOf(err), Codespace: Codespace, Log: err.Error()}, nil
	}
	return &abci.CheckTxResponse{Code: CodeOK}, nil
}

func (a *App) check(tx []byte) error {
	h := sha256.Sum256(tx)
	vrs, ok := a.checked.get(h)
	if !ok {
		var err error
		if vrs, err = decodeTx(tx); err != nil {
			return err
		}
		a.checked.put(h, vrs)
	}
	srs := signedRecords(vrs)
	if err := a.checkTimes(srs, a.clock(), "the node clock"); err != nil {
		return err
	}
	st := a.store.State() // synchronizes its own reads and writes
	if _, _, err := applyValidatorChanges(st, a.validators(), srs); err != nil {
		return err
	}
	return st.CheckVerified(vrs)
}

func signedRecords(vrs []*ledger.VerifiedRecord) []*ledger.SignedRecord {
	srs := make([]*ledger.SignedRecord, len(vrs))
	for i, v := range vrs {
		srs[i] = v.SignedRecord()
	}
	return srs
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
// in block order through the state machine, to a Stage of the embedded
// ledger. An accepted transaction's result Data is the log index of its
// first record (8 bytes, big endian); a refused one has a non-zero code,
// the reason in Log, and changes nothing. The AppHash is the RFC 6962 root
// of the log after the block.
func (a *App) FinalizeBlock(ctx context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending != nil {
		return nil, fmt.Errorf("ledger/cometbft: FinalizeBlock %d before Commit of %d", req.Height, a.pending.height)
	}
	if req.Height != a.last.Height+1 {
		return nil, fmt.Errorf("ledger/cometbft: FinalizeBlock %d after height %d", req.Height, a.last.Height)
	}
	if a.stage == nil {
		st, err := a.store.Stage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ledger/cometbft: FinalizeBlock %d: %w", req.Height, err)
		}
		a.stage = st
	}
	b := &block{height: req.Height, outcomes: make(map[[32]byte]outcome, len(req.Txs))}
	before := a.validators()
	vals := before
	res := &abci.FinalizeBlockResponse{TxResults: make([]*abci.ExecTxResult, len(req.Txs))}
	for i, tx := range req.Txs {
		h := sha256.Sum256(tx)
		first, next, err := a.apply(h, tx, req.Time, vals)
		var o outcome
		if err != nil {
			o = outcome{code: codeOf(err), space: Codespace, log: err.Error()}
			res.TxResults[i] = &abci.ExecTxResult{Code: o.code, Codespace: Codespace, Log: o.log}
		} else {
			o.first, vals = first, next
			res.TxResults[i] = &abci.ExecTxResult{Code: CodeOK, Data: binary.BigEndian.AppendUint64(nil, first)}
		}
		// A transaction repeated in the block is refused as a duplicate
		// the second time: its submitter gets the first outcome.
		if _, ok := b.outcomes[h]; !ok {
			b.outcomes[h] = o
		}
	}
	root, err := a.stage.Root()
	if err != nil {
		return nil, err
	}
	b.root, b.size = root, a.stage.Size()
	a.setValidators(vals)
	a.pending = b
	res.AppHash = slices.Clone(root[:])
	res.ValidatorUpdates = updatesBetween(before, vals)
	return res, nil
}

// apply applies one transaction to the stage. It returns the index of
// its first record and the validator set after it.
func (a *App) apply(h [32]byte, tx []byte, blockTime time.Time, vals powers) (uint64, powers, error) {
	vrs, ok := a.checked.take(h)
	if !ok {
		var err error
		if vrs, err = decodeTx(tx); err != nil {
			return 0, nil, err
		}
	}
	srs := signedRecords(vrs)
	if err := a.checkTimes(srs, blockTime, "the block time"); err != nil {
		return 0, nil, err
	}
	next, changed, err := applyValidatorChanges(a.store.State(), vals, srs)
	if err != nil {
		return 0, nil, err
	}
	first, err := a.stage.ApplyVerified(vrs)
	if err != nil {
		return 0, nil, err
	}
	if !changed {
		next = vals
	}
	return first, next, nil
}

// Commit implements abci.Application: it makes the finalized block
// durable. A block that changed the log is committed to the embedded
// ledger in one write, with the height, root and validator set as the
// ledger's application metadata; a block that changed nothing writes
// nothing.
func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.pending
	if b == nil {
		return nil, errors.New("ledger/cometbft: Commit without FinalizeBlock")
	}
	st := a.stage
	a.pending, a.stage = nil, nil
	m := appMeta{Height: b.height, Size: b.size, Root: b.root, Validators: validatorList(a.validators())}
	var cp *ledger.Checkpoint
	if b.size != a.last.Size {
		mb, err := json.Marshal(m)
		if err != nil {
			st.Abort()
			return nil, err
		}
		if cp, err = st.Commit(mb); err != nil {
			return nil, fmt.Errorf("ledger/cometbft: commit height %d: %w", b.height, err)
		}
		if cp.Root != b.root || cp.Size != b.size {
			return nil, fmt.Errorf("ledger/cometbft: commit height %d: embedded root %s size %d, app hash %s size %d",
				b.height, cp.Root, cp.Size, b.root, b.size)
		}
		if err := a.cosign(b.size, b.root); err != nil {
			return nil, fmt.Errorf("ledger/cometbft: commit height %d: %w", b.height, err)
		}
	} else {
		st.Abort()
		var err error
		if cp, err = a.store.Checkpoint(context.Background()); err != nil {
			return nil, err
		}
	}
	a.last = m
	a.height.Store(m.Height)
	a.snaps.add(m.Height, m.Size, m.Root, false)
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
	res.Height = a.height.Load()
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
	a.waitMu.Lock()
	defer a.waitMu.Unlock()
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
		a.waitMu.Lock()
		defer a.waitMu.Unlock()
		if ws := a.waiters[h]; ws != nil {
			delete(ws, ch)
			if len(ws) == 0 {
				delete(a.waiters, h)
			}
		}
	}, nil
}

// notify delivers an outcome to the waiters of a transaction. Waiter
// channels are buffered (one outcome each).
func (a *App) notify(h [32]byte, o outcome) {
	a.waitMu.Lock()
	defer a.waitMu.Unlock()
	for w := range a.waiters[h] {
		select {
		case w <- o:
		default:
		}
	}
	delete(a.waiters, h)
}
