package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// update rewrites the skeleton's compiled templ files instead of checking
// them: go test ./cmd/templive -run TestTheSkeletonsTemplFiles -update.
var update = flag.Bool("update", false, "rewrite the skeleton's *_templ.go files")

// repoRoot is the checkout these tests run in: the -templive the projects
// they generate replace templive with.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goCmd returns a go command run in dir, bounded by ctx, with the
// environment of the test and no workspace.
func goCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// generate runs templive new into a fresh directory with templive replaced
// by this checkout, and returns the directory.
func generate(t *testing.T, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "myapp")
	var out bytes.Buffer
	args := append([]string{"new", "-templive", repoRoot(t)}, extra...)
	if code := run(append(args, dir), &out, &out); code != 0 {
		t.Fatalf("templive new exited with %d:\n%s", code, out.String())
	}
	return dir
}

func TestNewWritesAProjectThatVetsAndPassesItsOwnTests(t *testing.T) {
	t.Parallel()
	dir := generate(t)
	for _, f := range []string{"go.mod", "go.sum", "main.go", "app.go", "layout.templ", "layout_templ.go",
		"home.go", "home.templ", "home_templ.go", "home_test.go", ".gitignore", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the project lacks %s: %v", f, err)
		}
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	for _, want := range []string{"module myapp\n", "tool github.com/a-h/templ/cmd/templ\n",
		"github.com/a-h/templ " + templVersion + "\n", "replace github.com/templive/templive => " + repoRoot(t) + "\n"} {
		if !strings.Contains(string(gomod), want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	for _, want := range []string{"go run . -dev", "go test ./...", "go tool templ generate --watch"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q", want)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}, {"build", "-o", os.DevNull, "."}} {
		if out, err := goCmd(ctx, dir, args...).CombinedOutput(); err != nil {
			t.Errorf("go %s in the new project: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// The main package's own checks: gofmt, and no file left unformatted.
	if out, err := exec.CommandContext(ctx, "gofmt", "-l", dir).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("gofmt -l: %v\n%s", err, out)
	}
}

func TestNewNamesTheModuleAfterTheFlagOrTheDirectory(t *testing.T) {
	t.Parallel()
	dir := generate(t, "-module", "example.com/team/shop", "-tidy=false")
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !bytes.HasPrefix(gomod, []byte("module example.com/team/shop\n")) {
		t.Errorf("go.mod starts %q", gomod[:min(len(gomod), 60)])
	}
	app, _ := os.ReadFile(filepath.Join(dir, "app.go"))
	if !bytes.Contains(app, []byte(`const appName = "shop"`)) {
		t.Errorf("app.go does not name the app after the module's last element:\n%s", app)
	}
	ignore, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if !bytes.Contains(ignore, []byte("/shop\n")) {
		t.Errorf(".gitignore does not ignore the binary:\n%s", ignore)
	}
	main, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	if !regexp.MustCompile(`const devSecret = "[0-9a-f]{64}"`).Match(main) {
		t.Errorf("main.go has no 32-byte development secret")
	}
	other := generate(t, "-tidy=false")
	main2, _ := os.ReadFile(filepath.Join(other, "main.go"))
	if bytes.Equal(main, main2) {
		t.Error("two projects got the same development secret")
	}
}

func TestNewRefusesWhatItCannotDo(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "notes.txt"), []byte("mine"), 0o644)
	notTemplive := t.TempDir()
	os.WriteFile(filepath.Join(notTemplive, "go.mod"), []byte("module example.com/other\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a directory with files in it is left alone", []string{"new", full}, 1, "is not empty"},
		{"a module path with a space is refused", []string{"new", "-module", "my app", filepath.Join(t.TempDir(), "x")}, 1, "not a module path"},
		{"a -templive that is neither a version nor a checkout is refused", []string{"new", "-templive", "latest", filepath.Join(t.TempDir(), "x")}, 1, "want a version"},
		{"a -templive directory of another module is refused", []string{"new", "-templive", notTemplive, filepath.Join(t.TempDir(), "x")}, 1, "not github.com/templive/templive"},
		{"no directory is a usage error", []string{"new"}, 2, "usage: templive new"},
		{"an unknown command is a usage error", []string{"old", "x"}, 2, "usage: templive new"},
		{"arguments after the directory that are not flags are refused", []string{"new", filepath.Join(t.TempDir(), "x"), "extra"}, 2, "unexpected arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if code := run(tc.args, &out, &out); code != tc.code {
				t.Errorf("exit code %d, want %d:\n%s", code, tc.code, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("new wrote into a directory that was not empty: %v", entries)
	}
}

func TestNewBuiltFromACheckoutReplacesTempliveWithIt(t *testing.T) {
	t.Parallel()
	// A test binary is built from this checkout, as go run ./cmd/templive is.
	tl, err := resolveTemplive("")
	if err != nil {
		t.Fatal(err)
	}
	if tl.replace != repoRoot(t) || tl.version != replacedVersion {
		t.Errorf("resolveTemplive() = %+v, want a replace by %s", tl, repoRoot(t))
	}
	if tl, err := resolveTemplive("v1.2.3"); err != nil || tl != (templive{version: "v1.2.3"}) {
		t.Errorf("resolveTemplive(v1.2.3) = %+v, %v", tl, err)
	}
}

func TestTheProjectPinsWhatTempliveUses(t *testing.T) {
	t.Parallel()
	gomod, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\ngo " + goVersion + "\n", "\tgithub.com/a-h/templ " + templVersion + "\n"} {
		if !bytes.Contains(gomod, []byte(want)) {
			t.Errorf("templive's go.mod lacks %q: update the constants in new.go", strings.TrimSpace(want))
		}
	}
}

func TestTheSkeletonsTemplFilesAreCompiled(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(skeletonRoot)
	templs, _ := filepath.Glob(filepath.Join(src, "*.templ"))
	if len(templs) == 0 {
		t.Fatal("the skeleton has no .templ files")
	}
	for _, f := range templs {
		data, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(tmp, filepath.Base(f)), data, 0o644)
	}
	// -path makes the file names in the generated code relative to the
	// project's root, as they are when the project regenerates them.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if out, err := goCmd(ctx, ".", "tool", "templ", "generate", "-path", tmp).CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, f := range templs {
		name := strings.TrimSuffix(filepath.Base(f), ".templ") + "_templ.go"
		want, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join(src, name), want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, _ := os.ReadFile(filepath.Join(src, name)); !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test ./cmd/templive -run %s -update", filepath.Join(src, name), t.Name())
		}
	}
}
