package demo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainTempDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var got string
	run := func(_ context.Context, dir string, out, _ io.Writer) error {
		got = dir
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("run got %q, not an existing directory: %v", dir, err)
		}
		_, err := io.WriteString(out, "ran")
		return err
	}
	var out, errw bytes.Buffer
	if code := exitCode(context.Background(), "sample", nil, run, &out, &errw); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errw.String())
	}
	if filepath.Dir(got) != tmp || !strings.HasPrefix(filepath.Base(got), "civicproof-sample-") {
		t.Errorf("temp dir %q, want civicproof-sample-* in %s", got, tmp)
	}
	if _, err := os.Stat(got); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir not removed: %v", err)
	}
	if out.String() != "ran" || errw.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", out.String(), errw.String())
	}
}

func TestMainDirFlag(t *testing.T) {
	want := filepath.Join(t.TempDir(), "new", "ledger")
	var got string
	run := func(_ context.Context, dir string, _, _ io.Writer) error {
		got = dir
		return os.WriteFile(filepath.Join(dir, "kept"), nil, 0o600)
	}
	if code := exitCode(context.Background(), "sample", []string{"-dir", want}, run, io.Discard, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got != want {
		t.Errorf("run got %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(want, "kept")); err != nil {
		t.Errorf("the -dir directory was not kept: %v", err)
	}
}

func TestMainFailure(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var dir string
	run := func(_ context.Context, d string, _, _ io.Writer) error {
		dir = d
		return errors.New("step 3 (issue): boom")
	}
	var errw bytes.Buffer
	if code := exitCode(context.Background(), "sample", nil, run, io.Discard, &errw); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "\nsample FAILED: step 3 (issue): boom\n"; errw.String() != want {
		t.Errorf("stderr %q, want %q", errw.String(), want)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir not removed after a failure: %v", err)
	}
}

func TestMainUsage(t *testing.T) {
	called := false
	run := func(context.Context, string, io.Writer, io.Writer) error { called = true; return nil }
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{[]string{"-nope"}, 2},
		{[]string{"extra"}, 2},
	} {
		var errw bytes.Buffer
		if code := exitCode(context.Background(), "sample", tc.args, run, io.Discard, &errw); code != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.args, code, tc.code)
		}
		if !strings.Contains(errw.String(), "-dir") {
			t.Errorf("%q: usage not shown: %q", tc.args, errw.String())
		}
	}
	if called {
		t.Error("run called despite a bad command line")
	}
}

func TestTestRun(t *testing.T) {
	cache := os.Getenv("XDG_CACHE_HOME")
	t.Run("run", func(t *testing.T) {
		out := TestRun(t, func(_ context.Context, dir string, out, errw io.Writer) error {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				t.Errorf("run got %q, not an existing directory: %v", dir, err)
			}
			if c := os.Getenv("XDG_CACHE_HOME"); c == "" || c == cache {
				t.Errorf("XDG_CACHE_HOME = %q, want a test directory", c)
			}
			if errw != nil {
				t.Error("progress line written during a test")
			}
			_, err := io.WriteString(out, "1. one\n2. two\nall steps passed\n")
			return err
		}, "2. two", "all steps passed")
		if !strings.HasSuffix(out, "all steps passed\n") {
			t.Errorf("returned %q", out)
		}
	})
}
