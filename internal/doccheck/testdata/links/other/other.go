// Package other is linked to from package links.
package other

// Thing is there to be linked to.
type Thing struct{ Field int }

// Do is there to be linked to.
func (Thing) Do() {}
