package narrate

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFinish(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, nil)
	var ran []string
	step := func(name string, err error) Step {
		return Step{Title: name, Do: func() error { ran = append(ran, name); return err }}
	}
	if err := n.Finish("sample", step("one", nil), step("two", nil)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "\n1. one\n") || !strings.Contains(s, "\n2. two\n") || !strings.Contains(s, "Timings:") ||
		!strings.HasSuffix(s, "\nsample: all steps passed.\n") {
		t.Errorf("output %q", s)
	}
	out.Reset()
	boom := errors.New("boom")
	err := New(&out, nil).Finish("sample", step("first", nil), step("second", boom), step("third", nil))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "step 2 (second)") {
		t.Errorf("Finish = %v, want boom in step 2", err)
	}
	if strings.Join(ran, ",") != "one,two,first,second" {
		t.Errorf("ran %v: a step after a failure ran", ran)
	}
	if strings.Contains(out.String(), "all steps passed") || strings.Contains(out.String(), "Timings:") {
		t.Errorf("a failed run printed %q", out.String())
	}
}

// TestWaitPlain: progress to a writer that is not a terminal is two plain
// lines, with no carriage return or escape code.
func TestWaitPlain(t *testing.T) {
	var out, progress bytes.Buffer
	n := New(&out, &progress)
	took, err := n.Wait("proving", func() error { time.Sleep(20 * time.Millisecond); return nil })
	if err != nil || took < 20*time.Millisecond {
		t.Fatalf("Wait = %v, %v", took, err)
	}
	lines := strings.Split(strings.TrimSuffix(progress.String(), "\n"), "\n")
	if len(lines) != 2 || lines[0] != "   proving…" || !strings.HasPrefix(lines[1], "   proving: ") {
		t.Errorf("progress %q, want a start and an end line", progress.String())
	}
	if strings.ContainsAny(progress.String(), "\r\033") || out.Len() != 0 {
		t.Errorf("progress %q, narration %q", progress.String(), out.String())
	}
	boom := errors.New("boom")
	if _, err := New(&out, nil).Wait("failing", func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Wait = %v, want its function's error", err)
	}
}

func TestRunIn(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var got string
	if err := runIn("sample", "", func(d string) error { got = d; return nil }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "civicproof-sample-") {
		t.Errorf("temporary directory %q", got)
	}
	want := t.TempDir() + "/kept/ledger"
	if err := runIn("sample", want, func(d string) error { got = d; return nil }); err != nil || got != want {
		t.Errorf("runIn with -dir: %q, %v", got, err)
	}
}
