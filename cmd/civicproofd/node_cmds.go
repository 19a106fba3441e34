package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtmath "github.com/cometbft/cometbft/libs/math"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
	"github.com/spf13/viper"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/ledger/cometbft"
)

// Files of a home directory besides CometBFT's.
const (
	settingsFile   = "config/civicproofd.toml"
	ledgerKeyFile  = "config/ledger_key.json"
	governanceFile = "config/governance_key.json"
	appDir         = "ledger"
)

// settings are civicproofd's own settings (config/civicproofd.toml).
type settings struct {
	APIListen        string // host:port of the HTTP API
	Origin           string // checkpoint origin, shared by the consortium
	SnapshotInterval int64  // heights between state-sync snapshots (0: the default)
}

// nodeSpec is what makes one home.
type nodeSpec struct {
	home, moniker       string
	p2p, rpc, api, prof string // listen addresses (host:port); rpc "" disables CometBFT's RPC, prof "" pprof
	peers               []string
	origin              string
	timeoutCommit       time.Duration
	loopback            bool
	lowLatency          bool  // cometbft.TuneLowLatency (testnet --profile lowlatency)
	snapshotInterval    int64 // settings' snapshot_interval (0: the default)
	stateSync           *stateSyncSpec
}

// stateSyncSpec configures CometBFT state sync for a joining node.
type stateSyncSpec struct {
	rpcServers  []string
	trustHeight int64
	trustHash   string
}

// makeHome writes the configuration and keys of one node and returns its
// validator public key and node ID. Existing keys are kept.
func makeHome(s nodeSpec) (cmted25519.PubKey, p2p.ID, error) {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(s.home)
	cmtcfg.EnsureRoot(s.home)
	cfg.Moniker = s.moniker
	cfg.P2P.ListenAddress = "tcp://" + s.p2p
	cfg.P2P.PersistentPeers = strings.Join(s.peers, ",")
	if s.rpc == "" {
		cfg.RPC.ListenAddress = ""
	} else {
		cfg.RPC.ListenAddress = "tcp://" + s.rpc
	}
	if s.loopback {
		cfg.P2P.AllowDuplicateIP = true
		cfg.P2P.AddrBookStrict = false
		cfg.P2P.PexReactor = false
	}
	cfg.RPC.PprofListenAddress = s.prof
	if s.lowLatency {
		cometbft.TuneLowLatency(cfg)
	}
	if s.timeoutCommit > 0 {
		cfg.Consensus.TimeoutCommit = s.timeoutCommit
	}
	// A transaction gossiped to a peer still syncing is dropped by it;
	// empty blocks keep rounds going so that it is proposed elsewhere.
	cfg.Consensus.CreateEmptyBlocks = true
	if ss := s.stateSync; ss != nil {
		cfg.StateSync.Enable = true
		cfg.StateSync.RPCServers = ss.rpcServers
		cfg.StateSync.TrustHeight = ss.trustHeight
		cfg.StateSync.TrustHash = ss.trustHash
		if s.loopback {
			cfg.StateSync.DiscoveryTime = 5 * time.Second
		}
	}
	cfg.DBBackend = "goleveldb"
	cmtcfg.WriteConfigFile(filepath.Join(s.home, "config", "config.toml"), cfg)
	pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("validator key: %w", err)
	}
	nk, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, "", fmt.Errorf("node key: %w", err)
	}
	if _, err := loadOrGenKey(filepath.Join(s.home, ledgerKeyFile)); err != nil {
		return nil, "", fmt.Errorf("ledger key: %w", err)
	}
	origin := s.origin
	if origin == "" {
		origin = ledger.DefaultOrigin
	}
	text := fmt.Sprintf("# civicproofd settings (CometBFT's are in config.toml)\napi_listen = %q\norigin = %q\n"+
		"# heights between the state-sync snapshots this node offers (0: %d; negative: none)\nsnapshot_interval = %d\n",
		s.api, origin, cometbft.DefaultSnapshotInterval, s.snapshotInterval)
	if err := os.WriteFile(filepath.Join(s.home, settingsFile), []byte(text), 0o600); err != nil {
		return nil, "", err
	}
	pub, ok := pv.Key.PubKey.(cmted25519.PubKey)
	if !ok {
		return nil, "", errors.New("validator key is not Ed25519")
	}
	return pub, nk.ID(), nil
}

// keyFile is the JSON form of an identity key's seed.
type keyFile struct {
	DID  identity.DID `json:"did"`
	Seed string       `json:"seed"` // hex
}

// loadOrGenKey reads an identity key file, or makes a new key and writes
// it (mode 0600).
func loadOrGenKey(path string) (*identity.PrivateKey, error) {
	if b, err := os.ReadFile(path); err == nil {
		var kf keyFile
		if err := json.Unmarshal(b, &kf); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		seed, err := hex.DecodeString(kf.Seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return identity.NewKeyFromSeed(seed)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := identity.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(keyFile{DID: k.DID(), Seed: hex.EncodeToString(k.Seed())}, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

// writeGenesis writes the genesis file shared by the consortium: the
// validators and the governance record founding the ledger, signed by
// gov.
func writeGenesis(paths []string, chainID, govName string, gov *identity.PrivateKey, vals []types.GenesisValidator) error {
	now := time.Now().UTC().Truncate(time.Second)
	sr, err := ledger.NewRecord(gov.DID(), now, &ledger.GovernanceInit{Name: govName}).Sign(gov)
	if err != nil {
		return err
	}
	state, err := cometbft.GenesisAppState(sr)
	if err != nil {
		return err
	}
	gen := types.GenesisDoc{
		ChainID: chainID, GenesisTime: now, InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(), Validators: vals, AppState: state,
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return err
	}
	for _, p := range paths {
		if err := gen.SaveAs(p); err != nil {
			return err
		}
	}
	return nil
}

func runInit(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	home := fs.String("home", defaultHome(), "home directory")
	moniker := fs.String("moniker", "node0", "node name")
	chainID := fs.String("chain-id", "civicproof", "chain ID")
	origin := fs.String("origin", ledger.DefaultOrigin, "checkpoint origin, shared by the consortium")
	govName := fs.String("governance", "civicproof consortium", "name in the governance record")
	p2pAddr := fs.String("p2p", "0.0.0.0:26656", "P2P listen address")
	rpcAddr := fs.String("rpc", "127.0.0.1:26657", "CometBFT RPC listen address (empty: off)")
	apiAddr := fs.String("api", "127.0.0.1:26680", "HTTP API listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*home, "config", "genesis.json")); err == nil {
		return fmt.Errorf("%s already holds a genesis file", *home)
	}
	pub, id, err := makeHome(nodeSpec{home: *home, moniker: *moniker, p2p: *p2pAddr, rpc: *rpcAddr, api: *apiAddr, origin: *origin})
	if err != nil {
		return err
	}
	gov, err := loadOrGenKey(filepath.Join(*home, governanceFile))
	if err != nil {
		return err
	}
	vals := []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: *moniker}}
	if err := writeGenesis([]string{filepath.Join(*home, "config", "genesis.json")}, *chainID, *govName, gov, vals); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "home %s\nnode id %s\nvalidator %X\ngovernance %s (key in %s)\n", *home, id, pub.Address(), gov.DID(), governanceFile)
	return nil
}

func runTestnet(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("testnet", flag.ContinueOnError)
	n := fs.Int("v", 4, "number of validators")
	out := fs.String("o", "./civicproof-testnet", "directory for the homes node0, node1, ...")
	host := fs.String("host", "127.0.0.1", "host every node listens on")
	base := fs.Int("base-port", 26600, "node i listens on base+10i (P2P), base+10i+1 (HTTP API), base+10i+2 (RPC)")
	chainID := fs.String("chain-id", "civicproof-testnet", "chain ID")
	origin := fs.String("origin", ledger.DefaultOrigin, "checkpoint origin")
	commit := fs.Duration("timeout-commit", 0, "CometBFT timeout_commit (0: the profile's)")
	snaps := fs.Int64("snapshot-interval", 10, "heights between state-sync snapshots")
	profile := fs.String("profile", "lowlatency", "node configuration: lowlatency (cometbft.TuneLowLatency: nodes on one host) or default (CometBFT's defaults, for nodes across a WAN)")
	pprof := fs.Bool("pprof", false, "serve Go's pprof on base+10i+3 (CometBFT's rpc.pprof_laddr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 64 {
		return fmt.Errorf("between 1 and 64 validators, not %d", *n)
	}
	if *profile != "lowlatency" && *profile != "default" {
		return fmt.Errorf("%w: unknown profile %q", errUsage, *profile)
	}
	low := *profile == "lowlatency"
	port := func(i, k int) string { return net.JoinHostPort(*host, fmt.Sprint(*base+10*i+k)) }
	profAddr := func(i int) string {
		if !*pprof {
			return ""
		}
		return port(i, 3)
	}
	ids := make([]p2p.ID, *n)
	var vals []types.GenesisValidator
	var gens []string
	for i := range *n {
		home := filepath.Join(*out, fmt.Sprintf("node%d", i))
		pub, id, err := makeHome(nodeSpec{home: home, moniker: fmt.Sprintf("node%d", i), p2p: port(i, 0), api: port(i, 1), rpc: port(i, 2),
			origin: *origin, timeoutCommit: *commit, loopback: true, lowLatency: low, snapshotInterval: *snaps, prof: profAddr(i)})
		if err != nil {
			return err
		}
		ids[i] = id
		vals = append(vals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: fmt.Sprintf("node%d", i)})
		gens = append(gens, filepath.Join(home, "config", "genesis.json"))
	}
	// Peers, now that every node ID is known.
	for i := range *n {
		var peers []string
		for j := range *n {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@%s", ids[j], port(j, 0)))
			}
		}
		home := filepath.Join(*out, fmt.Sprintf("node%d", i))
		if _, _, err := makeHome(nodeSpec{home: home, moniker: fmt.Sprintf("node%d", i), p2p: port(i, 0), api: port(i, 1), rpc: port(i, 2),
			origin: *origin, timeoutCommit: *commit, loopback: true, lowLatency: low, snapshotInterval: *snaps, prof: profAddr(i), peers: peers}); err != nil {
			return err
		}
	}
	gov, err := loadOrGenKey(filepath.Join(*out, "node0", governanceFile))
	if err != nil {
		return err
	}
	if err := writeGenesis(gens, *chainID, "civicproof testnet", gov, vals); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d validators in %s; governance key in node0/%s\n", *n, *out, governanceFile)
	for i := range *n {
		fmt.Fprintf(stdout, "node%d  id %s  p2p %s  api http://%s\n", i, ids[i], port(i, 0), port(i, 1))
	}
	return nil
}

func runJoin(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	home := fs.String("home", defaultHome(), "home directory (created)")
	moniker := fs.String("moniker", "follower", "node name")
	genesis := fs.String("genesis", "", "the consortium's genesis file")
	peers := fs.String("peers", "", "comma-separated ID@HOST:PORT of nodes to sync from")
	p2pAddr := fs.String("p2p", "0.0.0.0:26656", "P2P listen address")
	apiAddr := fs.String("api", "127.0.0.1:26680", "HTTP API listen address")
	origin := fs.String("origin", ledger.DefaultOrigin, "checkpoint origin of the consortium")
	loopback := fs.Bool("loopback", false, "allow several nodes on one host (local networks)")
	rpcServers := fs.String("statesync-rpc", "", "state sync: comma-separated CometBFT RPC addresses (HOST:PORT) of two or more nodes; empty: replay the chain from genesis")
	trustAPI := fs.String("trust-api", "", "state sync: comma-separated HTTP API URLs of nodes; the trusted header is one whose app hash is the root of the latest checkpoint the genesis validators cosigned")
	trustHeight := fs.Int64("trust-height", 0, "state sync: trusted height (instead of -trust-api)")
	trustHash := fs.String("trust-hash", "", "state sync: hash of the trusted block header, hex (with -trust-height)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *genesis == "" || *peers == "" {
		return errors.New("join needs --genesis and --peers")
	}
	gen, err := types.GenesisDocFromFile(*genesis)
	if err != nil {
		return err
	}
	spec := nodeSpec{home: *home, moniker: *moniker, p2p: *p2pAddr, api: *apiAddr, origin: *origin,
		peers: strings.Split(*peers, ","), loopback: *loopback}
	if *rpcServers != "" {
		ss := &stateSyncSpec{rpcServers: strings.Split(*rpcServers, ","), trustHeight: *trustHeight, trustHash: *trustHash}
		if ss.trustHeight == 0 {
			if *trustAPI == "" {
				return fmt.Errorf("%w: state sync needs -trust-api, or -trust-height and -trust-hash", errUsage)
			}
			if ss.trustHeight, ss.trustHash, err = trustedHeader(ctx, gen, *origin, strings.Split(*trustAPI, ","), ss.rpcServers[0]); err != nil {
				return fmt.Errorf("state sync: %w", err)
			}
			fmt.Fprintf(stdout, "trusting height %d (header %s): its app hash is the root of a checkpoint the validators cosigned\n", ss.trustHeight, ss.trustHash)
		}
		spec.stateSync = ss
	}
	if _, _, err := makeHome(spec); err != nil {
		return err
	}
	if err := gen.SaveAs(filepath.Join(*home, "config", "genesis.json")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "joining %s from %s\n", gen.ChainID, *peers)
	return runStart(ctx, []string{"--home", *home}, stdout, nil)
}

// trustedHeader finds the header a joining node trusts for state sync:
// it takes the latest checkpoint that validators holding more than 2/3
// of the genesis voting power cosigned (gathered from the nodes' HTTP
// APIs, cometbft.Client), then walks the chain down from the latest
// height (CometBFT RPC at rpc) to a header whose app hash is that
// checkpoint's root (waiting, up to its 30 s, for the header after the
// block that made the root when that is not out yet), and checks that
// more than 2/3 of the genesis validators' power signed its commit. A validator set that has changed
// since genesis by more than 1/3 fails here: give -trust-height and
// -trust-hash instead.
func trustedHeader(ctx context.Context, gen *types.GenesisDoc, origin string, apis []string, rpc string) (int64, string, error) {
	vs, err := cometbft.ValidatorSetFromGenesis(origin, gen)
	if err != nil {
		return 0, "", err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cl := &cometbft.Client{Nodes: apis, Validators: vs}
	cp, err := cl.Checkpoint(cctx)
	if err != nil {
		return 0, "", err
	}
	if !strings.Contains(rpc, "://") {
		rpc = "tcp://" + rpc
	}
	rc, err := rpchttp.New(rpc)
	if err != nil {
		return 0, "", err
	}
	st, err := rc.Status(cctx)
	if err != nil {
		return 0, "", err
	}
	var vals []*types.Validator
	for _, v := range gen.Validators {
		vals = append(vals, types.NewValidator(v.PubKey, v.Power))
	}
	set := types.NewValidatorSet(vals)
	// The header carrying a root is the one after the block that made it:
	// a checkpoint cosigned a moment ago may not have one yet, so new
	// heights are polled until cctx ends.
	const maxWalk = 1000
	top := st.SyncInfo.LatestBlockHeight
	low := top - maxWalk // exclusive
	floor := max(low+1, 1)
	for {
		for h := top; h > 0 && h > low; h-- {
			c, err := rc.Commit(cctx, &h)
			if err != nil {
				return 0, "", err
			}
			if !bytes.Equal(c.Header.AppHash, cp.Root[:]) {
				continue
			}
			if c.Header.ChainID != gen.ChainID {
				return 0, "", fmt.Errorf("header of chain %q, genesis says %q", c.Header.ChainID, gen.ChainID)
			}
			if err := c.SignedHeader.ValidateBasic(gen.ChainID); err != nil {
				return 0, "", err
			}
			if err := set.VerifyCommitLightTrusting(gen.ChainID, c.Commit, cmtmath.Fraction{Numerator: 2, Denominator: 3}); err != nil {
				return 0, "", fmt.Errorf("commit of height %d: %w", h, err)
			}
			return h, hex.EncodeToString(c.Header.Hash()), nil
		}
		select {
		case <-cctx.Done():
			return 0, "", fmt.Errorf("no header of heights %d to %d carries the cosigned root %s (size %d)", floor, top, cp.Root, cp.Size)
		case <-time.After(250 * time.Millisecond):
		}
		if st, err = rc.Status(cctx); err != nil {
			return 0, "", err
		}
		low, top = max(low, top), st.SyncInfo.LatestBlockHeight
	}
}

// loadConfig reads a home's CometBFT configuration (config/config.toml,
// as CometBFT's own command does) and civicproofd's settings.
func loadConfig(home string) (*cmtcfg.Config, settings, error) {
	v := viper.New()
	v.SetConfigFile(filepath.Join(home, "config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, settings{}, fmt.Errorf("read config: %w", err)
	}
	cfg := cmtcfg.DefaultConfig()
	if err := v.Unmarshal(cfg); err != nil {
		return nil, settings{}, fmt.Errorf("read config: %w", err)
	}
	cfg.SetRoot(home)
	if err := cfg.ValidateBasic(); err != nil {
		return nil, settings{}, fmt.Errorf("config: %w", err)
	}
	sv := viper.New()
	sv.SetConfigFile(filepath.Join(home, settingsFile))
	if err := sv.ReadInConfig(); err != nil {
		return nil, settings{}, fmt.Errorf("read settings: %w", err)
	}
	return cfg, settings{APIListen: sv.GetString("api_listen"), Origin: sv.GetString("origin"), SnapshotInterval: sv.GetInt64("snapshot_interval")}, nil
}

func runStart(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	home := fs.String("home", defaultHome(), "home directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, set, err := loadConfig(*home)
	if err != nil {
		return err
	}
	logger, err := nodeLogger(cfg.LogLevel)
	if err != nil {
		return err
	}
	key, err := loadOrGenKey(filepath.Join(*home, ledgerKeyFile))
	if err != nil {
		return err
	}
	gen, err := types.GenesisDocFromFile(cfg.GenesisFile())
	if err != nil {
		return err
	}
	// Cosign checkpoints only with a key of the genesis validator set.
	var vkey ed25519.PrivateKey
	pv, err := privval.LoadOrGenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), nil)
	if err != nil {
		return fmt.Errorf("validator key: %w", err)
	}
	for _, v := range gen.Validators {
		if bytes.Equal(v.PubKey.Bytes(), pv.Key.PubKey.Bytes()) {
			vkey = ed25519.PrivateKey(pv.Key.PrivKey.Bytes())
		}
	}
	app, err := cometbft.NewApp(cometbft.Config{Dir: filepath.Join(*home, appDir), Key: key, Origin: set.Origin, ValidatorKey: vkey, SnapshotInterval: set.SnapshotInterval})
	if err != nil {
		return err
	}
	l, err := cometbft.Start(ctx, cfg, app, logger)
	if err != nil {
		return errors.Join(err, app.Close())
	}
	srv := &http.Server{Addr: set.APIListen, Handler: cometbft.NewHandler(l), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", set.APIListen)
	if err != nil {
		return errors.Join(err, l.Close())
	}
	fmt.Fprintf(stdout, "node %s started; API on http://%s\n", cfg.Moniker, ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, srv.Shutdown(sctx), l.Close())
}

// nodeLogger logs CometBFT's messages at level ("info", "error", ...) to
// standard error.
func nodeLogger(level string) (cmtlog.Logger, error) {
	opt, err := cmtlog.AllowLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	return cmtlog.NewFilter(cmtlog.NewTMLogger(cmtlog.NewSyncWriter(os.Stderr)), opt), nil
}

func defaultHome() string {
	if h := os.Getenv("CIVICPROOF_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return ".civicproofd"
	}
	return filepath.Join(dir, ".civicproofd")
}
