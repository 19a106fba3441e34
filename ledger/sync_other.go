//go:build !linux && !js && !wasip1

package ledger

import "os"

// syncData flushes the file to stable storage.
func syncData(f *os.File) error { return f.Sync() }
