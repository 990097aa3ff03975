// Package pretty indents HTML so that people can read it: in test failures
// (package livetest prints the view it could not act on) and while
// debugging.
//
// It is a package of its own so that package render, which every live
// binary links, does not link the formatter: only tests and tools import
// pretty.
package pretty

import "github.com/yosssi/gohtml"

// HTML returns html with one element or text per line, indented by depth.
// It changes whitespace, and so the tree the markup parses to: never diff
// or parse what it returns.
func HTML(html []byte) string {
	return gohtml.Format(string(html))
}
