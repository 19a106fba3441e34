//go:build unix

package ledger

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock on f, failing at once if
// another process (or another open in this one) holds it.
func lockFile(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("ledger: %s is open elsewhere: %w", f.Name(), err)
	}
	return nil
}
