package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/types"
	"github.com/transparency-dev/formats/log"

	"github.com/civicproof/civicproof/identity"
	"github.com/civicproof/civicproof/ledger"
	"github.com/civicproof/civicproof/ledger/cometbft"
)

var (
	loadFor   = flag.Duration("consortium.load", 0, "run TestConsortium's load phases this long each (default: a short CI run)")
	loadBatch = flag.Int("consortium.batch", 1, "records per transaction in TestConsortium's load")
	loadConc  = flag.Int("consortium.submitters", 16, "concurrent submitters in TestConsortium's load")
	loadProf  = flag.String("consortium.profile", "", "write a CPU profile of node 0 during TestConsortium's first load phase to this file")
)

// consortium is a network of civicproofd processes started from the built
// binary, on loopback.
type consortium struct {
	t     *testing.T
	bin   string
	dir   string
	base  int
	procs []*exec.Cmd
	apis  []string
	vs    *cometbft.ValidatorSet
	gov   *identity.PrivateKey
}

// freeBase returns a base port such that the 10n ports from it on
// 127.0.0.1 were free a moment ago.
func freeBase(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		base := 20000 + rand.IntN(40000)
		var ls []net.Listener
		ok := true
		for p := base; p < base+10*n; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range on 127.0.0.1")
	return 0
}

func newConsortium(t *testing.T, n int) *consortium {
	t.Helper()
	c := &consortium{t: t, bin: buildBinary(t), dir: t.TempDir(), base: freeBase(t, n+1), procs: make([]*exec.Cmd, n)}
	args := []string{"testnet", "--v", fmt.Sprint(n), "--o", c.dir, "--base-port", fmt.Sprint(c.base), "--timeout-commit", "100ms"}
	if *loadProf != "" {
		args = append(args, "--pprof")
	}
	out, err := exec.Command(c.bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("testnet: %v\n%s", err, out)
	}
	for i := range n {
		c.apis = append(c.apis, fmt.Sprintf("http://127.0.0.1:%d", c.base+10*i+1))
	}
	gen, err := types.GenesisDocFromFile(filepath.Join(c.dir, "node0", "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.vs, err = cometbft.ValidatorSetFromGenesis("", gen); err != nil {
		t.Fatal(err)
	}
	if c.gov, err = loadOrGenKey(filepath.Join(c.dir, "node0", governanceFile)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := range c.procs {
			c.kill(i)
		}
	})
	return c
}

// start runs node i (its log goes to node<i>.log in its directory).
func (c *consortium) start(i int) {
	c.t.Helper()
	home := filepath.Join(c.dir, fmt.Sprintf("node%d", i))
	f, err := os.OpenFile(filepath.Join(c.dir, fmt.Sprintf("node%d.log", i)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "start", "--home", home)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { cmd.Wait(); f.Close() }()
	c.procs[i] = cmd
}

// kill stops node i with SIGKILL (kill -9).
func (c *consortium) kill(i int) {
	if p := c.procs[i]; p != nil && p.Process != nil {
		p.Process.Kill()
		c.procs[i] = nil
	}
}

// client returns a client of the given nodes (all by default).
func (c *consortium) client(nodes ...int) *cometbft.Client {
	if len(nodes) == 0 {
		return &cometbft.Client{Nodes: c.apis, Validators: c.vs}
	}
	var urls []string
	for _, i := range nodes {
		urls = append(urls, c.apis[i])
	}
	return &cometbft.Client{Nodes: urls, Validators: c.vs}
}

// waitSize waits until every listed node's log reaches size.
func (c *consortium) waitSize(ctx context.Context, size uint64, nodes ...int) {
	c.t.Helper()
	for _, i := range nodes {
		for {
			s, err := c.nodeSize(ctx, i)
			if err == nil && s >= size {
				break
			}
			select {
			case <-ctx.Done():
				c.t.Fatalf("node %d at size %d (%v), want %d", i, s, err, size)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// nodeSize is node i's log size as its own signed checkpoint says.
func (c *consortium) nodeSize(ctx context.Context, i int) (uint64, error) {
	return nodeCheckpointSize(ctx, c.apis[i])
}

func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", url, res.Status, b)
	}
	return b, nil
}

// noteCheckpoint reads the checkpoint body of a note without verifying it.
func noteCheckpoint(b []byte) (log.Checkpoint, error) {
	var cp log.Checkpoint
	_, err := cp.Unmarshal(b[:bytes.Index(b, []byte("\n\n"))+1])
	return cp, err
}

// nodeCheckpointSize is the size of a node's latest checkpoint (not
// verified: for progress only).
func nodeCheckpointSize(ctx context.Context, api string) (uint64, error) {
	b, err := httpGet(ctx, api+"/v1/checkpoint")
	if err != nil {
		return 0, err
	}
	cp, err := noteCheckpoint(b)
	return cp.Size, err
}

// nodeCosignature is a validator's cosignature at size.
func nodeCosignature(ctx context.Context, api string, size uint64) ([]byte, error) {
	return httpGet(ctx, fmt.Sprintf("%s/v1/cosignature/%d", api, size))
}

// nodeCheckpoint is the root a validator cosigned at size.
func nodeCheckpoint(ctx context.Context, api string, size uint64) (ledger.Hash, error) {
	b, err := nodeCosignature(ctx, api, size)
	if err != nil {
		return ledger.Hash{}, err
	}
	cp, err := noteCheckpoint(b)
	if err != nil || len(cp.Hash) != 32 {
		return ledger.Hash{}, fmt.Errorf("cosignature at %d: %v", size, err)
	}
	return ledger.Hash(cp.Hash), nil
}

// nodeRecord is the canonical bytes of the record at index on a node.
func nodeRecord(ctx context.Context, api string, index uint64) ([]byte, error) {
	return httpGet(ctx, fmt.Sprintf("%s/v1/records/%d", api, index))
}

// acked is a record the network acknowledged.
type acked struct {
	index uint64
	bytes []byte
}

// load submits AgencyEvent records of agencies through the given nodes
// with conc concurrent submitters, batch records per transaction, for d.
// It returns the acknowledged records and each submission's latency.
func (c *consortium) load(ctx context.Context, agencies []*identity.PrivateKey, nodes []int, conc, batch int, d time.Duration, seq *atomic.Uint64) ([]acked, []time.Duration, int) {
	var (
		mu    sync.Mutex
		acks  []acked
		lats  []time.Duration
		fails int
		wg    sync.WaitGroup
	)
	stop := time.Now().Add(d)
	for g := range conc {
		wg.Go(func() {
			cl := c.client(nodes[g%len(nodes)])
			key := agencies[g%len(agencies)]
			for time.Now().Before(stop) && ctx.Err() == nil {
				var srs []*ledger.SignedRecord
				var bs [][]byte
				for range batch {
					n := seq.Add(1)
					var dg ledger.Hash
					copy(dg[:], fmt.Sprintf("load-%d", n))
					sr, err := ledger.NewRecord(key.DID(), time.Now().Truncate(time.Second), &ledger.AgencyEvent{Topic: "load", Digest: dg, Amount: 1}).Sign(key)
					if err != nil {
						panic(err)
					}
					b, _ := sr.Bytes()
					srs, bs = append(srs, sr), append(bs, b)
				}
				sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				t0 := time.Now()
				res, err := cl.Submit(sctx, srs...)
				lat := time.Since(t0)
				cancel()
				mu.Lock()
				if err != nil {
					if fails < 3 {
						c.t.Logf("submission through node %d failed after %v: %v", nodes[g%len(nodes)], lat.Round(time.Millisecond), err)
					}
					fails++
				} else {
					lats = append(lats, lat)
					for k, b := range bs {
						acks = append(acks, acked{res.Index + uint64(k), b})
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return acks, lats, fails
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// TestConsortium starts four validators from the built binary on
// loopback, submits records through all of them, kills one with SIGKILL
// under load (the other three keep committing), restarts it (it catches
// up), and checks that every acknowledged record is in the log at its
// index, that the four nodes hold the same log, and that a client
// trusting only the validator set verifies a cosigned checkpoint and
// records under it. With -consortium.load=D the load phases last D each
// and the figures (records/s, commit latency p50/p99) are the benchmark.
func TestConsortium(t *testing.T) {
	if testing.Short() {
		t.Skip("builds civicproofd and runs four validator processes; run without -short")
	}
	const n = 4
	phase := 3 * time.Second
	if *loadFor > 0 {
		phase = *loadFor
	}
	// Generous: on a loaded 2-core machine (CI runs other packages' tests
	// beside this one) four validators, a restart and a state sync take
	// far longer than on an idle one; the load figures do not depend on it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*phase+6*time.Minute)
	defer cancel()
	c := newConsortium(t, n)
	for i := range n {
		c.start(i)
	}
	all := []int{0, 1, 2, 3}
	c.waitSize(ctx, 1, all...) // the genesis governance record

	// Agencies register through node 0 and wait until every node has them.
	var agencies []*identity.PrivateKey
	for i := range 8 {
		k, err := identity.NewKeyFromSeed(bytes.Repeat([]byte{byte(0x50 + i)}, 32))
		if err != nil {
			t.Fatal(err)
		}
		sr, err := ledger.NewRecord(k.DID(), time.Now().Truncate(time.Second), &ledger.AgencyRegister{Key: k.Public(), Name: fmt.Sprint("agency ", i)}).Sign(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.client(0).Submit(ctx, sr); err != nil {
			t.Fatalf("register agency %d: %v", i, err)
		}
		agencies = append(agencies, k)
	}
	s0, err := nodeCheckpointSize(ctx, c.apis[0])
	if err != nil {
		t.Fatal(err)
	}
	c.waitSize(ctx, s0, all...)

	var seq atomic.Uint64
	conc, batch := *loadConc, *loadBatch
	// Phase 1: all four nodes.
	if *loadProf != "" {
		go func() {
			secs := max(1, int(phase.Seconds())-2)
			b, err := httpGet(ctx, fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", c.base+3, secs))
			if err == nil {
				err = os.WriteFile(*loadProf, b, 0o600)
			}
			if err != nil {
				t.Errorf("profile of node 0: %v", err)
			}
		}()
	}
	start := time.Now()
	acks, lats, fails := c.load(ctx, agencies, all, conc, batch, phase, &seq)
	el := time.Since(start)
	t.Logf("4 validators: %d records in %v = %.0f records/s, latency p50 %v p99 %v, %d failed submissions (%d submitters, %d records per transaction)",
		len(acks), el.Round(time.Millisecond), float64(len(acks))/el.Seconds(), percentile(lats, .5).Round(time.Millisecond), percentile(lats, .99).Round(time.Millisecond), fails, conc, batch)
	if len(acks) == 0 {
		t.Fatal("nothing committed with four validators")
	}

	// Phase 2: node 3 killed (SIGKILL) while the load runs on 0-2.
	var wg sync.WaitGroup
	var acks2 []acked
	var lats2 []time.Duration
	var fails2 int
	wg.Go(func() {
		acks2, lats2, fails2 = c.load(ctx, agencies, []int{0, 1, 2}, conc, batch, phase, &seq)
	})
	time.Sleep(phase / 4)
	c.kill(3)
	killedAt, _ := nodeCheckpointSize(ctx, c.apis[0])
	wg.Wait()
	t.Logf("3 validators (node 3 killed at size %d): %d records = %.0f records/s, latency p50 %v p99 %v, %d failed",
		killedAt, len(acks2), float64(len(acks2))/phase.Seconds(), percentile(lats2, .5).Round(time.Millisecond), percentile(lats2, .99).Round(time.Millisecond), fails2)
	after, err := nodeCheckpointSize(ctx, c.apis[0])
	if err != nil {
		t.Fatal(err)
	}
	if after <= killedAt {
		t.Fatalf("the three validators committed nothing after node 3 was killed (size %d)", after)
	}

	// Phase 3: node 3 restarts and catches up.
	c.start(3)
	c.waitSize(ctx, after, 3)
	t.Logf("node 3 caught up to %d records", after)
	acks3, _, _ := c.load(ctx, agencies, all, conc, batch, phase/2, &seq)

	// Every node ends at the same size and root: wait until each has the
	// largest size any node has reached (a submission is acknowledged once
	// committed on the node it went through; others may lag a little).
	var final uint64
	for i := range n {
		s, err := nodeCheckpointSize(ctx, c.apis[i])
		if err != nil {
			t.Fatal(err)
		}
		final = max(final, s)
	}
	c.waitSize(ctx, final, all...)
	cl := c.client()
	cp, err := cl.CheckpointAt(ctx, final)
	if err != nil {
		t.Fatalf("cosigned checkpoint at %d: %v", final, err)
	}
	if _, power, err := c.vs.VerifyCheckpoint(cp.Note); err != nil || power <= 2*c.vs.TotalPower()/3 {
		t.Fatalf("cosigned checkpoint: power %d, %v", power, err)
	}
	for i := range n {
		got, err := nodeCheckpoint(ctx, c.apis[i], final)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if got != cp.Root {
			t.Fatalf("node %d root at %d is %s, cosigned %s", i, final, got, cp.Root)
		}
	}

	// No acknowledged record is lost: each is at its index in the log
	// (checked on the restarted node), and a sample verifies by inclusion
	// under the cosigned checkpoint through the client.
	every := slices.Concat(acks, acks2, acks3)
	for k, a := range every {
		b, err := nodeRecord(ctx, c.apis[3], a.index)
		if err != nil || !bytes.Equal(b, a.bytes) {
			t.Fatalf("acknowledged record %d (of %d) at index %d: %v", k, len(every), a.index, err)
		}
	}
	for _, a := range []acked{every[0], every[len(every)/2], every[len(every)-1]} {
		sr, err := cl.Record(ctx, cp, a.index)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := sr.Bytes(); !bytes.Equal(b, a.bytes) {
			t.Fatalf("record %d differs", a.index)
		}
	}
	t.Logf("%d acknowledged records all present; log of %d records, same root on all four nodes", len(every), final)

	// A new node joins from the genesis file and one peer by state sync:
	// it trusts a header whose app hash is the root of the checkpoint the
	// validators cosigned, restores the log from a snapshot, and serves
	// the same log.
	nk, err := p2p.LoadNodeKey(filepath.Join(c.dir, "node0", "config", "node_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	joinAPI := fmt.Sprintf("http://127.0.0.1:%d", c.base+10*n+1)
	join := exec.Command(c.bin, "join", "--home", filepath.Join(c.dir, "follower"), "--loopback",
		"--genesis", filepath.Join(c.dir, "node0", "config", "genesis.json"),
		"--peers", fmt.Sprintf("%s@127.0.0.1:%d", nk.ID(), c.base),
		"--p2p", fmt.Sprintf("127.0.0.1:%d", c.base+10*n), "--api", strings.TrimPrefix(joinAPI, "http://"),
		"--statesync-rpc", fmt.Sprintf("127.0.0.1:%d,127.0.0.1:%d", c.base+2, c.base+12),
		"--trust-api", strings.Join(c.apis, ","))
	jlog, err := os.Create(filepath.Join(c.dir, "follower.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer jlog.Close()
	join.Stdout, join.Stderr = jlog, jlog
	if err := join.Start(); err != nil {
		t.Fatal(err)
	}
	defer join.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- join.Wait() }()
	for {
		b, err := httpGet(ctx, joinAPI+"/v1/checkpoint")
		if err == nil {
			if jcp, err := noteCheckpoint(b); err == nil && jcp.Size >= final {
				p, err := httpGet(ctx, fmt.Sprintf("%s/v1/proofs/consistency/%d/%d", joinAPI, final, jcp.Size))
				var proof [][]byte
				if err == nil {
					err = json.Unmarshal(p, &proof)
				}
				if err == nil {
					err = ledger.VerifyConsistency(cp, &ledger.Checkpoint{Origin: jcp.Origin, Size: jcp.Size, Root: ledger.Hash(jcp.Hash)}, proof)
				}
				if err != nil {
					t.Fatalf("joined node's log: %v", err)
				}
				t.Logf("a joining node synced %d records, consistent with the cosigned checkpoint", jcp.Size)
				jl, _ := os.ReadFile(filepath.Join(c.dir, "follower.log"))
				if !bytes.Contains(jl, []byte("Snapshot accepted, restoring")) || !bytes.Contains(jl, []byte("trusting height")) {
					t.Fatalf("the joining node did not restore a snapshot:\n%s", tail(jl, 4000))
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			jl, _ := os.ReadFile(filepath.Join(c.dir, "follower.log"))
			t.Fatalf("the joining node did not sync:\n%s", tail(jl, 4000))
		case err := <-exited:
			jl, _ := os.ReadFile(filepath.Join(c.dir, "follower.log"))
			t.Fatalf("the joining node exited (%v) before it synced:\n%s", err, tail(jl, 4000))
		case <-time.After(100 * time.Millisecond):
		}
	}

	// A checkpoint of two validators' cosignatures does not count.
	var notes [][]byte
	for _, i := range []int{0, 1} {
		b, err := nodeCosignature(ctx, c.apis[i], final)
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, b)
	}
	two, err := c.vs.MergeCheckpoints(notes...)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.vs.VerifyCheckpoint(two); !errors.Is(err, cometbft.ErrInsufficientPower) {
		t.Fatalf("two of four cosignatures: %v", err)
	}
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte { return b[max(0, len(b)-n):] }
