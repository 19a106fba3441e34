package cometbft

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/civicproof/civicproof/ledger"
)

// commitInfo is the last committed block that changed the log, kept in
// commit.json. Records are the block's accepted records, so that a crash
// after writing the file and before the embedded ledger's commit is
// completed on restart. Blocks that accept nothing are not written: after
// a restart CometBFT replays them, which changes nothing.
type commitInfo struct {
	Height  int64       `json:"height"`
	Size    uint64      `json:"size"`
	Root    ledger.Hash `json:"root"`
	Records [][]byte    `json:"records,omitempty"`
}

const commitFile = "commit.json"

func readCommitInfo(dir string) (commitInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, commitFile))
	if errors.Is(err, fs.ErrNotExist) {
		return commitInfo{Root: ledger.EmptyRoot()}, nil
	}
	if err != nil {
		return commitInfo{}, err
	}
	var info commitInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return commitInfo{}, fmt.Errorf("%w: %s: %w", ledger.ErrCorrupt, commitFile, err)
	}
	return info, nil
}

// writeCommitInfo replaces commit.json atomically and durably.
func writeCommitInfo(dir string, info commitInfo) error {
	b, err := json.Marshal(info)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, commitFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, commitFile)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
