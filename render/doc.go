// Package render turns a templ component into HTML and HTML into the tree of
// nodes a browser builds from it.
//
// Package diff compares two such trees, and its patches address nodes by
// child indices, so a tree must have exactly the browser's node boundaries:
// implied <tbody> elements, raw text in <script> and <textarea>, whitespace
// text nodes, decoded entities, never two adjacent text nodes and never an
// empty one.
//
// # Parsing
//
// [ParseFragment] parses markup as the browser does when it is assigned to a
// <div>'s innerHTML. Well-nested markup, which is what templ components emit,
// takes a fast path that costs about as much as tokenizing; anything whose
// tree the HTML5 tree construction rules shape in a non-obvious way
// (misnesting, implied end tags, foster parenting, foreign content, unusual
// character references) falls back to golang.org/x/net/html. A differential
// fuzz test holds the two to the same tree.
//
// [ParseFragmentIn] parses markup in the context of a given parent element,
// the way a patch's inserted HTML is parsed by Range.createContextualFragment.
//
// # Reparsing
//
// Consecutive renders of a page share most of their bytes. [ParseDoc] keeps
// a render as a [Doc]: its HTML and where each element starts and ends in
// it. [Doc.Reparse] compares the next render with it and parses only the
// smallest run of children of one element that covers the bytes that
// differ, in the parsing state the whole document gives them, so that a
// change costs what it changes rather than what the page weighs. A run of
// children that only moved is recognized byte for byte, and only their start
// tags are parsed. Reparse vouches only for markup the fast path parses.
//
// # Trees
//
// A [Node] is small and a tree costs a handful of allocations: nodes and
// attributes live in one slice each, and strings share one copy of the
// source. [Node.AppendHTML] serializes a tree; [Equal] compares two
// structurally.
//
// # Concurrency
//
// [Component], [AppendComponent], [ParseFragment], [ParseFragmentIn] and
// [ParseDoc] are safe for concurrent use; a [Doc] is not. A tree is safe to read from many goroutines while
// nobody mutates it; diff.Apply mutates one.
//
// # Differences from x/net/html
//
// Browsers keep the first of repeated attributes; x/net/html keeps all of
// them, and this package keeps the first. x/net/html also sorts the
// attributes of formatting elements (<a>, <b>, <em>, …) as a side effect of
// its bookkeeping; browsers keep source order, and so does this package: the
// fallback path restores it from the source. x/net/html decodes character
// references in comments; browsers do not, and the fallback path restores
// the comment's text from the source.
package render
