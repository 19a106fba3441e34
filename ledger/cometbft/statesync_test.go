package cometbft

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/civicproof/civicproof/ledger"
)

// TestStateSync: a fresh node joins a running network from a snapshot of
// the log (CometBFT state sync with the App's snapshots) instead of
// replaying the chain: its block store starts at the snapshot, its log
// and state equal the validators', records from before the snapshot are
// served with inclusion proofs, and it follows the blocks after it.
func TestStateSync(t *testing.T) {
	if testing.Short() {
		t.Skip("state sync waits for snapshot discovery (5 s at least)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	w := newWorld(t)
	rpc := loopbackPorts(t, 2)
	ln := startLoopbackNet(t, 2, func(i int, cfg *cmtcfg.Config) {
		cfg.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", rpc[i])
	}, func(_ int, c *Config) { c.SnapshotInterval = 5 })
	setup := w.setupRecords(t)
	for i, sr := range setup {
		if _, err := ln.nodes[0].Submit(ctx, sr); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	// Wait for a snapshot that holds every setup record.
	for {
		ss, _ := ln.nodes[1].App().ListSnapshots(ctx, nil)
		if n := len(ss.Snapshots); n > 0 {
			var m snapshotMeta
			if err := json.Unmarshal(ss.Snapshots[n-1].Metadata, &m); err != nil {
				t.Fatal(err)
			}
			if m.Size == uint64(len(setup)) {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatal("no snapshot offered")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The joining node trusts a header of the validators' chain (here read
	// from validator 0's block store; civicproofd join checks it against
	// a cosigned checkpoint).
	trust := ln.nodes[0].Node().BlockStore().Height() - 1
	meta := ln.nodes[0].Node().BlockStore().LoadBlockMeta(trust)
	home := t.TempDir()
	cfg := nodeConfig(home)
	cmtcfg.EnsureRoot(home)
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.AddrBookStrict = false
	cfg.P2P.PersistentPeers = strings.Join(ln.peers(-1), ",")
	cfg.Consensus.CreateEmptyBlocks = true
	cfg.StateSync.Enable = true
	cfg.StateSync.RPCServers = []string{fmt.Sprintf("127.0.0.1:%d", rpc[0]), fmt.Sprintf("127.0.0.1:%d", rpc[1])}
	cfg.StateSync.TrustHeight = trust
	cfg.StateSync.TrustHash = hex.EncodeToString(meta.BlockID.Hash)
	cfg.StateSync.TrustPeriod = time.Hour
	cfg.StateSync.DiscoveryTime = 5 * time.Second
	if err := ln.gen.SaveAs(cfg.GenesisFile()); err != nil {
		t.Fatal(err)
	}
	app, err := NewApp(Config{Dir: filepath.Join(home, "ledger"), Key: testKey(t, 0x50)})
	if err != nil {
		t.Fatal(err)
	}
	joiner, err := Start(ctx, cfg, app, debugLogger())
	if err != nil {
		app.Close()
		t.Fatal(err)
	}
	defer joiner.Close()
	cp := waitFor(ctx, t, joiner, uint64(len(setup)))
	if cp, err = joiner.Verifier().ParseCheckpoint(cp.Note); err != nil {
		t.Fatal(err)
	}
	for i, sr := range setup {
		b, _ := sr.Bytes()
		p, err := joiner.InclusionProof(ctx, uint64(i), cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(cp, uint64(i), b, p); err != nil {
			t.Fatalf("record %d restored from the snapshot: %v", i, err)
		}
	}
	// It follows the blocks after the snapshot.
	more := w.sign(t, w.issuer, 7, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1})
	if _, err := ln.nodes[1].Submit(ctx, more); err != nil {
		t.Fatal(err)
	}
	want := waitFor(ctx, t, ln.nodes[0], uint64(len(setup)+1))
	got := waitFor(ctx, t, joiner, want.Size)
	if got.Size != want.Size || got.Root != want.Root {
		t.Fatalf("joined node at size %d root %s, validators at %d %s", got.Size, got.Root, want.Size, want.Root)
	}
	if digest(t, joiner.State()) != digest(t, ln.nodes[0].State()) {
		t.Fatal("the joined node's state differs from the validators'")
	}
	bs := joiner.Node().BlockStore()
	if bs.LoadBlockMeta(1) != nil || bs.Base() <= 1 {
		t.Fatalf("the joined node's block store holds blocks %d to %d: it replayed the chain", bs.Base(), bs.Height())
	}
}

// TestSnapshotRestore drives the snapshot calls directly: a snapshot is
// accepted only for the app hash the light client verified, a chunk that
// does not decode is fetched again, records that do not make the
// snapshot's root are refused with the whole snapshot, and a good
// snapshot restores the log, the state and the height.
func TestSnapshotRestore(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	src := newApp(t, w, t.TempDir())
	defer src.Close()
	src.snaps.interval = 1
	setup := w.setupRecords(t)
	var txs [][]byte
	for _, sr := range setup {
		txs = append(txs, mustTx(t, sr))
	}
	finalize(t, src, 1, w.t0, txs...)
	if _, err := src.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	ls, _ := src.ListSnapshots(ctx, &abci.ListSnapshotsRequest{})
	if len(ls.Snapshots) != 1 {
		t.Fatalf("%d snapshots offered", len(ls.Snapshots))
	}
	snap := ls.Snapshots[0]
	chunk, _ := src.LoadSnapshotChunk(ctx, &abci.LoadSnapshotChunkRequest{Height: snap.Height, Format: snap.Format, Chunk: 0})
	root := src.last.Root

	// Another log of as many records: the same chunk shape, another root.
	other := newApp(t, w, t.TempDir())
	defer other.Close()
	var otxs [][]byte
	for _, sr := range setup[:6] {
		otxs = append(otxs, mustTx(t, sr))
	}
	otxs = append(otxs, mustTx(t, w.sign(t, w.issuer, 7, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1})))
	finalize(t, other, 1, w.t0, otxs...)
	if _, err := other.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	other.snaps.add(1, other.last.Size, other.last.Root, true)
	otherChunk, _ := other.LoadSnapshotChunk(ctx, &abci.LoadSnapshotChunkRequest{Height: 1, Format: snapshotFormat, Chunk: 0})

	dst := newApp(t, w, t.TempDir())
	defer dst.Close()
	offer := func(appHash []byte) abci.OfferSnapshotResult {
		res, err := dst.OfferSnapshot(ctx, &abci.OfferSnapshotRequest{Snapshot: snap, AppHash: appHash})
		if err != nil {
			t.Fatal(err)
		}
		return res.Result
	}
	apply := func(c []byte) abci.ApplySnapshotChunkResult {
		res, err := dst.ApplySnapshotChunk(ctx, &abci.ApplySnapshotChunkRequest{Index: 0, Chunk: c, Sender: "peer"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Result
	}
	wrong := h(0x99)
	if r := offer(wrong[:]); r != abci.OFFER_SNAPSHOT_RESULT_REJECT {
		t.Fatalf("snapshot for another app hash: %v", r)
	}
	if r := offer(root[:]); r != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		t.Fatalf("good snapshot: %v", r)
	}
	if r := apply(chunk.Chunk[:len(chunk.Chunk)-3]); r != abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY {
		t.Fatalf("cut chunk: %v", r)
	}
	if r := apply(otherChunk.Chunk); r != abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT {
		t.Fatalf("chunk of another log: %v", r)
	}
	if cp, _ := dst.Store().Checkpoint(ctx); cp.Size != 0 || dst.Store().State().Size() != 0 {
		t.Fatal("a refused snapshot left records behind")
	}
	if r := offer(root[:]); r != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		t.Fatalf("good snapshot again: %v", r)
	}
	if r := apply(chunk.Chunk); r != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT {
		t.Fatalf("good chunk: %v", r)
	}
	info, _ := dst.Info(ctx, &abci.InfoRequest{})
	if info.LastBlockHeight != 1 || string(info.LastBlockAppHash) != string(root[:]) {
		t.Fatalf("info after restore: %+v", info)
	}
	if digest(t, dst.Store().State()) != digest(t, src.Store().State()) {
		t.Fatal("restored state differs")
	}
}
