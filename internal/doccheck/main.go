// Command doccheck reports doc links in Go doc comments whose target does not
// exist, such as these when the name was renamed or removed:
//
//	[Name] [Type.Method] [*Type] [pkg.Name] [path/to/pkg.Name]
//
// go doc and pkgsite show such a link as plain text in brackets, and neither
// go vet nor staticcheck reports it. Run it as
//
//	go run ./internal/doccheck ./...
//
// It checks the doc comments of the packages' non-test files: those of the
// package, of declarations, exported or not, and of struct fields and
// interface methods. Two kinds of bracketed text are left alone, as likely
// meant as text: a lowercase word that names no package, as go doc does; and
// a name right after a closing bracket, the type argument of a linked generic
// type. Neither of these is reported:
//
//	[optional] [Diff][M]
//
// A bracketed import path is checked.
//
// With -known FILE, the broken links listed in FILE are reported as known
// and do not fail the run. Each line of FILE is a file name, relative to the
// current directory, a space and the link as written; lines starting with #
// are comments:
//
//	# fixed by the restructuring of live
//	live/doc.go [OldName]
//
// It exits 1 if it reports a link that is not known, and 2 if the packages do
// not load.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

func main() {
	known := flag.String("known", "", "`file` of broken links to report without failing, one a line:\n"+
		"a file name relative to the current directory, a space and the link in brackets")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: doccheck [-known file] [packages] (default ./...)")
		flag.PrintDefaults()
	}
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	var allowed []string
	if *known != "" {
		b, err := os.ReadFile(*known)
		if err != nil {
			fmt.Fprintln(os.Stderr, "doccheck:", err)
			os.Exit(2)
		}
		for line := range strings.Lines(string(b)) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				allowed = append(allowed, line)
			}
		}
	}
	broken, err := check("", patterns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "doccheck:", err)
		os.Exit(2)
	}
	wd, _ := os.Getwd()
	failed, unused := 0, slices.Clone(allowed)
	for _, b := range broken {
		if key := b.key(wd); slices.Contains(allowed, key) {
			fmt.Println("known:", b.String(wd))
			unused = slices.DeleteFunc(unused, func(s string) bool { return s == key })
			continue
		}
		fmt.Println(b.String(wd))
		failed++
	}
	for _, key := range unused {
		fmt.Fprintf(os.Stderr, "doccheck: %s is no longer broken: remove it from %s\n", key, *known)
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "doccheck: %d doc links point to nothing\n", failed)
		os.Exit(1)
	}
}

// A brokenLink is a doc link whose target does not exist.
type brokenLink struct {
	pos  token.Position
	text string // between the brackets, as written
	why  string
}

// String is the report line, with the file name relative to dir when it is
// under dir.
func (b brokenLink) String(dir string) string {
	pos := b.pos
	if rel, err := filepath.Rel(dir, pos.Filename); err == nil && dir != "" && !strings.HasPrefix(rel, "..") {
		pos.Filename = rel
	}
	return fmt.Sprintf("%s: doc link [%s]: %s", pos, b.text, b.why)
}

// key is how a -known file names b: its file, relative to dir, and the link.
func (b brokenLink) key(dir string) string {
	name := b.pos.Filename
	if rel, err := filepath.Rel(dir, name); err == nil {
		name = rel
	}
	return filepath.ToSlash(name) + " [" + b.text + "]"
}

// A link is a doc link found in a comment, before it is resolved.
type link struct {
	pos        token.Position
	text       string
	pkg        *types.Package // the package whose comment holds it
	path       string         // import path of the target package; "" if the written name names no package
	pkgWritten string         // the package part as written, if any
	recv, name string         // name is "" for a link to a package
}

// check loads the packages that match patterns, run from dir ("" for the
// current directory), and returns their broken doc links in file order.
func check(dir string, patterns []string) ([]brokenLink, error) {
	// Types come from the compiler's export data, which has every name a
	// link can name (links name exported identifiers only); comments come
	// from the source files, parsed here: with cgo, the files that
	// go/packages parses are the generated ones.
	fset := token.NewFileSet()
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes | packages.NeedModule,
		Dir:  dir,
		Fset: fset,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	if packages.PrintErrors(pkgs) > 0 {
		return nil, fmt.Errorf("the packages do not load")
	}
	var modules []string // of the packages checked
	for _, p := range pkgs {
		if p.Module != nil && !slices.Contains(modules, p.Module.Path) {
			modules = append(modules, p.Module.Path)
		}
	}

	// The packages links point to, by import path. Those that a checked
	// package imports are loaded on their own below: the export data of a
	// package holds only the part of an import that it uses.
	loaded := make(map[string]*types.Package)
	for _, p := range pkgs {
		loaded[p.PkgPath] = p.Types
	}

	var links []link
	for _, p := range pkgs {
		files, err := parseFiles(fset, p.GoFiles)
		if err != nil {
			return nil, err
		}
		links = append(links, packageLinks(fset, p, files)...)
	}

	var missing []string
	for _, l := range links {
		if _, ok := loaded[l.path]; !ok && l.path != "" && !slices.Contains(missing, l.path) {
			missing = append(missing, l.path)
		}
	}
	if len(missing) > 0 {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: dir, Fset: fset}
		more, err := packages.Load(cfg, missing...)
		if err != nil {
			return nil, err
		}
		for _, p := range more {
			if len(p.Errors) == 0 && p.Types != nil {
				loaded[p.PkgPath] = p.Types
			}
		}
	}

	var broken []brokenLink
	for _, l := range links {
		if why := l.resolve(loaded, modules); why != "" {
			broken = append(broken, brokenLink{pos: l.pos, text: l.text, why: why})
		}
	}
	sort.SliceStable(broken, func(i, j int) bool {
		a, b := broken[i].pos, broken[j].pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return broken, nil
}

// resolve returns why l points to nothing, or "" if its target exists.
// loaded has the packages loaded, by import path; modules are those of the
// packages checked.
func (l link) resolve(loaded map[string]*types.Package, modules []string) string {
	if l.path == "" {
		if l.name == "" {
			return "" // [word] naming no package: prose, not a link
		}
		return fmt.Sprintf("no package named %s is imported", l.pkgWritten)
	}
	tp := loaded[l.path]
	if tp == nil {
		if !isStd(l.path) && !inModule(l.path, modules) {
			// Perhaps in a module that the build does not use: it
			// cannot be checked from here.
			return ""
		}
		return fmt.Sprintf("no package %s", l.path)
	}
	if l.name == "" || exists(tp, l.recv, l.name) {
		return ""
	}
	what := l.name
	if l.recv != "" {
		what = l.recv + "." + l.name
	}
	if tp == l.pkg {
		return fmt.Sprintf("no %s in this package", what)
	}
	return fmt.Sprintf("no %s in package %s", what, tp.Path())
}

// isStd reports whether path is that of a standard package: its first element
// has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// inModule reports whether path is in one of modules.
func inModule(path string, modules []string) bool {
	for _, m := range modules {
		if path == m || strings.HasPrefix(path, m+"/") {
			return true
		}
	}
	return false
}

// exists reports whether tp declares name at package level, or, if recv is
// set, whether its type recv has a method or field name (promoted ones too).
func exists(tp *types.Package, recv, name string) bool {
	if recv == "" {
		return tp.Scope().Lookup(name) != nil
	}
	tn, ok := tp.Scope().Lookup(recv).(*types.TypeName)
	if !ok {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(tn.Type(), true, tp, name)
	return obj != nil
}

// parseFiles parses the Go files named, with their comments.
func parseFiles(fset *token.FileSet, names []string) ([]*ast.File, error) {
	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// packageLinks returns the doc links in the doc comments of files, those of
// package p.
func packageLinks(fset *token.FileSet, p *packages.Package, files []*ast.File) []link {
	// go/doc resolves package names in links as go doc and pkgsite do:
	// through the files' imports (named or not) and the package's own name.
	// (AllDecls: without it, NewFromFiles drops unexported declarations
	// from the files, PreserveAST or not.)
	dp, err := doc.NewFromFiles(fset, files, p.PkgPath, doc.AllDecls|doc.PreserveAST)
	if err != nil {
		dp = &doc.Package{Name: p.Name}
	}
	lookupPackage := dp.Parser().LookupPackage

	// A parser that takes every well-formed link: it finds what go doc
	// would try to link, whether or not the target exists. A package is
	// named by an identifier (or an import path, which the parser checks).
	var written []*comment.DocLink
	every := &comment.Parser{
		LookupPackage: func(name string) (string, bool) { return name, token.IsIdentifier(name) },
		LookupSym:     func(recv, name string) bool { return true },
	}

	var links []link
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var cg *ast.CommentGroup
			switch n := n.(type) {
			case *ast.File:
				cg = n.Doc
			case *ast.GenDecl:
				cg = n.Doc
			case *ast.FuncDecl:
				cg = n.Doc
			case *ast.TypeSpec:
				cg = n.Doc
			case *ast.ValueSpec:
				cg = n.Doc
			case *ast.Field:
				cg = n.Doc
			}
			if cg == nil {
				return true
			}
			written = written[:0]
			collect(every.Parse(cg.Text()).Content, &written)
			from := 0 // where the next link's text is looked for in cg
			for _, dl := range written {
				l := link{pkg: p.Types, recv: dl.Recv, name: dl.Name, text: plain(dl.Text)}
				var before byte
				l.pos, before, from = position(fset, cg, l.text, from)
				if before == ']' {
					continue // type arguments, as in [Diff][M]
				}
				switch pkg := dl.ImportPath; {
				case pkg == "":
					l.path = p.PkgPath
				case strings.Contains(pkg, "/"):
					l.path = pkg
				default:
					l.pkgWritten = pkg
					if path, ok := lookupPackage(pkg); ok {
						if path == "" { // the package's own name
							path = p.PkgPath
						}
						l.path = path
					} else if path, ok := comment.DefaultLookupPackage(pkg); ok {
						l.path = path
					}
				}
				links = append(links, l)
			}
			return true
		})
	}
	return links
}

// collect appends the doc links in blocks to out.
func collect(blocks []comment.Block, out *[]*comment.DocLink) {
	for _, b := range blocks {
		switch b := b.(type) {
		case *comment.Paragraph:
			for _, t := range b.Text {
				if dl, ok := t.(*comment.DocLink); ok {
					*out = append(*out, dl)
				}
			}
		case *comment.List:
			for _, item := range b.Items {
				collect(item.Content, out)
			}
		}
	}
}

// plain returns the text of a link as written.
func plain(ts []comment.Text) string {
	var b strings.Builder
	for _, t := range ts {
		if p, ok := t.(comment.Plain); ok {
			b.WriteString(string(p))
		}
	}
	return b.String()
}

// position returns where "[text]" is in cg at or after byte from of the
// comments' concatenated source, the byte before it, and the offset just past
// it; if it is not found, the start of cg, 0 and from.
func position(fset *token.FileSet, cg *ast.CommentGroup, text string, from int) (pos token.Position, before byte, next int) {
	want := "[" + text + "]"
	base := 0
	for _, c := range cg.List {
		end := base + len(c.Text)
		if from < end {
			start := max(from-base, 0)
			if i := strings.Index(c.Text[start:], want); i >= 0 {
				off := start + i
				if off > 0 {
					before = c.Text[off-1]
				}
				return fset.Position(c.Slash + token.Pos(off)), before, base + off + len(want)
			}
		}
		base = end
	}
	return fset.Position(cg.Pos()), 0, from
}
