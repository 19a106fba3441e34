// Command civicproofd runs and maintains a node of a civicproof
// consortium: the ledger's state machine as a CometBFT application, with
// a read API over HTTP, and checks and mends ledger files.
//
//	civicproofd verify  -ledger FILE          check a ledger file without changing it
//	civicproofd repair  -ledger FILE ...      mend a damaged ledger file
//
//	civicproofd init    --home DIR            a founding node: keys, genesis with the governance record
//	civicproofd testnet --v 4 --o DIR         homes for a local network of validators
//	                    [--profile lowlatency|default] [--snapshot-interval N]
//	civicproofd start   --home DIR            run the node (CometBFT + the app + the HTTP API)
//	civicproofd join    --home DIR --genesis FILE --peers ID@HOST:PORT,...
//	                    [--statesync-rpc HOST:PORT,HOST:PORT --trust-api URL,...]
//	                                          a non-validator node that syncs from peers
//
// A home directory follows CometBFT's layout (config/config.toml,
// config/genesis.json, config/node_key.json,
// config/priv_validator_key.json, data/) plus config/civicproofd.toml
// (the API address and the checkpoint origin), config/ledger_key.json
// (the key signing this node's own checkpoints) and ledger/ (the
// application's files).
//
// # Trust and faults
//
// Validators cosign every checkpoint with their CometBFT key; a client
// holding the genesis validator set (ledger/cometbft.Client) accepts a
// checkpoint only when more than 2/3 of the voting power cosigned it,
// and records only with inclusion proofs under it, whichever node
// answered. TestConsortium builds this binary, starts four validators on
// loopback, kills one with SIGKILL under load, restarts it, and checks
// that every acknowledged record is in the log and that the four agree;
// -consortium.load=D runs it as a load test (records/s, commit latency).
//
// # Profiles
//
// init keeps CometBFT's defaults (timeouts for validators across a
// wide-area network, mempool recheck on). testnet uses the lowlatency
// profile (ledger/cometbft.TuneLowLatency) for nodes on one host:
// timeout_commit 50ms, timeout_propose 500ms, an empty block a second
// when idle, mempool recheck off (FinalizeBlock checks every transaction
// again), P2P rates of 50 MB/s. Each node offers a state-sync snapshot
// every snapshot_interval heights (config/civicproofd.toml; testnet: 10,
// otherwise 100).
//
// # Joining by state sync
//
// join --statesync-rpc (the CometBFT RPC addresses of two nodes) turns on
// CometBFT's state sync: the node restores the log from a peer's
// snapshot instead of replaying the chain. The header it trusts comes
// from --trust-api (nodes' HTTP APIs): the latest checkpoint that
// validators holding more than 2/3 of the genesis voting power cosigned,
// then, walking down from the latest height over RPC, a header whose app
// hash is that checkpoint's root and whose commit more than 2/3 of the
// genesis power signed. If the validator set has changed by more than
// 1/3 since genesis, give --trust-height and --trust-hash instead (from a
// source you trust). The light client then verifies the snapshot's
// height, and the restored log's root must be its app hash.
package main
