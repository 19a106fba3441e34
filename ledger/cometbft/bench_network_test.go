package cometbft

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

var (
	benchNodes      = flag.Int("cometbft.nodes", 4, "BenchmarkNetwork: validators")
	benchSubmitters = flag.Int("cometbft.submitters", 64, "BenchmarkNetwork: concurrent submitters")
	benchBatch      = flag.Int("cometbft.batch", 32, "BenchmarkNetwork: records per SubmitBatch (1: Submit)")
	benchProfile    = flag.String("cometbft.profile", "lowlatency", "BenchmarkNetwork: node configuration, lowlatency (TuneLowLatency) or test (the tests' timeouts)")
)

// loopbackNet is a network of validators started in process, connected
// over loopback TCP.
type loopbackNet struct {
	nodes []*Ledger
	cfgs  []*cmtcfg.Config
	ids   []string
	ports []int
	vkeys []ed25519.PrivateKey
	gen   *types.GenesisDoc
}

// loopbackPorts returns n loopback TCP ports that were free a moment ago.
func loopbackPorts(tb testing.TB, n int) []int {
	tb.Helper()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// startLoopbackNet starts n validators; tune adjusts each node's
// configuration (nil: the tests' timeouts) and appTune its application's
// (may be nil). The nodes stop at the end of the test.
func startLoopbackNet(tb testing.TB, n int, tune func(i int, cfg *cmtcfg.Config), appTune func(i int, c *Config)) *loopbackNet {
	tb.Helper()
	ctx := context.Background()
	ln := &loopbackNet{ports: loopbackPorts(tb, n), nodes: make([]*Ledger, n)}
	var vals []types.GenesisValidator
	for i := range n {
		home := tb.TempDir()
		cfg := nodeConfig(home)
		cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ln.ports[i])
		cfg.P2P.AllowDuplicateIP = true
		cfg.P2P.AddrBookStrict = false
		// A transaction gossiped while a peer is still syncing is dropped
		// by that peer; with create_empty_blocks off, rounds would then
		// wait for transactions only the submitting node has.
		cfg.Consensus.CreateEmptyBlocks = true
		if tune != nil {
			tune(i, cfg)
		}
		cmtcfg.EnsureRoot(home)
		pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
		if err != nil {
			tb.Fatal(err)
		}
		pub, _ := pv.GetPubKey()
		ln.vkeys = append(ln.vkeys, ed25519.PrivateKey(pv.Key.PrivKey.Bytes()))
		vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprint("v", i)})
		nk, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
		if err != nil {
			tb.Fatal(err)
		}
		ln.ids = append(ln.ids, string(nk.ID()))
		ln.cfgs = append(ln.cfgs, cfg)
	}
	ln.gen = &types.GenesisDoc{
		ChainID: "civicproof-net", GenesisTime: time.Now().Add(-time.Second),
		ConsensusParams: types.DefaultConsensusParams(), Validators: vals,
	}
	tb.Cleanup(func() {
		for _, l := range ln.nodes {
			if l != nil {
				l.Close()
			}
		}
	})
	for i, cfg := range ln.cfgs {
		cfg.P2P.PersistentPeers = strings.Join(ln.peers(i), ",")
		if err := ln.gen.SaveAs(cfg.GenesisFile()); err != nil {
			tb.Fatal(err)
		}
		// Each node signs its checkpoints with its own key and cosigns
		// them with its validator key.
		ac := Config{Dir: filepath.Join(cfg.RootDir, "ledger"), Key: testKey(tb, 0x40+byte(i)), ValidatorKey: ln.vkeys[i]}
		if appTune != nil {
			appTune(i, &ac)
		}
		app, err := NewApp(ac)
		if err != nil {
			tb.Fatal(err)
		}
		if ln.nodes[i], err = Start(ctx, cfg, app, nil); err != nil {
			app.Close()
			tb.Fatal(err)
		}
	}
	// Wait until every node has left block sync and commits blocks.
	deadline := time.Now().Add(60 * time.Second)
	for i, l := range ln.nodes {
		for l.Node().BlockStore().Height() < 2 {
			if time.Now().After(deadline) {
				tb.Fatalf("node %d commits no blocks", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return ln
}

// peers returns the persistent peers of node i (all the others).
func (ln *loopbackNet) peers(i int) []string {
	var peers []string
	for j := range ln.ports {
		if j != i {
			peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", ln.ids[j], ln.ports[j]))
		}
	}
	return peers
}

// waitFor waits until l's log holds at least size records.
func waitFor(ctx context.Context, tb testing.TB, l *Ledger, size uint64) *ledger.Checkpoint {
	tb.Helper()
	for {
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if cp.Size >= size {
			return cp
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("log stuck at %d records, want %d", cp.Size, size)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// BenchmarkNetwork measures the throughput of four validators (in
// process, over loopback TCP, real fsync) end to end: concurrent
// submitters send b.N distinct records (consent receipts, signed before
// the timer starts) in batches of -cometbft.batch records through
// Ledger.SubmitBatch, spread over the nodes, and each call waits until
// its block is committed on the node it used. It reports committed
// records/s and the commit latency of a call (p50, p99). Run it with a
// fixed count, e.g.
//
//	go test -run '^$' -bench BenchmarkNetwork -benchtime 40000x ./ledger/cometbft
func BenchmarkNetwork(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	w := newWorld(b)
	var tune func(int, *cmtcfg.Config)
	switch *benchProfile {
	case "lowlatency":
		tune = func(_ int, cfg *cmtcfg.Config) { TuneLowLatency(cfg) }
	case "test":
	default:
		b.Fatalf("unknown profile %q", *benchProfile)
	}
	ln := startLoopbackNet(b, *benchNodes, tune, nil)
	setup := w.setupRecords(b)[:6]
	submitAll(b, ln.nodes[0], setup)
	for _, l := range ln.nodes {
		waitFor(ctx, b, l, uint64(len(setup)))
	}
	// Receipts of many citizens, as in a real log (the state keeps each
	// citizen's grants in one list).
	citizens := make([]*identity.PrivateKey, 256)
	for i := range citizens {
		seed := make([]byte, 32)
		copy(seed, "civicproof bench citizen")
		seed[31] = byte(i)
		k, err := identity.NewKeyFromSeed(seed)
		if err != nil {
			b.Fatal(err)
		}
		citizens[i] = k
	}
	recs := make([]*ledger.SignedRecord, b.N)
	for i := range recs {
		c := citizens[i%len(citizens)]
		id := ledger.HashBytes(binary.BigEndian.AppendUint64([]byte("bench"), uint64(i)))
		recs[i] = w.sign(b, c, 6, &ledger.ConsentReceipt{Grant: ledger.GrantID(c.DID(), id), Content: id, Agency: w.verifier.DID(), Receipt: id})
	}
	var batches [][]*ledger.SignedRecord
	for i := 0; i < len(recs); i += *benchBatch {
		batches = append(batches, recs[i:min(i+*benchBatch, len(recs))])
	}
	jobs := make(chan int)
	var mu sync.Mutex
	var lats []time.Duration
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range *benchSubmitters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				l := ln.nodes[j%len(ln.nodes)]
				t := time.Now()
				_, err := l.SubmitBatch(ctx, batches[j])
				d := time.Since(t)
				if err != nil {
					b.Errorf("batch %d: %v", j, err)
					continue
				}
				mu.Lock()
				lats = append(lats, d)
				mu.Unlock()
			}
		}()
	}
	for j := range batches {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	want := uint64(len(setup) + b.N)
	root := waitFor(ctx, b, ln.nodes[0], want).Root
	for i, l := range ln.nodes {
		if cp := waitFor(ctx, b, l, want); cp.Size != want || cp.Root != root {
			b.Fatalf("node %d: size %d root %s, node 0: %d %s", i, cp.Size, cp.Root, want, root)
		}
	}
	slices.Sort(lats)
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(ln.nodes[0].Node().BlockStore().Height()), "blocks")
}
