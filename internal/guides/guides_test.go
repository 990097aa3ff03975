package guides

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// guidesDir is where the guides are, from this package's directory.
const guidesDir = "../../docs/guides"

// A block is a file a guide's code block holds.
type block struct {
	name string // the file's path in the project
	lang string // go, templ
	text []byte
	line int // where the block starts in the guide
}

// blocks returns the files in the go and templ code blocks of a guide.
func blocks(guide []byte) ([]block, error) {
	var (
		out  []block
		cur  *block
		body bytes.Buffer
		seen = map[string]int{}
	)
	sc := bufio.NewScanner(bytes.NewReader(guide))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.HasPrefix(line, "```")
		switch {
		case cur == nil && fence:
			lang := strings.TrimSpace(strings.TrimPrefix(line, "```"))
			if lang == "go" || lang == "templ" {
				cur = &block{lang: lang, line: n}
				body.Reset()
			} else if lang != "" {
				cur = &block{line: n} // another language: skipped
			} else {
				return nil, fmt.Errorf("line %d: a code block without a language", n)
			}
		case cur != nil && fence:
			if cur.lang != "" {
				first, rest, _ := bytes.Cut(body.Bytes(), []byte("\n"))
				name, ok := strings.CutPrefix(string(first), "// file: ")
				if !ok {
					return nil, fmt.Errorf("line %d: a %s block whose first line is not // file: <name>", cur.line, cur.lang)
				}
				name = strings.TrimSpace(name)
				if !filepath.IsLocal(name) || path.Ext(name) != "."+cur.lang {
					return nil, fmt.Errorf("line %d: %q is not a local .%s file", cur.line, name, cur.lang)
				}
				if prev, dup := seen[name]; dup {
					return nil, fmt.Errorf("line %d: %s is shown again (first at line %d); show each file once", cur.line, name, prev)
				}
				seen[name] = cur.line
				cur.name = name
				// The // file: line stays out of the file, so that a
				// package comment on the next line stays one.
				cur.text = bytes.Clone(rest)
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil && cur.lang != "":
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: a code block that never ends", cur.line)
	}
	return out, sc.Err()
}

func TestTheGuidesCodeBuildsAndPassesItsTests(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	guides, err := filepath.Glob(filepath.Join(guidesDir, "*.md"))
	if err != nil || len(guides) == 0 {
		t.Fatalf("no guides in %s: %v", guidesDir, err)
	}
	for _, guide := range guides {
		t.Run(filepath.Base(guide), func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(guide)
			if err != nil {
				t.Fatal(err)
			}
			files, err := blocks(text)
			if err != nil {
				t.Fatalf("%s: %v", guide, err)
			}
			if len(files) == 0 {
				return // a guide without Go: nothing to build
			}
			ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
			defer cancel()
			dir := filepath.Join(t.TempDir(), "app")
			run(t, ctx, root, "go", "run", "./cmd/templive", "new", "-templive", root, "-tidy=false", dir)
			templ := false
			for _, f := range files {
				dst := filepath.Join(dir, f.name)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(dst, f.text, 0o644); err != nil {
					t.Fatal(err)
				}
				templ = templ || f.lang == "templ"
			}
			run(t, ctx, dir, "go", "mod", "tidy")
			if templ {
				run(t, ctx, dir, "go", "tool", "templ", "generate")
			}
			run(t, ctx, dir, "go", "vet", "./...")
			t.Logf("go test:\n%s", run(t, ctx, dir, "go", "test", "-count=1", "-v", "./..."))
			if out, err := exec.CommandContext(ctx, "gofmt", "-l", dir).CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("%s: gofmt would change: %v\n%s", guide, err, out)
			}
		})
	}
}

// run runs a command in dir and returns its output; it fails the test,
// with the output, if the command fails.
func run(t *testing.T, ctx context.Context, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func TestBlocksNamesEachFileOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		guide string
		files []string
		err   string
	}{
		{name: "go and templ blocks are files; others are skipped",
			guide: "```sh\ngo test\n```\n```go\n// file: a.go\npackage main\n```\n```templ\n// file: v/b.templ\npackage v\n```\n",
			files: []string{"a.go", "v/b.templ"}},
		{name: "a go block without a file line is refused", guide: "```go\npackage main\n```\n", err: "first line is not // file:"},
		{name: "a file shown twice is refused", guide: "```go\n// file: a.go\n```\n```go\n// file: a.go\n```\n", err: "shown again"},
		{name: "a file outside the project is refused", guide: "```go\n// file: ../a.go\n```\n", err: "not a local .go file"},
		{name: "a block without a language is refused", guide: "```\nx\n```\n", err: "without a language"},
		{name: "an unclosed block is refused", guide: "```go\n// file: a.go\n", err: "never ends"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := blocks([]byte(tc.guide))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range got {
				names = append(names, b.name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.files) {
				t.Errorf("files %v, want %v", names, tc.files)
			}
		})
	}
}
