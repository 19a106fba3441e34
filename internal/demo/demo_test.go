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
