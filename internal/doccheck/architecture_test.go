package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The architecture doc traces code by name: files (`live/view_render.go`,
// `read.go`) and what they declare (`viewChannel.rerender`, `flush`). These
// tests resolve each name against the repository, so that a rename or a
// move fails here instead of leaving the doc to drift.

// archDoc is the doc these tests check, relative to the repository root.
const archDoc = "docs/ARCHITECTURE.md"

// repoRoot is the repository root, relative to this package.
const repoRoot = "../.."

func TestArchitectureDocNamesWhatTheCodeHas(t *testing.T) {
	t.Parallel()
	code := indexRepo(t, repoRoot)
	doc, err := os.ReadFile(filepath.Join(repoRoot, archDoc))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range code.check(string(doc)) {
		t.Errorf("%s:%s", archDoc, p)
	}
}

// The check itself: each kind of drift it exists for is reported.
func TestTheArchitectureCheckReportsDrift(t *testing.T) {
	t.Parallel()
	code := indexRepo(t, repoRoot)
	for _, tc := range []struct{ name, doc string }{
		{"A file that is not there.", "See `live/view_gone.go`."},
		{"A bare file name no file has.", "See `gone.go`."},
		{"A method its type does not have.", "`viewChannel.rerenderAll` (`live/view_render.go`)"},
		{"A method declared in another file than the one named.", "`live/view_join.go` `viewChannel.rerender`"},
		{"A function no package has.", "`render.Gone` runs it."},
		{"A qualifier that names nothing.", "`viewChanel.rerender` runs it."},
		{"A name that is not in the JavaScript file named.", "`view.js` `View.vanished`"},
		{"A directory that is not there.", "See `live/gone/`."},
		{"A glob that matches nothing.", "See `live/gone_*.go`."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := code.check(tc.doc)
			if len(got) != 1 {
				t.Errorf("%q: %d problems, want 1: %q", tc.doc, len(got), got)
			}
		})
	}
	const good = "`live/view_render.go` `viewChannel.Drained` → `flush` (`view_render.go`), then `render.Component` and `live.Socket.SendAfter`; `view.js` `View.patch`"
	if got := code.check(good); len(got) != 0 {
		t.Errorf("%q: %q, want no problem", good, got)
	}
}

// foreign are the qualifiers and names the doc uses for what is not
// declared in this repository's code: Phoenix's modules and the protocol's
// words, the standard library's and gorilla's names, the browser's API,
// JavaScript receivers.
var foreign = []string{
	"Phoenix", "UserSocket", "phx_join", "phx_close", "join_ref", "disconnect",
	"context", "time", "net/http", "ReadMessage",
	"WebSocket", "this", "sink",
}

// repoIndex is what the repository declares, by file.
type repoIndex struct {
	byBase map[string][]string        // a file's base name → its paths, slash-separated, relative to root
	decls  map[string]map[string]bool // a Go file's path → the names it declares (see declare)
	js     map[string]string          // a JavaScript file's path → its text
	all    map[string]bool            // every name any Go file declares
	pkgs   map[string]bool            // every Go package name
	files  map[string]bool            // every file and directory path
}

// skipDir reports whether a directory holds nothing the doc may name.
func skipDir(name string) bool {
	return name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".")
}

// indexRepo parses the repository's Go files (tests excluded) and reads
// its JavaScript sources.
func indexRepo(t *testing.T, root string) *repoIndex {
	t.Helper()
	x := &repoIndex{byBase: map[string][]string{}, decls: map[string]map[string]bool{},
		js: map[string]string{}, all: map[string]bool{}, pkgs: map[string]bool{}, files: map[string]bool{}}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if p != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			x.files[rel] = true
			return nil
		}
		x.files[rel] = true
		x.byBase[d.Name()] = append(x.byBase[d.Name()], rel)
		switch {
		case strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go"):
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			x.decls[rel] = declare(f)
			x.pkgs[f.Name.Name] = true
			for name := range x.decls[rel] {
				x.all[name] = true
			}
		case strings.HasSuffix(rel, ".js"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			x.js[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// declare returns the names f declares, each as the doc may write it:
// "Name" and "pkg.Name" for what is declared at the top level,
// "Type.Member" and "pkg.Type.Member" for a method, a struct field or an
// interface method, and the bare "Member" too.
func declare(f *ast.File) map[string]bool {
	names := map[string]bool{}
	pkg := f.Name.Name
	add := func(typ, name string) {
		names[name] = true
		if typ == "" {
			names[pkg+"."+name] = true
			return
		}
		names[typ+"."+name] = true
		names[pkg+"."+typ+"."+name] = true
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			add(recvType(d), d.Name.Name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					add("", s.Name.Name)
					switch tt := s.Type.(type) {
					case *ast.StructType:
						for _, fld := range tt.Fields.List {
							for _, n := range fld.Names {
								add(s.Name.Name, n.Name)
							}
						}
					case *ast.InterfaceType:
						for _, m := range tt.Methods.List {
							for _, n := range m.Names {
								add(s.Name.Name, n.Name)
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						add("", n.Name)
					}
				}
			}
		}
	}
	return names
}

// recvType returns the name of a method's receiver type, "" for a function.
func recvType(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	e := d.Recv.List[0].Type
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

var (
	backticked = regexp.MustCompile("`([^`]+)`")
	identRE    = regexp.MustCompile(`^\*?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\(\))?$`)
	pathRE     = regexp.MustCompile(`^[\w.*-]+(?:/[\w.*-]*)*$`)
	itemRE     = regexp.MustCompile(`^\s*(?:[-*]|\d+\.)\s`)
)

// A unit is what a name is resolved in: a paragraph, a list item or a
// table row.
type unit struct {
	line int // of its first line, from 1
	text string
}

// units splits a markdown document into units.
func units(doc string) []unit {
	var out []unit
	cur := -1 // index in out of the unit being read
	for i, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(line)
		row := strings.HasPrefix(trimmed, "|")
		switch {
		case trimmed == "":
			cur = -1
			continue
		case row, itemRE.MatchString(line), cur < 0:
			out = append(out, unit{line: i + 1})
			cur = len(out) - 1
		}
		out[cur].text += line + "\n"
		if row {
			cur = -1
		}
	}
	return out
}

// isFile reports whether a backticked span names a source file.
func isFile(s string) bool {
	return pathRE.MatchString(s) && (strings.HasSuffix(s, ".go") || strings.HasSuffix(s, ".js") || strings.HasSuffix(s, ".md"))
}

// check resolves every name of doc and returns the problems, each as
// "line: what".
//
// A name written right after a file (`read.go` `client.readLoop`, and the
// names listed after it with commas) or right before one in parentheses
// (`client.serve` (`client.go`)) must be declared in that file: that is
// the doc's way of saying where a thing is. Any other name must be
// declared somewhere in the repository's Go code, or be a word of the
// JavaScript files its paragraph names.
func (x *repoIndex) check(doc string) []string {
	var problems []string
	for _, u := range units(doc) {
		report := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("%d: %s", u.line, fmt.Sprintf(format, args...)))
		}
		var jsFiles []string
		spans := backticked.FindAllStringSubmatchIndex(u.text, -1)
		span := func(i int) string { return u.text[spans[i][2]:spans[i][3]] }
		between := func(i, j int) string { return u.text[spans[i][1]:spans[j][0]] }
		for i := range spans {
			s := span(i)
			switch {
			case strings.HasPrefix(s, "/") || slices.Contains(foreign, s):
			case isFile(s):
				if len(x.resolveFile(s)) == 0 {
					report("`%s`: no such file", s)
				}
				jsFiles = append(jsFiles, x.jsOf(s)...)
			case strings.Contains(s, "/") && pathRE.MatchString(s):
				if !x.files[strings.TrimSuffix(s, "/")] {
					report("`%s`: no such directory", s)
				}
			}
		}
		after := "" // the file the previous name was written after
		for i := range spans {
			s := span(i)
			id := identRE.FindStringSubmatch(s)
			if id == nil || isFile(s) {
				after = ""
				continue
			}
			file := ""
			switch prev := after; {
			case i+1 < len(spans) && isFile(span(i+1)) && between(i, i+1) == " (":
				file, after = span(i+1), ""
			case i > 0 && isFile(span(i-1)) && strings.TrimSpace(between(i-1, i)) == "":
				file, after = span(i-1), span(i-1)
			case prev != "" && slices.Contains([]string{", ", " and "}, between(i-1, i)):
				file = prev
			default:
				after = ""
			}
			if why := x.resolveName(id[1], file, jsFiles); why != "" {
				report("`%s`: %s", s, why)
			}
		}
	}
	return problems
}

// jsOf returns the JavaScript files a file span names.
func (x *repoIndex) jsOf(s string) []string {
	var out []string
	for _, p := range x.resolveFile(s) {
		if strings.HasSuffix(p, ".js") {
			out = append(out, p)
		}
	}
	return out
}

// resolveFile returns the paths a file span names: the path itself, the
// files a glob matches, or, for a bare name, every file of that name.
func (x *repoIndex) resolveFile(s string) []string {
	if strings.Contains(s, "*") {
		var out []string
		for p := range x.files {
			if ok, _ := path.Match(s, p); ok {
				out = append(out, p)
			}
		}
		return out
	}
	if strings.Contains(s, "/") {
		if x.files[s] {
			return []string{s}
		}
		return nil
	}
	return x.byBase[s]
}

// resolveName returns why name names nothing, or "" if it names
// something: declared in the files file names, if it is not "", or else
// declared anywhere or a word of one of jsFiles.
func (x *repoIndex) resolveName(name, file string, jsFiles []string) string {
	first, _, _ := strings.Cut(name, ".")
	if slices.Contains(foreign, first) {
		return ""
	}
	last := name[strings.LastIndex(name, ".")+1:]
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(last) + `\b`)
	if file != "" {
		paths := x.resolveFile(file)
		for _, p := range paths {
			if x.decls[p][name] || x.js[p] != "" && word.MatchString(x.js[p]) {
				return ""
			}
		}
		return "declared in none of " + strings.Join(paths, ", ")
	}
	for _, p := range jsFiles {
		if word.MatchString(x.js[p]) {
			return ""
		}
	}
	if x.all[name] || x.pkgs[name] {
		return ""
	}
	return "declared nowhere"
}
