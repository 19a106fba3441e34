//go:build linux

package ledger

import (
	"os"
	"syscall"
)

// syncData flushes the file's data and the metadata needed to read it
// back (its size), as fdatasync(2).
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
