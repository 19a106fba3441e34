package demo

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestCache(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	if _, err := c.Load("abcdef0123", "pk"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load absent: %v", err)
	}
	if err := c.Store("abcdef0123", "pk", []byte("key")); err != nil {
		t.Fatal(err)
	}
	b, err := c.Load("abcdef0123", "pk")
	if err != nil || string(b) != "key" {
		t.Fatalf("Load = %q, %v", b, err)
	}
	for _, tc := range []struct{ fp, name string }{
		{"../../etc", "pk"}, {"short", "pk"}, {"abcdef0123", "../x"}, {"abcdef0123", "a/b"},
		{"abcdef0123", ""}, {"abcdef0123", ".."}, {"abcdef0123", strings.Repeat("k", 65)},
	} {
		if err := c.Store(tc.fp, tc.name, nil); !errors.Is(err, ErrBadFingerprint) {
			t.Errorf("Store(%q,%q) = %v, want ErrBadFingerprint", tc.fp, tc.name, err)
		}
	}
}

func TestStep(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, nil)
	if err := n.Step("ok", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	sentinel := errors.New("boom")
	if err := n.Step("fails", func() error { return sentinel }); !errors.Is(err, sentinel) {
		t.Fatalf("Step error = %v", err)
	}
	if len(n.Timings()) != 2 || !strings.Contains(out.String(), "2. fails") {
		t.Fatalf("timings %v, out %q", n.Timings(), out.String())
	}
}

func TestRunSteps(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, nil)
	var ran []string
	step := func(name string, err error) Step {
		return Step{Title: name, Fn: func() error { ran = append(ran, name); return err }}
	}
	sentinel := errors.New("boom")
	err := n.Run(step("first", nil), step("second", sentinel), step("third", nil))
	if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), "step 2 (second)") {
		t.Fatalf("Run = %v", err)
	}
	if strings.Join(ran, ",") != "first,second" {
		t.Errorf("ran %v, want first and second only", ran)
	}
	if err := n.Run(step("fourth", nil)); err != nil || !strings.Contains(out.String(), "3. fourth") {
		t.Errorf("Run = %v, out %q", err, out.String())
	}
	if len(n.Timings()) != 3 {
		t.Errorf("%d timings, want 3", len(n.Timings()))
	}
}

func TestFinish(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, nil)
	if err := n.Finish("sample", Step{Title: "one", Fn: func() error { return nil }}); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "Timings:") || !strings.HasSuffix(s, "\nsample: all steps passed.\n") {
		t.Errorf("out %q", s)
	}
	out.Reset()
	sentinel := errors.New("boom")
	if err := n.Finish("sample", Step{Title: "two", Fn: func() error { return sentinel }}); !errors.Is(err, sentinel) {
		t.Fatalf("Finish = %v", err)
	}
	if s := out.String(); strings.Contains(s, "all steps passed") || strings.Contains(s, "Timings:") {
		t.Errorf("a failed run printed %q", s)
	}
}

// TestMissing is the phrase check of TestRun on output that lacks some
// phrases (TestRun itself would fail the test).
func TestMissing(t *testing.T) {
	out := "1. one\nAccepted in 3ms\nall steps passed\n"
	if got := missing(out, []string{"Accepted in", "all steps passed"}); len(got) != 0 {
		t.Errorf("missing = %q, want none", got)
	}
	got := missing(out, []string{"Refused", "Accepted in", "2. two"})
	if strings.Join(got, "|") != "Refused|2. two" {
		t.Errorf("missing = %q, want Refused and 2. two", got)
	}
}
