package cometbft

import (
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
)

// TuneLowLatency sets the consensus, mempool and P2P options of cfg for
// throughput on a network whose nodes reach each other in well under a
// millisecond: several nodes on one host, or one rack. CometBFT's
// defaults (config.DefaultConfig) suit nodes spread over a wide-area
// network and stay right for a consortium of agencies; civicproofd
// testnet --profile loopback and BenchmarkNetwork use this instead:
//
//   - consensus: timeout_propose 500ms (a missing proposer is skipped
//     quickly), timeout_commit 50ms (a block follows the last as soon as
//     its precommits are in, with time for transactions to gather),
//     create_empty_blocks on with an interval of 1s (blocks when there
//     are transactions, an empty one a second otherwise, so that a peer
//     that missed a gossiped transaction still moves on), gossip sleeps
//     of 10ms instead of 100ms;
//   - mempool: 20,000 transactions, a cache of 100,000, no recheck.
//     Recheck is safe to turn off for this application: FinalizeBlock
//     checks every transaction against the state again, so one that a
//     block made invalid (a duplicate, a withdrawn accreditation) is
//     refused there with its code and changes nothing; it only costs
//     room in a block. With recheck on, rechecks are cheap anyway: the
//     signatures of a transaction CheckTx verified are not verified
//     again;
//   - P2P: send and receive rates of 50 MB/s (default 5 MB/s), so that
//     gossiping transactions and block parts to every peer is not
//     throttled.
//
// The block size stays the genesis consensus parameter (4 MiB by
// default: about 7,000 records).
func TuneLowLatency(cfg *cmtcfg.Config) {
	c := cfg.Consensus
	c.TimeoutPropose = 500 * time.Millisecond
	c.TimeoutProposeDelta = 100 * time.Millisecond
	c.TimeoutPrevote = 100 * time.Millisecond
	c.TimeoutPrevoteDelta = 50 * time.Millisecond
	c.TimeoutPrecommit = 100 * time.Millisecond
	c.TimeoutPrecommitDelta = 50 * time.Millisecond
	c.TimeoutCommit = 50 * time.Millisecond
	c.CreateEmptyBlocks = true
	c.CreateEmptyBlocksInterval = time.Second
	c.PeerGossipSleepDuration = 10 * time.Millisecond
	c.PeerQueryMaj23SleepDuration = 500 * time.Millisecond
	m := cfg.Mempool
	m.Size = 20000
	m.CacheSize = 100000
	m.Recheck = false
	p := cfg.P2P
	p.SendRate = 50 << 20
	p.RecvRate = 50 << 20
}
