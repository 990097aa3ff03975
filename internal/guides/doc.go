// Package guides holds the test that keeps the code of docs/guides true:
// each guide's Go and templ blocks are files of a project that templive new
// generates, and the test builds, vets and tests that project against this
// checkout.
//
// A guide's code block is a file when its first line names it:
//
//	```go
//	// file: store.go
//	package main
//	…
//	```
//
// Every go and templ block must name its file; a guide shows each file
// once, complete. The files of a guide are written over a project that
// templive new generated (so a guide may replace the generated app.go or
// main.go), templ generate compiles the templ files, and go vet and
// go test run on the result. Blocks in other languages (sh, elixir, nginx,
// Caddyfile) are not checked.
package guides
