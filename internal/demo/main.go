package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// RunFunc is a demo's whole flow: it works in dir, which exists, narrates
// on out, shows progress on errw (nil: none) and returns the first
// failure.
type RunFunc func(ctx context.Context, dir string, out, errw io.Writer) error

// Main is a demo command's main function. It parses the -dir flag, makes
// a temporary directory "civicproof-<name>-*" when none is given (removed
// when run returns), and calls run with stdout and stderr. On an error it
// prints "\n<name> FAILED: <err>" to stderr and exits with status 1; a bad
// command line exits with status 2.
func Main(name string, run RunFunc) {
	os.Exit(exitCode(context.Background(), name, os.Args[1:], run, os.Stdout, os.Stderr))
}

// exitCode is Main without the exit, for tests.
func exitCode(ctx context.Context, name string, args []string, run RunFunc, out, errw io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errw)
	dir := fs.String("dir", "", "directory for the ledger (default: a new temp dir, removed on exit)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(errw, "%s: unexpected arguments %q\n", name, fs.Args())
		fs.Usage()
		return 2
	}
	if err := runIn(ctx, name, *dir, run, out, errw); err != nil {
		fmt.Fprintf(errw, "\n%s FAILED: %v\n", name, err)
		return 1
	}
	return 0
}

// runIn calls run in dir, creating dir if it is missing, or in a new
// temporary directory that it removes afterwards when dir is empty.
func runIn(ctx context.Context, name, dir string, run RunFunc, out, errw io.Writer) error {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("-dir: %w", err)
		}
		return run(ctx, dir, out, errw)
	}
	tmp, err := os.MkdirTemp("", "civicproof-"+name+"-*")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	err = run(ctx, tmp, out, errw)
	if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
		err = fmt.Errorf("removing the temp dir: %w", rerr)
	}
	return err
}
