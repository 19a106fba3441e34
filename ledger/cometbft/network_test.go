package cometbft

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/civicproof/civicproof/ledger"
)

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
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
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// TestNetwork runs four validators in process, connected over loopback
// TCP. Records submitted through different nodes reach every node in the
// same order: the same root, the same state, checkpoints signed by each
// node's own key.
func TestNetwork(t *testing.T) {
	const n = 4
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newWorld(t)
	ports := freePorts(t, n)
	cfgs := make([]*cmtcfg.Config, n)
	ids := make([]string, n)
	var vals []types.GenesisValidator
	var vkeys []ed25519.PrivateKey
	for i := range cfgs {
		home := t.TempDir()
		cfg := nodeConfig(home)
		cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports[i])
		cfg.P2P.AllowDuplicateIP = true
		cfg.P2P.AddrBookStrict = false
		// A transaction gossiped while a peer is still syncing is dropped
		// by that peer; with create_empty_blocks off, rounds would then
		// wait for transactions only the submitting node has.
		cfg.Consensus.CreateEmptyBlocks = true
		cmtcfg.EnsureRoot(home)
		pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := pv.GetPubKey()
		vkeys = append(vkeys, ed25519.PrivateKey(pv.Key.PrivKey.Bytes()))
		vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprint("v", i)})
		nk, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = string(nk.ID())
		cfgs[i] = cfg
	}
	gen := types.GenesisDoc{
		ChainID: "civicproof-net", GenesisTime: time.Now().Add(-time.Second),
		ConsensusParams: types.DefaultConsensusParams(), Validators: vals,
	}
	nodes := make([]*Ledger, n)
	defer func() {
		for _, l := range nodes {
			if l != nil {
				l.Close()
			}
		}
	}()
	for i, cfg := range cfgs {
		var peers []string
		for j := range cfgs {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", ids[j], ports[j]))
			}
		}
		cfg.P2P.PersistentPeers = strings.Join(peers, ",")
		if err := gen.SaveAs(cfg.GenesisFile()); err != nil {
			t.Fatal(err)
		}
		// Each node signs its checkpoints with its own key.
		// and cosigns them with its validator key.
		app, err := NewApp(Config{Dir: filepath.Join(cfg.RootDir, "ledger"), Key: testKey(t, 0x40+byte(i)), ValidatorKey: vkeys[i]})
		if err != nil {
			t.Fatal(err)
		}
		if nodes[i], err = Start(ctx, cfg, app, nil); err != nil {
			app.Close()
			t.Fatal(err)
		}
	}

	// Wait until every node has left block sync and commits blocks.
	for i, l := range nodes {
		for l.Node().BlockStore().Height() < 2 {
			select {
			case <-ctx.Done():
				t.Fatalf("node %d commits no blocks", i)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}

	// Setup goes through node 0. CheckTx runs against the receiving node's
	// own state, so records that depend on each other go through one node
	// (or wait for the others to catch up).
	setup := w.setupRecords(t)
	for i, sr := range setup[:6] {
		if _, err := nodes[0].Submit(ctx, sr); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	for _, l := range nodes {
		waitFor(ctx, t, l, 6)
	}
	// Independent records through different nodes, concurrently.
	more := []*ledger.SignedRecord{
		setup[6],
		w.sign(t, w.issuer, 7, &ledger.RevocationRoot{Root: h(0x30), Epoch: 1}),
		w.sign(t, w.citizen, 8, &ledger.ConsentReceipt{Grant: ledger.GrantID(w.citizen.DID(), h(0x12)), Content: h(0x12), Agency: w.verifier.DID(), Receipt: h(0x13)}),
	}
	errs := make(chan error, len(more))
	for i, sr := range more {
		go func() {
			_, err := nodes[1+i].Submit(ctx, sr)
			errs <- err
		}()
	}
	for range more {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := nodes[1].Submit(ctx, w.sign(t, w.other, 9, &ledger.RevocationRoot{Root: h(0x32), Epoch: 1})); !errors.Is(err, ledger.ErrUnauthorized) {
		t.Fatalf("unauthorized record: %v", err)
	}

	// The nodes agree with the embedded engine fed the records in the
	// order the network committed them.
	var order []*ledger.SignedRecord
	for i := range uint64(len(setup) + 2) {
		waitFor(ctx, t, nodes[0], i+1)
		sr, err := nodes[0].Record(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, sr)
	}
	emb, err := ledger.NewInMemory(w.ledgerKey)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	submitAll(t, emb, order)
	ecp, _ := emb.Checkpoint(ctx)
	want := digest(t, emb.State())
	for i, l := range nodes {
		cp := waitFor(ctx, t, l, ecp.Size)
		if cp, err = l.Verifier().ParseCheckpoint(cp.Note); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if cp.Size != ecp.Size || cp.Root != ecp.Root {
			t.Fatalf("node %d: size %d root %s, want %d %s", i, cp.Size, cp.Root, ecp.Size, ecp.Root)
		}
		if got := digest(t, l.State()); got != want {
			t.Fatalf("node %d: state digest %s, want %s", i, got, want)
		}
		b, _ := order[5].Bytes()
		p, err := l.InclusionProof(ctx, 5, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(cp, 5, b, p); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}

	// The validators' cosignatures of the final checkpoint, gathered from
	// the four nodes, make a checkpoint a client trusts with the validator
	// set alone; three of four suffice (30 of 40 > 2/3), two do not.
	vs, err := ValidatorSetFromGenesis("", &gen)
	if err != nil {
		t.Fatal(err)
	}
	var notes [][]byte
	for i, l := range nodes {
		n, err := l.App().Cosignature(ecp.Size)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		notes = append(notes, n)
	}
	two, err := vs.MergeCheckpoints(notes[:2]...)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := vs.VerifyCheckpoint(two); !errors.Is(err, ErrInsufficientPower) {
		t.Fatalf("two of four validators: %v", err)
	}
	three, err := vs.MergeCheckpoints(notes[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	ccp, power, err := vs.VerifyCheckpoint(three)
	if err != nil || power != 30 || ccp.Size != ecp.Size || ccp.Root != ecp.Root {
		t.Fatalf("three of four validators: %v (power %d)", err, power)
	}
	b, _ := order[2].Bytes()
	p, err := nodes[3].InclusionProof(ctx, 2, ccp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.VerifyInclusion(ccp, 2, b, p); err != nil {
		t.Fatalf("inclusion under the cosigned checkpoint: %v", err)
	}
}
