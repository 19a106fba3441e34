package cometbft

import (
	"os"

	"github.com/cometbft/cometbft/libs/log"
)

func debugLogger() log.Logger {
	if os.Getenv("CBFT_DEBUG") == "" {
		return nil
	}
	return log.NewTMLogger(log.NewSyncWriter(os.Stderr))
}
