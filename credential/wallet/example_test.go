package wallet_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/civicproof/civicproof/credential/wallet"
)

// A wallet is created under a passphrase, reopened, and refuses a wrong
// passphrase without touching the file.
func Example() {
	dir, _ := os.MkdirTemp("", "wallet-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "wallet.bin")

	// Real wallets use the default argon2id parameters (64 MiB); the
	// example uses small ones to run fast.
	opts := wallet.Options{KDF: wallet.KDFParams{Time: 1, MemoryKiB: 1024, Threads: 1}}
	w, err := wallet.Create(path, []byte("correct horse battery staple"), opts)
	if err != nil {
		panic(err)
	}
	binding := w.HolderBinding() // what the wallet sends an issuer

	_, err = wallet.Open(path, []byte("wrong"))
	fmt.Println("wrong passphrase:", errors.Is(err, wallet.ErrWrongPassphrase))

	again, err := wallet.Open(path, []byte("correct horse battery staple"))
	if err != nil {
		panic(err)
	}
	b := again.HolderBinding()
	fmt.Println("same holder:", b.Equal(&binding))
	fmt.Println("credentials:", len(again.List("", "")))
	// Output:
	// wrong passphrase: true
	// same holder: true
	// credentials: 0
}
