package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// TestProfiles: testnet's lowlatency profile tunes the nodes for one
// host, --profile default and init keep CometBFT's defaults, and
// malformed profile or state-sync flags are usage errors (exit 2).
func TestProfiles(t *testing.T) {
	ctx := context.Background()
	timeoutCommit := func(home string) (time.Duration, bool, int64) {
		t.Helper()
		cfg, set, err := loadConfig(home)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Consensus.TimeoutCommit, cfg.Mempool.Recheck, set.SnapshotInterval
	}
	low, def, founder := t.TempDir(), t.TempDir(), t.TempDir()
	var out bytes.Buffer
	if code := run(ctx, []string{"testnet", "--v", "1", "--o", low, "--base-port", "27100"}, &out, &out); code != 0 {
		t.Fatalf("testnet: exit %d\n%s", code, out.String())
	}
	if tc, recheck, snaps := timeoutCommit(filepath.Join(low, "node0")); tc != 50*time.Millisecond || recheck || snaps != 10 {
		t.Fatalf("lowlatency: timeout_commit %v, recheck %v, snapshot_interval %d", tc, recheck, snaps)
	}
	if code := run(ctx, []string{"testnet", "--v", "1", "--o", def, "--base-port", "27200", "--profile", "default"}, &out, &out); code != 0 {
		t.Fatalf("testnet --profile default: exit %d\n%s", code, out.String())
	}
	if tc, recheck, _ := timeoutCommit(filepath.Join(def, "node0")); tc != time.Second || !recheck {
		t.Fatalf("default profile: timeout_commit %v, recheck %v", tc, recheck)
	}
	if code := run(ctx, []string{"init", "--home", founder}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("init: exit %d", code)
	}
	if tc, recheck, snaps := timeoutCommit(founder); tc != time.Second || !recheck || snaps != 0 {
		t.Fatalf("init: timeout_commit %v, recheck %v, snapshot_interval %d", tc, recheck, snaps)
	}
	gen := filepath.Join(low, "node0", "config", "genesis.json")
	for _, args := range [][]string{
		{"testnet", "--v", "1", "--o", t.TempDir(), "--profile", "fast"},
		{"join", "--home", t.TempDir(), "--genesis", gen, "--peers", "id@127.0.0.1:1", "--statesync-rpc", "127.0.0.1:1,127.0.0.1:2"},
	} {
		if code := run(ctx, args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
