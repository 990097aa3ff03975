package js_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// node runs a Node.js script from the repository root and returns its output. It
// fails the test when Node or the npm dev dependencies are missing.
func node(t *testing.T, args ...string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: install Node.js 20+, then run `npm ci` at the repository root")
	}
	for _, dep := range []string{"esbuild", "typescript", "phoenix"} {
		if _, err := os.Stat(filepath.Join(root, "node_modules", dep)); err != nil {
			t.Fatalf("node_modules/%s is missing: run `npm ci` at the repository root", dep)
		}
	}
	cmd := exec.CommandContext(t.Context(), "node", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestBundleIsFreshAndSmall fails when js/dist differs from a build of js/src, or
// when the minified bundle is over its gzip budget.
func TestBundleIsFreshAndSmall(t *testing.T) {
	t.Parallel()
	out := node(t, "js/build.mjs", "--check", "--size")
	t.Log(strings.TrimSpace(out))
}

// TestTypes type-checks the JSDoc of js/src with tsc.
func TestTypes(t *testing.T) {
	t.Parallel()
	node(t, "node_modules/typescript/bin/tsc", "-p", "js/tsconfig.json")
}

// TestNode runs the pure-logic tests of js/test with node --test: presence and
// serializer against the phoenix package, the socket against a fake WebSocket.
func TestNode(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("test/*.test.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no tests in js/test: %v", err)
	}
	args := []string{"--test", "--test-reporter=dot"}
	for _, f := range files {
		args = append(args, filepath.Join("js", f))
	}
	node(t, args...)
}
