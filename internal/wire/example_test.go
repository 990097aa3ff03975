package wire_test

import (
	"fmt"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// The server decodes what a binding sent; a refused event's Reason is what
// the client is told.
func ExampleDecodeEvent() {
	ev, err := wire.DecodeEvent([]byte(`{"t":"submit","e":"save","v":"email=ada%40example.com&tag=a&tag=b"}`))
	fmt.Println(ev.Type, ev.Name, ev.Values["email"], ev.Values["tag"], err == nil)

	_, err = wire.DecodeEvent([]byte(`{"t":"teleport","e":"x"}`))
	fmt.Println(err.(*wire.DecodeError).Reason)
	// Output:
	// submit save [ada@example.com] [a b] true
	// unknown event type "teleport"
}

// A client (a test harness, a load generator) applies a render to the tree
// it keeps, as the browser applies it to the DOM.
func ExampleRender_Apply() {
	root, _ := render.ParseFragment([]byte(`<span>1 post</span><ul id="posts" live-update="stream"><li id="p1">one</li></ul>`))
	r, err := wire.DecodeRender([]byte(`{"d":[[0,[0,0],"2 posts"]],"s":[["i","posts","p2",0,"<li id=\"p2\">two</li>"]]}`))
	if err == nil {
		err = r.Apply(root)
	}
	fmt.Println(string(root.AppendHTML(nil)), err)
	// Output:
	// <span>2 posts</span><ul id="posts" live-update="stream"><li id="p2">two</li><li id="p1">one</li></ul> <nil>
}
