package cometbft

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
)

// testKey returns a deterministic key for party n.
func testKey(t testing.TB, n byte) *identity.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = n
	}
	seed[0] = 0xc2
	k, err := identity.NewKeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func h(b byte) ledger.Hash {
	var x ledger.Hash
	for i := range x {
		x[i] = b
	}
	return x
}

// world is a set of parties. Records are signed at the current time: the
// node checks record times against block times.
type world struct {
	ledgerKey, root, issuer, verifier, other, citizen *identity.PrivateKey
	t0                                                time.Time
}

func newWorld(t testing.TB) *world {
	return &world{
		ledgerKey: testKey(t, 1), root: testKey(t, 2), issuer: testKey(t, 3), verifier: testKey(t, 4),
		other: testKey(t, 5), citizen: testKey(t, 6),
		t0: time.Now().Truncate(time.Second),
	}
}

func (w *world) sign(t testing.TB, key *identity.PrivateKey, sec int64, p ledger.Payload) *ledger.SignedRecord {
	t.Helper()
	sr, err := ledger.NewRecord(key.DID(), w.t0.Add(time.Duration(sec)*time.Second), p).Sign(key)
	if err != nil {
		t.Fatalf("sign %s: %v", p.Kind(), err)
	}
	return sr
}

// setupRecords founds governance, registers three agencies, accredits
// issuer and verifier, and anchors a consent receipt.
func (w *world) setupRecords(t testing.TB) []*ledger.SignedRecord {
	return []*ledger.SignedRecord{
		w.sign(t, w.root, 0, &ledger.GovernanceInit{Name: "Ministry of Digital Affairs"}),
		w.sign(t, w.issuer, 1, &ledger.AgencyRegister{Key: w.issuer.Public(), Name: "Civil Registry"}),
		w.sign(t, w.verifier, 2, &ledger.AgencyRegister{Key: w.verifier.Public(), Name: "Benefits Office"}),
		w.sign(t, w.other, 3, &ledger.AgencyRegister{Key: w.other.Public(), Name: "Other Agency"}),
		w.sign(t, w.root, 4, &ledger.Accredit{Agency: w.issuer.DID(), Role: ledger.RoleIssuer, Types: []string{"Age", "Residence"}}),
		w.sign(t, w.root, 5, &ledger.Accredit{Agency: w.verifier.DID(), Role: ledger.RoleVerifier, Types: []string{"Age"}}),
		w.sign(t, w.citizen, 6, &ledger.ConsentReceipt{Grant: ledger.GrantID(w.citizen.DID(), h(0x10)), Content: h(0x10), Agency: w.verifier.DID(), Receipt: h(0x11)}),
	}
}

// nodeConfig returns the configuration of a test node in home: fast
// consensus timeouts, no RPC server, P2P bound to a free loopback port.
func nodeConfig(home string) *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	cfg.Consensus = cmtcfg.TestConsensusConfig()
	cfg.Consensus.TimeoutCommit = 10 * time.Millisecond
	cfg.Consensus.CreateEmptyBlocks = false
	cfg.RPC.ListenAddress = ""
	cfg.GRPC.ListenAddress = ""
	cfg.P2P.ListenAddress = "tcp://127.0.0.1:0"
	cfg.P2P.PexReactor = false
	cfg.DBBackend = "goleveldb"  // pebble logs its recovery on every reopen
	cfg.TxIndex.Indexer = "null" // the kv indexer keeps its database open after Stop
	cfg.SetRoot(home)
	return cfg
}

// initHome creates a single-validator network in home (once).
func initHome(t testing.TB, home string) *cmtcfg.Config {
	t.Helper()
	cfg := nodeConfig(home)
	cmtcfg.EnsureRoot(home)
	pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		t.Fatal(err)
	}
	gen := types.GenesisDoc{
		ChainID:         "civicproof-test",
		GenesisTime:     time.Now().Add(-time.Second),
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: "v0"}},
	}
	if err := gen.SaveAs(cfg.GenesisFile()); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startNode starts the node of home with the ledger key of w.
func startNode(t testing.TB, w *world, cfg *cmtcfg.Config) *Ledger {
	t.Helper()
	app, err := NewApp(Config{Dir: filepath.Join(cfg.RootDir, "ledger"), Key: w.ledgerKey})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Start(context.Background(), cfg, app, nil)
	if err != nil {
		app.Close()
		t.Fatal(err)
	}
	return l
}

func submitAll(t testing.TB, l ledger.Ledger, srs []*ledger.SignedRecord) []ledger.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rs []ledger.Receipt
	for i, sr := range srs {
		r, err := l.Submit(ctx, sr)
		if err != nil {
			t.Fatalf("record %d (%s): %v", i, sr.Record.Kind, err)
		}
		rs = append(rs, r)
	}
	return rs
}
