//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "wallet-wasm runs in a browser: GOOS=js GOARCH=wasm go build -o wallet.wasm ./cmd/wallet-wasm")
	os.Exit(2)
}
