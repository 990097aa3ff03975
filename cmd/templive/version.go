package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// templiveModule is the module path of templive.
const templiveModule = "github.com/templive/templive"

// replacedVersion is the version a go.mod requires of a module it replaces
// with a directory: the go command's own placeholder.
const replacedVersion = "v0.0.0-00010101000000-000000000000"

// templive is what a new project's go.mod says of templive: a version, or
// a local checkout that replaces it.
type templive struct {
	version string
	replace string // the checkout's absolute directory, or ""
}

// resolveTemplive decides which templive a new project uses. flag is the
// -templive flag: a version ("v0.4.0"), or the directory of a checkout
// (anything with a path separator, or a directory that exists). Without
// it, a command the go command downloaded (go run …/cmd/templive@v0.4.0)
// uses its own version, and one built from a checkout uses that checkout.
func resolveTemplive(flag string) (templive, error) {
	if flag != "" {
		if fi, err := os.Stat(flag); strings.ContainsAny(flag, `/\`) || flag == "." || (err == nil && fi.IsDir()) {
			return checkout(flag)
		}
		if !strings.HasPrefix(flag, "v") {
			return templive{}, fmt.Errorf("-templive %s: want a version such as v0.4.0, or a checkout's directory", flag)
		}
		return templive{version: flag}, nil
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == templiveModule && bi.Main.Sum != "" && bi.Main.Version != "(devel)" {
		// Built from the module cache: a published version.
		return templive{version: bi.Main.Version}, nil
	}
	// Built from a checkout: this source file is in it, unless the build
	// trimmed paths.
	_, file, _, ok := runtime.Caller(0)
	if ok && filepath.IsAbs(file) {
		if tl, err := checkout(filepath.Join(filepath.Dir(file), "..", "..")); err == nil {
			return tl, nil
		}
	}
	return templive{}, errors.New("cannot tell which templive to use: pass -templive with a version (v0.4.0) or a checkout's directory")
}

// checkout returns a templive replaced by the checkout in dir, after
// checking that dir holds templive's module.
func checkout(dir string) (templive, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return templive{}, err
	}
	mod, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil {
		return templive{}, fmt.Errorf("-templive %s: not a checkout of templive: %w", dir, err)
	}
	if path := modulePathOf(mod); path != templiveModule {
		return templive{}, fmt.Errorf("-templive %s: the module there is %q, not %s", dir, path, templiveModule)
	}
	return templive{version: replacedVersion, replace: abs}, nil
}

// modulePathOf returns the path a go.mod's module line declares.
func modulePathOf(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
