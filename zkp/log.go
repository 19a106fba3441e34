package zkp

import (
	"sync"
	"sync/atomic"

	"github.com/consensys/gnark/logger"
	"github.com/rs/zerolog"
)

// gnark logs every compile, setup, proof and verification to stdout
// through one package-level zerolog logger (github.com/consensys/gnark/logger),
// and its provers read that logger directly rather than from an option. A
// library must stay quiet, so zkp swaps gnark's logger for a no-op one
// while its own calls into gnark run, and puts the previous logger back
// when the last of them returns. Importing zkp changes nothing; code that
// uses gnark directly while a zkp call runs is quiet for that time too.

var (
	gnarkLog     atomic.Bool // set by LogGnark: leave gnark's logger alone
	quietMu      sync.Mutex
	quietCalls   int            // zkp calls into gnark in flight
	quietSavedLg zerolog.Logger // gnark's logger before the first of them
)

// LogGnark turns gnark's own log lines (compile, setup, prove and verify
// timings, written by default as coloured lines to stdout) on or off for
// the calls zkp makes. They are off by default. With on, zkp leaves gnark's
// logger as it finds it: gnark's default, or whatever was set with
// github.com/consensys/gnark/logger.Set.
func LogGnark(on bool) { gnarkLog.Store(on) }

// quiet silences gnark's logger until the returned function is called.
// Calls nest and may run concurrently.
func quiet() (restore func()) {
	if gnarkLog.Load() {
		return func() {}
	}
	quietMu.Lock()
	if quietCalls == 0 {
		quietSavedLg = logger.Logger()
		logger.Disable()
	}
	quietCalls++
	quietMu.Unlock()
	return func() {
		quietMu.Lock()
		quietCalls--
		if quietCalls == 0 {
			logger.Set(quietSavedLg)
		}
		quietMu.Unlock()
	}
}
