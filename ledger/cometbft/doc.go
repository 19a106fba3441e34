// Package cometbft is the distributed engine of the ledger: the same
// state machine as the embedded engine (ledger.State), replicated by
// CometBFT (github.com/cometbft/cometbft v1.0) so that a consortium of
// agencies runs one log across machines, each agency a validator. It
// adds no consensus of its own.
//
// # Application
//
// App is the ABCI application. A transaction is the canonical bytes of a
// ledger.SignedRecord, or a JSON array of several (a batch of at most
// MaxBatchRecords, accepted together or not at all; see EncodeTx and
// DecodeTx).
//
// One state, one check. The App keeps one state: the embedded ledger's
// (ledger.Open on Config.Dir/ledger.db), fed block by block through a
// ledger.Stage. Each record's signature is verified once per node.
//
//   - CheckTx decodes the transaction and verifies its signatures, then
//     remembers its records (ledger.VerifiedRecord, in a cache bounded to
//     32,768 records and keyed by the transaction's SHA-256), checks
//     record times against the node's clock and checks the records
//     against the current state without applying them
//     (ledger.State.CheckVerified). A recheck finds the records in the
//     cache and verifies nothing again.
//   - PrepareProposal and ProcessProposal keep CometBFT's defaults.
//   - FinalizeBlock opens a Stage and applies the transactions in block
//     order (Stage.ApplyVerified: records CheckTx remembered are not
//     verified again; others are verified once here), after checking
//     record times against the block time (deterministic, unlike a
//     node's clock). A refused transaction gets a non-zero code
//     (CodeInvalid, CodeUnauthorized, CodeDuplicate, CodeRotatedKey,
//     CodeClock) with the reason in Log, and changes nothing; an accepted
//     one has the log index of its first record as Data. The AppHash is
//     the RFC 6962 root of the log after the block — the root every
//     node's signed checkpoints carry — so validators agree on it byte
//     for byte; the state is a function of the log.
//   - Commit commits the Stage: the block's records, tree nodes, the
//     node's signed checkpoint and the application's metadata (height,
//     size, root, validator set) in one atomic write to the ledger file
//     (its data and then its header synced). A block that accepts nothing
//     writes nothing: after a restart CometBFT replays it. A crash between
//     FinalizeBlock and Commit leaves the file as it was; Info reports the
//     last committed height and root, and CometBFT replays the block.
//   - Query answers "/checkpoint", "/size" and "/record/<index>".
//
// Start runs the App with CometBFT's consensus-synchronized local client
// (proxy.NewConsensusSyncLocalClientCreator): FinalizeBlock and Commit
// are serialized, while CheckTx (mempool), Query and the snapshot calls
// run beside them and concurrently; the App synchronizes its own state
// (the ledger's State has its own lock, the App a lock per concern), so
// a block's execution does not stop the mempool from verifying new
// transactions on the other core.
//
// # Ledger on a node
//
// Ledger implements ledger.Ledger on a node started in process (Start).
// Submit and SubmitBatch put the transaction in the node's mempool and
// return once the block holding it is committed on this node; refusals
// wrap ledger.ErrInvalidRecord or ledger.ErrUnauthorized (and the finer
// ErrDuplicate, ErrRotatedKey, ErrClock) so callers use errors.Is as with
// the embedded engine; Find tells a submitter that lost an answer whether
// its records were committed. Record, Checkpoint, InclusionProof,
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
// # State sync
//
// A node offers the log as a state-sync snapshot every
// Config.SnapshotInterval heights (DefaultSnapshotInterval): snapshot H is
// the log after block H, its metadata the size and root, chunk i the
// canonical bytes of records [512i, 512i+512). The log is append-only, so
// offering one costs nothing: chunks are read from the ledger file when
// asked for (the latest 4 are listed, chunks are served for the latest
// 256). A joining node with CometBFT's state sync on accepts a snapshot
// only if its root is the AppHash the light client verified for its
// height (OfferSnapshot), applies the chunks through the state machine —
// each record's signature verified once, validator records tracked as
// FinalizeBlock does (Start gives the App the genesis validator set) —
// and commits the restored log only if its root is that AppHash; a chunk
// that does not decode is fetched again from another peer, and records
// that do not make the root refuse the whole snapshot, leaving nothing
// behind. The node then holds the whole log: records from before the
// snapshot are served with inclusion proofs like any other, and it
// follows new blocks. civicproofd join --statesync-rpc finds the header
// to trust from the checkpoint the validators cosigned (see
// cmd/civicproofd).
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
// CometBFT's default timeouts suit validators spread over a wide-area
// network; TuneLowLatency sets the options for nodes on one host or rack
// (civicproofd testnet --profile lowlatency).
//
// # Throughput
//
// BenchmarkNetwork runs four validators in process over loopback TCP
// (TuneLowLatency, real fsync) with 64 concurrent SubmitBatch callers
// sending batches of 32 consent receipts:
//
//	go test -run '^$' -bench BenchmarkNetwork -benchtime 20000x ./ledger/cometbft
//
// On the project's 2-core machine, shared with other builds, two runs
// each of the new and the previous design (a working copy of the state
// beside the embedded ledger, records verified about seven times per
// node, CheckTx serialized with block execution), back to back:
//
// With the machine otherwise idle (load average 0.7–1.2), three runs of
// this design committed 2,408, 2,613 and 2,646 records/s, p50 750, 672
// and 667 ms, p99 1.38, 1.46 and 1.40 s. Under load:
//
//	load average   this design                  previous design
//	 8–10          1,114 records/s, p50 1.7 s,   227 records/s, p50 8.8 s,
//	               p99 2.9 s                     p99 17.8 s
//	12–14            466 records/s, p50 4.1 s,   138 records/s, p50 14.0 s,
//	               p99 6.8 s                     p99 26.3 s
//
// The process was starved of CPU (it got 0.3 to 0.55 of one core): the
// work per record (four nodes together) fell from 2.6 ms of CPU to
// 0.91–0.97 ms, and Ed25519 checks of record signatures from 50 % of
// the CPU to 25 % (one check per record per node). What is left, per
// CPU profile: decoding and verifying each record in CheckTx (about 40 %
// of the CPU: 25 % Ed25519, 9 % canonical re-encoding, 7 % strict JSON
// decoding), P2P receive and gossip, the consensus' block execution
// (FinalizeBlock and Commit together under 6 %, fsync 2 %), GC. At
// 0.91 ms of CPU per record, two idle cores would carry about 2,200
// records/s; the target (2,000 records/s at p99 ≤ 2 s) was not reached
// on the shared machine.
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
//   - A restore holds the restored log's records in memory until its
//     last chunk (one Stage), and verifies every record's signature and
//     replays it through the state machine: it avoids replaying the
//     chain (blocks, commits, consensus) but not the log. A snapshot of
//     the derived state itself (the embedded ledger's .snap) is not
//     shipped, and chunks are checked only by the final root, not one by
//     one.
//   - The embedded ledger's file commit syncs twice (data, then header):
//     one commit per block, two fsyncs.
package cometbft
