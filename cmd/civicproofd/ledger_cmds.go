package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/civicproof/civicproof/ledger"
)

// runVerify: civicproofd verify -ledger FILE
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("ledger", "", "the ledger file to check (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	rep, err := ledger.VerifyFile(ctx, *path)
	if rep != nil {
		printReport(stdout, rep)
	}
	if err != nil {
		if errors.Is(err, ledger.ErrCorrupt) {
			fmt.Fprintf(stdout, "DAMAGED: %v\n", err)
			fmt.Fprintf(stdout, "run: civicproofd repair -ledger %s [-from BACKUP] [-truncate]\n", *path)
		}
		return err
	}
	fmt.Fprintln(stdout, "OK")
	return nil
}

func printReport(w io.Writer, rep *ledger.FileReport) {
	fmt.Fprintf(w, "origin:        %s\n", rep.Origin)
	fmt.Fprintf(w, "verifier key:  %s\n", rep.VerifierKey)
	fmt.Fprintf(w, "intact:        %d records in %d commits\n", rep.Records, rep.Commits)
	if rep.AcknowledgedKnown {
		fmt.Fprintf(w, "acknowledged:  %d records\n", rep.Acknowledged)
	} else {
		fmt.Fprintln(w, "acknowledged:  unknown (header unreadable)")
	}
	if rep.Checkpoint != nil {
		fmt.Fprintf(w, "checkpoint:    size %d root %s\n", rep.Checkpoint.Size, rep.Checkpoint.Root)
	}
	if rep.TornBytes > 0 {
		fmt.Fprintf(w, "torn tail:     %d bytes of an interrupted, unacknowledged commit\n", rep.TornBytes)
	}
}

// runRepair: civicproofd repair -ledger FILE [-from BACKUP] [-truncate]
func runRepair(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("repair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("ledger", "", "the ledger file to repair (required); it must not be open")
	from := fs.String("from", "", "a backup copy of the same ledger to take missing records from")
	truncate := fs.Bool("truncate", false, "allow dropping acknowledged records that cannot be recovered")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	rep, err := ledger.Repair(ctx, *path, ledger.RepairOptions{Backup: *from, Truncate: *truncate})
	if rep != nil {
		if rep.Damage != nil {
			fmt.Fprintf(stdout, "damage:        %v\n", rep.Damage)
		}
		switch {
		case rep.Changed:
			src := "its own intact log"
			if rep.FromBackup {
				src = "the backup " + *from
			}
			fmt.Fprintf(stdout, "repaired:      %d records from %s\n", rep.Records, src)
			fmt.Fprintf(stdout, "damaged copy:  %s\n", rep.DamagedCopy)
		case err == nil:
			fmt.Fprintf(stdout, "intact:        %d records, nothing to repair\n", rep.Records)
		}
		if rep.Dropped > 0 || rep.DroppedUnknown {
			n := fmt.Sprint(rep.Dropped)
			if rep.DroppedUnknown {
				n = "an unknown number of"
			}
			verb := "would drop"
			if rep.Changed {
				verb = "DROPPED"
			}
			fmt.Fprintf(stdout, "%s %s acknowledged records\n", verb, n)
		}
		if rep.AcknowledgedUnknown {
			fmt.Fprintln(stdout, "warning: the damaged file's header was unreadable; could not check that the backup holds every acknowledged record")
		}
	}
	return err
}
