// Package cometbft is the distributed engine of the ledger: the same
// state machine as the embedded engine (ledger.State), replicated by
// CometBFT (github.com/cometbft/cometbft v1.0) so that a consortium of
// agencies runs one log across machines, each agency a validator. It
// adds no consensus of its own.
//
// # Application
//
// App is the ABCI application. A transaction is the canonical bytes of a
// ledger.SignedRecord, or a JSON array of several (a batch, accepted
// together or not at all; see EncodeTx and DecodeTx).
//
//   - CheckTx decodes the transaction, verifies its signatures, checks
//     record times against the node's clock and checks the records against
//     the current state without applying them (ledger.State.CheckBatch).
//   - PrepareProposal and ProcessProposal keep CometBFT's defaults.
//   - FinalizeBlock applies the transactions in block order to a working
//     copy of the state with ledger.State.ApplyBatch, after checking record
//     times against the block time (deterministic, unlike a node's clock).
//     A refused transaction gets a non-zero code (CodeInvalid,
//     CodeUnauthorized, CodeDuplicate, CodeRotatedKey, CodeClock) with the
//     reason in Log, and changes nothing; an accepted one has the log index
//     of its first record as Data. The AppHash is the RFC 6962 root of the
//     log after the block — the root every node's signed checkpoints carry
//     — so validators agree on it byte for byte; the state is a function
//     of the log.
//   - Commit appends the block's accepted records to an embedded ledger
//     (ledger.Open on Config.Dir/ledger.db), which applies them again
//     through the same state machine, checks that its root equals the
//     AppHash, and signs a checkpoint with the node's own key. Before that
//     it writes commit.json (height, size, root and the block's records),
//     so that a crash between the two is completed on restart; Info
//     reports the last committed height and root, and CometBFT replays
//     later blocks.
//   - Query answers "/checkpoint", "/size" and "/record/<index>".
//
// # Ledger on a node
//
// Ledger implements ledger.Ledger on a node started in process (Start).
// Submit and SubmitBatch put the transaction in the node's mempool and
// return once the block holding it is committed on this node; refusals
// wrap ledger.ErrInvalidRecord or ledger.ErrUnauthorized (and the finer
// ErrDuplicate, ErrRotatedKey, ErrClock) so callers use errors.Is as with
// the embedded engine. Record, Checkpoint, InclusionProof,
// ConsistencyProof, State and Subscribe read the node's own copy of the
// log, so a client verifies them with ledger.Verifier and the node's
// checkpoint key exactly as for the embedded engine.
//
// # Trust no single node: cosigned checkpoints
//
// Besides its own checkpoint key, a validator node (Config.ValidatorKey)
// cosigns the checkpoint of every block that changed the log with its
// CometBFT validator key, as a C2SP signed note over the same
// tlog-checkpoint body every node computes (App.Cosignature). A client
// configured with the consortium's validator set (ValidatorSet, e.g.
// ValidatorSetFromGenesis) gathers the validators' cosignatures of one
// size from several nodes (MergeCheckpoints, or Client.Checkpoint over
// the HTTP API) and accepts the checkpoint only when validators holding
// more than 2/3 of the voting power signed it (VerifyCheckpoint:
// ErrInsufficientPower, ErrBadCosignature). Records then verify by
// inclusion proofs under that checkpoint (Client.Record), whichever node
// served them; a grant's state answer is checked against its receipt
// record (Client.Grant). This is the threshold CometBFT itself needs for
// a commit: a forged checkpoint needs more than 1/3 of the power to be
// Byzantine, which the consensus already excludes.
//
// # Genesis and HTTP API
//
// The genesis file's app_state holds the log's first records
// (GenesisAppState: the governance record founding the consortium);
// InitChain applies them and they are written with the first block.
// NewHandler serves a node's HTTP API (submit, checkpoints,
// cosignatures, records, inclusion and consistency proofs, agency and
// grant state); cmd/civicproofd runs it beside the node.
//
// # Running a node
//
// Create a CometBFT home as usual (cometbft init, or config.EnsureRoot
// with a validator key and a genesis file shared by the consortium; the
// genesis app_hash may stay empty: InitChain returns the root of the empty
// log). Then, in the agency's process:
//
//	cfg := config.DefaultConfig()
//	cfg.SetRoot(home) // and load home/config/config.toml, e.g. with viper
//	app, err := cometbft.NewApp(cometbft.Config{Dir: filepath.Join(home, "ledger"), Key: checkpointKey, Origin: "ledger.example.gov/civicproof"})
//	l, err := cometbft.Start(ctx, cfg, app, logger)
//	defer l.Close()
//
// The Example runs a single validator in a temporary directory; the tests
// also run four validators over loopback TCP. Keep create_empty_blocks on
// (the default) in a network: a transaction gossiped while a peer is still
// block-syncing is dropped by that peer, and with empty blocks off the
// rounds could wait for transactions only the submitting node holds. To
// stop and restart a node in the same process, set tx_index.indexer to
// "null": CometBFT's kv indexer keeps its database open after Stop.
//
// # Not covered
//
//   - A node keeps the cosignatures of its latest 4096 checkpoints in
//     memory (plus, after a restart, the checkpoint it restarted at and
//     those it commits since); older sizes cannot be cosigned again.
//   - Validator-set changes are governance records (ValidatorShape,
//     ValidatorRecord) that FinalizeBlock turns into CometBFT validator
//     updates; but a ValidatorSet is given by the client and does not
//     follow them: a client re-reads the set after a change.
//   - A state answer is proven by the records it names; the absence of a
//     later record (a withdrawal a node hides) is not.
//   - CheckTx runs against the receiving node's state: a record that
//     depends on one just committed through another node may be refused by
//     a node that has not caught up yet. Submit to one node, or retry.
//   - A transaction dropped from the mempool for a reason other than a
//     failed recheck (full mempool, eviction) leaves Submit waiting until
//     its context ends; an error from the context means the outcome is
//     unknown, and the record may still be committed later.
//   - No state sync snapshots (ListSnapshots etc. keep the defaults): a new
//     node replays the chain from genesis (civicproofd join block-syncs).
//   - Memory: the working state and the embedded ledger's state are two
//     copies of the state.
package cometbft
