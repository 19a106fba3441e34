package cometbft_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/ledger/cometbft"
)

// A single-validator network in a temporary directory: write a genesis
// file, start the node with the ledger application, submit a record and
// check its inclusion against the node's signed checkpoint.
func Example() {
	home, err := os.MkdirTemp("", "civicproof-node")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)

	// CometBFT configuration: fast blocks, no RPC server, P2P on loopback.
	cfg := cmtcfg.DefaultConfig()
	cfg.Consensus = cmtcfg.TestConsensusConfig()
	cfg.Consensus.CreateEmptyBlocks = false
	cfg.RPC.ListenAddress = ""
	cfg.P2P.ListenAddress = "tcp://127.0.0.1:0"
	cfg.TxIndex.Indexer = "null"
	cfg.SetRoot(home)
	cmtcfg.EnsureRoot(home)
	pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
	if err != nil {
		log.Fatal(err)
	}
	pub, _ := pv.GetPubKey()
	gen := types.GenesisDoc{
		ChainID: "civicproof-example", GenesisTime: time.Now().Add(-time.Second),
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 1}},
	}
	if err := gen.SaveAs(cfg.GenesisFile()); err != nil {
		log.Fatal(err)
	}

	// The application, with this node's checkpoint key.
	nodeKey, _ := identity.GenerateKey(nil)
	app, err := cometbft.NewApp(cometbft.Config{Dir: filepath.Join(home, "ledger"), Key: nodeKey})
	if err != nil {
		log.Fatal(err)
	}
	var l ledger.Ledger
	node, err := cometbft.Start(context.Background(), cfg, app, nil)
	if err != nil {
		log.Fatal(err)
	}
	l = node
	defer l.Close()

	root, _ := identity.GenerateKey(nil)
	sr, err := ledger.NewRecord(root.DID(), time.Now(), &ledger.GovernanceInit{Name: "Ministry of Digital Affairs"}).Sign(root)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := l.Submit(ctx, sr)
	if err != nil {
		log.Fatal(err)
	}
	cp, err := node.Verifier().ParseCheckpoint(r.Checkpoint.Note)
	if err != nil {
		log.Fatal(err)
	}
	proof, err := l.InclusionProof(ctx, r.Index, cp.Size)
	if err != nil {
		log.Fatal(err)
	}
	b, _ := sr.Bytes()
	fmt.Println("index", r.Index, "in a tree of", cp.Size)
	fmt.Println("inclusion:", ledger.VerifyInclusion(cp, r.Index, b, proof))
	fmt.Println("root authority set:", l.State().RootAuthority() == root.DID())
	// Output:
	// index 0 in a tree of 1
	// inclusion: <nil>
	// root authority set: true
}
