// Package links holds doc links for doccheck's test. Each link that points to
// nothing is followed by the word broken in parentheses on the same line; the
// test checks that doccheck reports exactly those links, at those lines.
//
// Links that resolve: [Good], [*Good], [Good.Method], [Good.PtrMethod],
// [Good.Field], [Good.Promoted], [Getter.Get], [List], [List.Push], [Const],
// [Var], [F], [links.Good], [strings.Builder], [strings.Builder.Len],
// [io.Reader] (standard, not imported), [o.Thing], [o.Thing.Do],
// [github.com/templive/templive/internal/doccheck/testdata/links/other.Thing],
// [net/http], [fmt].
//
// Text that is not a link: a[i], [optional], [1], [x, y], [Go home page], a
// link to another module that the build does not use,
// [example.com/elsewhere.Thing], and the type argument in [List][T].
//
// Links that point to nothing: [Missing] (broken), [Good.Missing] (broken),
// [*Gone] (broken), [strings.NoSuch] (broken), [nopkg.Thing] (broken),
// [o.Gone] (broken), [Const.Method] (broken),
// [github.com/templive/templive/internal/doccheck/testdata/links/nopkg.Thing] (broken),
// [github.com/templive/templive/internal/doccheck/testdata/links/other.Gone] (broken).
//
// A link in a list:
//   - [ListMissing] (broken)
//
// Code blocks hold no links:
//
//	[CodeMissing]
//
// [Go home page]: https://go.dev
package links

import (
	"strings"

	o "github.com/templive/templive/internal/doccheck/testdata/links/other"
)

// Good is a type with methods and fields. [Good.Nothing] (broken)
type Good struct {
	// Field is a field. See [FieldDocMissing] (broken).
	Field int
	embedded
}

type embedded struct{ Promoted int }

// Method is a method.
func (Good) Method() {}

// PtrMethod is a method on the pointer.
func (*Good) PtrMethod() {}

// Getter is an interface.
type Getter interface {
	// Get gets. [Getter.Set] (broken)
	Get() int
}

// List is generic.
type List[T any] struct{ items []T }

// Push adds v.
func (l *List[T]) Push(v T) { l.items = append(l.items, v) }

// Const is a constant.
const Const = 1

// Var is a variable: [Var] and then [VarMissing] (broken), twice: [VarMissing] (broken).
var Var = o.Thing{}

// F uses strings.
func F() string { return strings.ToUpper("f") }

// unexported's doc comment is checked too: [UnexportedMissing] (broken).
func unexported() {}
