package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// ErrBadFingerprint is returned for a cache fingerprint or entry name that
// is not a safe file name (letters, digits, '_' and '-' only).
var ErrBadFingerprint = errors.New("demo: bad fingerprint")

// Narrator prints numbered steps and plain-language notes, and records how
// long each step took.
type Narrator struct {
	Out   io.Writer // narration (stdout)
	Err   io.Writer // progress line (stderr)
	step  int
	times []Timing
}

// Timing is one step's duration.
type Timing struct {
	Step string
	Took time.Duration
}

// New returns a Narrator writing to out and progress to errw.
func New(out, errw io.Writer) *Narrator { return &Narrator{Out: out, Err: errw} }

// Step runs fn as a numbered step titled title, shows a progress line on
// Err while it runs, and records its duration. It returns fn's error wrapped
// with the step title.
func (n *Narrator) Step(title string, fn func() error) error {
	n.step++
	fmt.Fprintf(n.Out, "\n%d. %s\n", n.step, title)
	stop := n.spin(title)
	start := time.Now()
	err := fn()
	took := time.Since(start)
	stop()
	n.times = append(n.times, Timing{Step: title, Took: took})
	if err != nil {
		return fmt.Errorf("step %d (%s): %w", n.step, title, err)
	}
	return nil
}

// Step is one numbered step of a demo: a title and what it does.
type Step struct {
	Title string
	Fn    func() error
}

// Run runs steps in order with Step, stopping at the first error, which it
// returns.
func (n *Narrator) Run(steps ...Step) error {
	for _, s := range steps {
		if err := n.Step(s.Title, s.Fn); err != nil {
			return err
		}
	}
	return nil
}

// Finish runs steps, prints the timings and "<name>: all steps passed."
// when every step passed; it returns the first step's error otherwise.
func (n *Narrator) Finish(name string, steps ...Step) error {
	if err := n.Run(steps...); err != nil {
		return err
	}
	n.Summary()
	fmt.Fprintf(n.Out, "\n%s: all steps passed.\n", name)
	return nil
}

// Say prints an indented line of narration.
func (n *Narrator) Say(format string, args ...any) {
	fmt.Fprintf(n.Out, "   "+format+"\n", args...)
}

// Timings returns the recorded step durations.
func (n *Narrator) Timings() []Timing { return append([]Timing(nil), n.times...) }

// Summary prints the step timings.
func (n *Narrator) Summary() {
	fmt.Fprintln(n.Out, "\nTimings:")
	var total time.Duration
	for _, t := range n.times {
		fmt.Fprintf(n.Out, "   %-60s %v\n", t.Step, t.Took.Round(time.Millisecond))
		total += t.Took
	}
	fmt.Fprintf(n.Out, "   %-60s %v\n", "total", total.Round(time.Millisecond))
}

// spin shows a progress line on Err while a step runs, when Err is a
// terminal (redirected output gets no carriage-return frames).
func (n *Narrator) spin(title string) func() {
	if !isTerminal(n.Err) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := `|/-\`
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		shown := false
		for i := 0; ; i++ {
			select {
			case <-done:
				if shown {
					fmt.Fprint(n.Err, "\r\033[K")
				}
				return
			case <-t.C:
				shown = true
				fmt.Fprintf(n.Err, "\r%c %s (%.1fs)", frames[i%4], title, time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var (
	fpRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`)
	nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// Cache stores proving material under Dir/<fingerprint>/<name>.
type Cache struct{ Dir string }

// UserCache returns the cache rooted at os.UserCacheDir()/civicproof.
func UserCache() (Cache, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return Cache{}, fmt.Errorf("demo: user cache dir: %w", err)
	}
	return Cache{Dir: filepath.Join(d, "civicproof")}, nil
}

// Load returns the cached bytes for fingerprint/name, or os.ErrNotExist
// (wrapped) if absent.
func (c Cache) Load(fingerprint, name string) ([]byte, error) {
	p, err := c.path(fingerprint, name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("demo: load %s: %w", name, err)
	}
	return b, nil
}

// Store writes b atomically to fingerprint/name.
func (c Cache) Store(fingerprint, name string, b []byte) error {
	p, err := c.path(fingerprint, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("demo: store %s: %w", name, err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), name+".tmp*")
	if err != nil {
		return fmt.Errorf("demo: store %s: %w", name, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("demo: store %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("demo: store %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("demo: store %s: %w", name, err)
	}
	return nil
}

func (c Cache) path(fingerprint, name string) (string, error) {
	if !fpRE.MatchString(fingerprint) || !nameRE.MatchString(name) {
		return "", fmt.Errorf("%w: %q/%q", ErrBadFingerprint, fingerprint, name)
	}
	return filepath.Join(c.Dir, fingerprint, name), nil
}
