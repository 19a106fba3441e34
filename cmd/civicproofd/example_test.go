package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// The homes of a local network of four validators: CometBFT's layout plus
// civicproofd's settings, the node's checkpoint key and (on node 0) the
// governance key that signed the genesis record.
func Example_testnet() {
	dir, err := os.MkdirTemp("", "civicproofd-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if code := run(context.Background(), []string{"testnet", "--v", "4", "--o", dir, "--base-port", "26600"}, io.Discard, io.Discard); code != 0 {
		fmt.Println("exit status", code)
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "node0", "config", "*"))
	sort.Strings(files)
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// civicproofd.toml
	// config.toml
	// genesis.json
	// governance_key.json
	// ledger_key.json
	// node_key.json
	// priv_validator_key.json
}
