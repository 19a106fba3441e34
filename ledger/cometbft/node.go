package cometbft

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/mempool"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/types"

	"github.com/civicproof/civicproof/ledger"
)

// Ledger is the ledger.Ledger of one CometBFT node running App in
// process. Submissions go through the node's mempool and return once the
// block holding them is committed on this node; reads, proofs and
// checkpoints come from the node's own copy of the log.
type Ledger struct {
	app  *App
	node *node.Node

	mu     sync.Mutex
	closed bool
}

var _ ledger.Ledger = (*Ledger)(nil)

// Start creates and starts a node for app with the CometBFT configuration
// cfg (home directory, genesis file, validator key, node key, network
// addresses and timeouts; see config.Config). A missing validator key or
// node key is generated. logger may be nil. Close stops the node and
// closes app; if Start fails, app stays open for the caller to close.
func Start(ctx context.Context, cfg *cmtcfg.Config, app *App, logger log.Logger) (*Ledger, error) {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
	if err != nil {
		return nil, fmt.Errorf("ledger/cometbft: validator key: %w", err)
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("ledger/cometbft: node key: %w", err)
	}
	gen, err := types.GenesisDocFromFile(cfg.GenesisFile())
	if err != nil {
		return nil, fmt.Errorf("ledger/cometbft: genesis: %w", err)
	}
	var vals []Validator
	for _, v := range gen.Validators {
		if pk, ok := v.PubKey.(cmted25519.PubKey); ok {
			vals = append(vals, Validator{Key: ed25519.PublicKey(pk), Power: v.Power})
		}
	}
	app.SetGenesisValidators(vals)
	// The consensus connection is serialized; CheckTx, queries and
	// snapshot calls run beside it and concurrently (the App synchronizes
	// its own state), so a block's execution does not stop the mempool
	// from verifying new transactions.
	n, err := node.NewNode(ctx, cfg, pv, nodeKey,
		proxy.NewConsensusSyncLocalClientCreator(app),
		node.DefaultGenesisDocProviderFunc(cfg),
		guardedDBProvider,
		node.DefaultMetricsProvider(cfg.Instrumentation),
		logger)
	if err != nil {
		return nil, fmt.Errorf("ledger/cometbft: create node: %w", err)
	}
	if err := n.Start(); err != nil {
		return nil, fmt.Errorf("ledger/cometbft: start node: %w", err)
	}
	return &Ledger{app: app, node: n}, nil
}

// Node returns the running CometBFT node.
func (l *Ledger) Node() *node.Node { return l.node }

// App returns the node's application.
func (l *Ledger) App() *App { return l.app }

// Verifier returns the verifier of this node's checkpoints.
func (l *Ledger) Verifier() *ledger.Verifier { return l.app.store.Verifier() }

// Submit implements ledger.Ledger.
func (l *Ledger) Submit(ctx context.Context, sr *ledger.SignedRecord) (ledger.Receipt, error) {
	rs, err := l.SubmitBatch(ctx, []*ledger.SignedRecord{sr})
	if err != nil {
		return ledger.Receipt{}, err
	}
	return rs[0], nil
}

// SubmitBatch implements ledger.Ledger: the records travel as one
// transaction (EncodeTx), so they are accepted together at consecutive
// indices or not at all. Refusals by CheckTx or FinalizeBlock wrap
// ledger.ErrInvalidRecord or ledger.ErrUnauthorized (and ErrDuplicate,
// ErrRotatedKey or ErrClock where they apply). If ctx ends first the
// error is ctx's and the transaction may still be committed later.
func (l *Ledger) SubmitBatch(ctx context.Context, srs []*ledger.SignedRecord) ([]ledger.Receipt, error) {
	// The node's CheckTx verifies the signatures (once); a bad one is
	// refused there with ledger.ErrInvalidRecord.
	tx, bs, err := encodeTx(srs, false)
	if err != nil {
		return nil, err
	}
	receipts := make([]ledger.Receipt, len(srs))
	for i, b := range bs {
		receipts[i].LeafHash = ledger.LeafHash(b)
	}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return nil, ledger.ErrClosed
	}
	ch := make(chan outcome, 1)
	unwait, err := l.app.wait(tx, ch)
	if err != nil {
		return nil, err
	}
	defer unwait()
	reqRes, err := l.node.Mempool().CheckTx(tx, "")
	if err != nil {
		if errors.Is(err, mempool.ErrTxInCache) {
			return nil, fmt.Errorf("ledger/cometbft: submit: %w: %w: transaction already submitted", ledger.ErrInvalidRecord, ledger.ErrDuplicate)
		}
		return nil, fmt.Errorf("ledger/cometbft: submit: %w", err)
	}
	reqRes.Wait()
	// The mempool reports a refusal both in the response and as the
	// callback's error; the response carries the code.
	if res := reqRes.Response.GetCheckTx(); res != nil {
		if err := codeError(res.Code, res.Codespace, res.Log); err != nil {
			return nil, fmt.Errorf("ledger/cometbft: submit: %w", err)
		}
	}
	if err := reqRes.Error(); err != nil {
		return nil, fmt.Errorf("ledger/cometbft: submit: %w", err)
	}
	select {
	case o, ok := <-ch:
		if !ok {
			return nil, ledger.ErrClosed
		}
		if err := codeError(o.code, o.space, o.log); err != nil {
			return nil, fmt.Errorf("ledger/cometbft: submit: %w", err)
		}
		for i := range receipts {
			receipts[i].Index = o.first + uint64(i)
			receipts[i].Checkpoint = o.cp
		}
		return receipts, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Find returns the receipts of records that are all in the committed log
// at consecutive indices, in order (as one transaction puts them), with
// this node's latest checkpoint. Errors wrap ledger.ErrNotFound when one
// is not. A submitter that lost the answer to a submission uses it to
// learn whether its records were committed.
func (l *Ledger) Find(ctx context.Context, srs []*ledger.SignedRecord) ([]ledger.Receipt, error) {
	if len(srs) == 0 {
		return nil, fmt.Errorf("%w: no records", ledger.ErrInvalidRecord)
	}
	cp, err := l.app.store.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	st := l.app.store.State()
	out := make([]ledger.Receipt, len(srs))
	for i, sr := range srs {
		lh, err := sr.LeafHash()
		if err != nil {
			return nil, err
		}
		j, err := st.RecordIndex(lh)
		switch {
		case err != nil:
			return nil, fmt.Errorf("ledger/cometbft: record %d: %w", i, err)
		case j >= cp.Size: // staged in a block not yet committed
			return nil, fmt.Errorf("ledger/cometbft: record %d: %w: not committed yet", i, ledger.ErrNotFound)
		case i > 0 && j != out[0].Index+uint64(i):
			return nil, fmt.Errorf("ledger/cometbft: record %d: %w: at index %d, not after record 0", i, ledger.ErrNotFound, j)
		}
		out[i] = ledger.Receipt{Index: j, LeafHash: lh, Checkpoint: cp}
	}
	return out, nil
}

// Record implements ledger.Ledger.
func (l *Ledger) Record(ctx context.Context, index uint64) (*ledger.SignedRecord, error) {
	return l.app.store.Record(ctx, index)
}

// Checkpoint implements ledger.Ledger: the latest checkpoint signed by
// this node.
func (l *Ledger) Checkpoint(ctx context.Context) (*ledger.Checkpoint, error) {
	return l.app.store.Checkpoint(ctx)
}

// InclusionProof implements ledger.Ledger.
func (l *Ledger) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	return l.app.store.InclusionProof(ctx, index, size)
}

// ConsistencyProof implements ledger.Ledger.
func (l *Ledger) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	return l.app.store.ConsistencyProof(ctx, from, to)
}

// State implements ledger.Ledger: the state of the committed log.
func (l *Ledger) State() *ledger.State { return l.app.store.State() }

// Subscribe implements ledger.Ledger.
func (l *Ledger) Subscribe(ctx context.Context, from uint64) (<-chan ledger.Entry, error) {
	return l.app.store.Subscribe(ctx, from)
}

// Close implements ledger.Ledger: it stops the node, then closes the
// application's files. Submissions still waiting fail with
// ledger.ErrClosed.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ledger.ErrClosed
	}
	l.closed = true
	l.mu.Unlock()
	var errs []error
	if l.node.IsRunning() {
		errs = append(errs, l.node.Stop())
		l.node.Wait()
	}
	errs = append(errs, l.app.Close())
	return errors.Join(errs...)
}

// guardedDBProvider is cmtcfg.DefaultDBProvider with databases that read
// as empty once closed. When a node with peers stops, CometBFT closes its
// block store while a consensus reactor goroutine (queryMaj23Routine) may
// still read a commit from it, which panics on a closed LevelDB or Pebble
// database. Reading nothing instead lets that goroutine see no commit and
// exit.
func guardedDBProvider(ctx *cmtcfg.DBContext) (dbm.DB, error) {
	db, err := cmtcfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	return &guardedDB{DB: db}, nil
}

type guardedDB struct {
	dbm.DB
	mu     sync.RWMutex
	closed bool
}

func (d *guardedDB) Get(key []byte) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, nil
	}
	return d.DB.Get(key)
}

func (d *guardedDB) Has(key []byte) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return false, nil
	}
	return d.DB.Has(key)
}

func (d *guardedDB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.DB.Close()
}
