// Package narrate prints the story of a civicproof demo: numbered steps,
// indented notes, an elapsed-time line while a slow call (key setup,
// proving) runs, and the timings at the end. It is the only code the
// demos share, and it knows nothing of civicproof: copy a demo into your
// own module and keep importing it, or replace it with your own logging.
//
// Progress goes to its own writer (the demos pass stderr): on a terminal
// it is one line redrawn with the elapsed time; otherwise it is two plain
// lines, when the slow call starts and when it ends, so that redirected
// output holds no carriage returns or escape codes.
package narrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
)

// Narrator prints a demo's steps on one writer and progress on another.
type Narrator struct {
	out, progress io.Writer
	live          bool // progress is a terminal
	step          int
	timings       []timing
}

type timing struct {
	title string
	took  time.Duration
}

// New returns a Narrator printing steps on out and progress on progress
// (nil: none).
func New(out, progress io.Writer) *Narrator {
	n := &Narrator{out: out, progress: progress}
	if f, ok := progress.(*os.File); ok {
		n.live = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return n
}

// Step is one numbered step of a demo: a title and what it does.
type Step struct {
	Title string
	Do    func() error
}

// Finish runs the steps in order, each under its number and title, and
// stops at the first that fails, returning its error wrapped with the
// step's number and title. When all pass it prints how long each took and
// "<name>: all steps passed.".
func (n *Narrator) Finish(name string, steps ...Step) error {
	for _, s := range steps {
		if err := n.step1(s.Title, s.Do); err != nil {
			return err
		}
	}
	n.done(name)
	return nil
}

func (n *Narrator) step1(title string, fn func() error) error {
	n.step++
	fmt.Fprintf(n.out, "\n%d. %s\n", n.step, title)
	start := time.Now()
	err := fn()
	n.timings = append(n.timings, timing{title, time.Since(start)})
	if err != nil {
		return fmt.Errorf("step %d (%s): %w", n.step, title, err)
	}
	return nil
}

// Say prints an indented note.
func (n *Narrator) Say(format string, args ...any) {
	fmt.Fprintf(n.out, "   "+format+"\n", args...)
}

// Wait runs a slow call, showing what it does and the elapsed time on the
// progress writer while it runs, and returns how long it took.
func (n *Narrator) Wait(what string, fn func() error) (time.Duration, error) {
	start := time.Now()
	done := make(chan struct{})
	stopped := make(chan struct{})
	switch {
	case n.progress == nil:
		close(stopped)
	case n.live:
		go func() {
			defer close(stopped)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					fmt.Fprint(n.progress, "\r\033[K")
					return
				case <-tick.C:
					fmt.Fprintf(n.progress, "\r   %s… %.1fs", what, time.Since(start).Seconds())
				}
			}
		}()
	default:
		fmt.Fprintf(n.progress, "   %s…\n", what)
		close(stopped)
	}
	err := fn()
	took := time.Since(start)
	close(done)
	<-stopped
	if n.progress != nil && !n.live {
		fmt.Fprintf(n.progress, "   %s: %v\n", what, took.Round(time.Millisecond))
	}
	return took, err
}

func (n *Narrator) done(name string) {
	fmt.Fprintln(n.out, "\nTimings:")
	var total time.Duration
	width := 0
	for _, t := range n.timings {
		width = max(width, utf8.RuneCountInString(t.title))
	}
	for _, t := range n.timings {
		fmt.Fprintf(n.out, "   %-*s %v\n", width, t.title, t.took.Round(time.Millisecond))
		total += t.took
	}
	fmt.Fprintf(n.out, "   %-*s %v\n", width, "total", total.Round(time.Millisecond))
	fmt.Fprintf(n.out, "\n%s: all steps passed.\n", name)
}

// Main is a demo's main function. It reads the -dir flag (where the demo
// keeps its ledger; default: a new temporary directory, removed at the
// end), runs run with a Narrator on stdout and stderr, and exits with
// status 1 after printing "<name> FAILED: <error>" when run fails, or 2
// on a bad command line.
func Main(name string, run func(ctx context.Context, dir string, n *Narrator) error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for the demo's ledger (default: a temporary directory, removed on exit)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "%s: unexpected arguments %q\n", name, fs.Args())
		os.Exit(2)
	}
	if err := runIn(name, *dir, func(d string) error {
		return run(context.Background(), d, New(os.Stdout, os.Stderr))
	}); err != nil {
		fmt.Fprintf(os.Stderr, "\n%s FAILED: %v\n", name, err)
		os.Exit(1)
	}
}

// runIn calls fn with dir, made if missing, or with a new temporary
// directory that it removes afterwards when dir is empty.
func runIn(name, dir string, fn func(dir string) error) error {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("-dir: %w", err)
		}
		return fn(dir)
	}
	tmp, err := os.MkdirTemp("", "civicproof-"+name+"-*")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	err = fn(tmp)
	if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
		err = fmt.Errorf("removing the temporary directory: %w", rerr)
	}
	return err
}
