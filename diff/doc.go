// Package diff computes patches between two trees of [render.Node] and
// applies them.
//
// [Diff] compares the tree of what the browser shows with the tree of a new
// render, both built by [render.ParseFragment], and returns a [Patch]; its
// compact JSON form ([Patch.AppendJSON]) is what travels, and the browser
// applies it to the live DOM. [Apply] is the same algorithm in Go, so tests
// can prove the invariant the whole system rests on without a browser:
//
//	Apply(old, Diff(old, new)) leaves old structurally equal to new
//
// (node types and boundaries, tags, attributes in order, text), except below
// opaque containers, whose children the diff never touches.
//
// # Addressing
//
// An operation addresses a node by its path of child indices from the view
// root, counting text and comment nodes. Operations apply in order, each to
// the tree the previous ones left; Diff orders them so that every path it
// emits is valid when its operation runs. docs/PROTOCOL.md specifies the wire
// form, which the JavaScript client implements.
//
// A patch may also be made for a run of children of one element, from the
// runs [render.Doc.Reparse] parses: [ApplyIn] applies it there, in the
// parsing context of the element's ancestors, and [Patch.Rebase] moves it to
// the view root.
//
// # Matching
//
// Children with a live-key attribute, or else an id, are matched by key, so
// prepending to a long keyed list is one insert and a reorder is a few moves.
// Other children match by position and tag. Elements marked
// live-update="ignore" or "stream" are opaque: their attributes are patched,
// their children never.
//
// # Concurrency
//
// Diff only reads its trees; any number of Diffs may share them. Apply
// mutates its tree and must not run concurrently with anything else using it.
package diff
