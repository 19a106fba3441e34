// Command civicproofd runs and maintains a node of a civicproof
// consortium: the ledger's state machine as a CometBFT application, with
// a read API over HTTP, and checks and mends ledger files.
//
//	civicproofd verify  -ledger FILE          check a ledger file without changing it
//	civicproofd repair  -ledger FILE ...      mend a damaged ledger file
//
//	civicproofd init    --home DIR            a founding node: keys, genesis with the governance record
//	civicproofd testnet --v 4 --o DIR         homes for a local network of validators
//	civicproofd start   --home DIR            run the node (CometBFT + the app + the HTTP API)
//	civicproofd join    --home DIR --genesis FILE --peers ID@HOST:PORT,...
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
// # Not yet
//
// No state-sync snapshots: join block-syncs the chain from genesis.
package main
