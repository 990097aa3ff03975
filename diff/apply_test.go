package diff

import (
	"errors"
	"strings"
	"testing"

	"github.com/templive/templive/render"
)

func TestApplyRefusesBadOperations(t *testing.T) {
	t.Parallel()
	const doc = `<div id="a"><p>hello</p><ul live-update="stream"><li>x</li></ul><div live-update="ignore"><b>c</b></div></div>text<br>`
	tests := []struct {
		name  string
		patch string
		want  error
	}{
		{"a path past the last child", `[[0,[9],"x"]]`, ErrPath},
		{"a path through a text node", `[[0,[1,0],"x"]]`, ErrPath},
		{"an insert past the end", `[[3,[0,4],"<i></i>"]]`, ErrPath},
		{"a remove count past the end", `[[4,[0,1],5]]`, ErrPath},
		{"a move to past the end", `[[5,[0,0],3]]`, ErrPath},
		{"a splice past the end of the text", `[[7,[1],2,9,"x"]]`, ErrPath},
		{"text on an element", `[[0,[0],"x"]]`, ErrInvalidPatch},
		{"an attribute on a text node", `[[1,[1],"class","x"]]`, ErrInvalidPatch},
		{"an insert into a void element", `[[3,[2,0],"x"]]`, ErrInvalidPatch},
		{"a path into a stream container", `[[0,[0,1,0,0],"y"]]`, ErrOpaque},
		{"an insert into an ignored container", `[[3,[0,2,0],"<i></i>"]]`, ErrOpaque},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := DecodeJSON([]byte(tt.patch))
			if err != nil {
				t.Fatal(err)
			}
			tree, _ := render.ParseFragment([]byte(doc))
			if err := Apply(tree, p); !errors.Is(err, tt.want) {
				t.Fatalf("Apply(%s) = %v, want %v", tt.patch, err, tt.want)
			}
		})
	}
}

func TestApplyFollowsTheDOM(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, patch, want string
	}{
		{"removing the element between texts leaves two texts", `a<b>x</b>c`, `[[4,[1]]]`, "a|c"},
		{"an attribute set anew goes last", `<p a="1" b="2"></p>`, `[[2,[0],"a"],[1,[0],"a","3"]]`, `<p b="2" a="3"></p>`},
		{"an attribute set again keeps its place", `<p a="1" b="2"></p>`, `[[1,[0],"a","3"]]`, `<p a="3" b="2"></p>`},
		{"a move counts after the removal", `<i>0</i><i>1</i><i>2</i>`, `[[5,[0],2]]`, `<i>1</i><i>2</i><i>0</i>`},
		{"moves under one parent apply in order", `<i>0</i><i>1</i><i>2</i><i>3</i>`, `[[5,[3],0],[5,[1],3],[5,[0],1]]`, `<i>1</i><i>3</i><i>2</i><i>0</i>`},
		{"moves under two parents stay apart", `<p><i>0</i><i>1</i></p><p><i>2</i><i>3</i></p>`, `[[5,[0,1],0],[5,[1,0],1]]`, `<p><i>1</i><i>0</i></p><p><i>3</i><i>2</i></p>`},
		{"a row parses in its tbody's context", `<table><tbody></tbody></table>`, `[[3,[0,0,0],"<tr><td>1</td></tr>"]]`, `<table><tbody><tr><td>1</td></tr></tbody></table>`},
		{"svg markup parses as svg", `<svg></svg>`, `[[3,[0,0],"<foreignObject></foreignObject>"]]`, `<svg><foreignObject></foreignObject></svg>`},
		{"a splice counts UTF-16 code units", `<p>😀ab</p>`, `[[7,[0,0],2,1,"X"]]`, `<p>😀Xb</p>`},
		{"a replace may insert several nodes", `<p>a</p>`, `[[6,[0],"<i>1</i>2<b>3</b>"]]`, `<i>1</i>2<b>3</b>`},
		{"a form tag inside a form is dropped", `<form></form>`, `[[3,[0,0],"<form><input></form>"]]`, `<form><input></form>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tree, _ := render.ParseFragment([]byte(tt.doc))
			p, err := DecodeJSON([]byte(tt.patch))
			if err != nil {
				t.Fatal(err)
			}
			if err := Apply(tree, p); err != nil {
				t.Fatal(err)
			}
			got := string(tree.AppendHTML(nil))
			if strings.Contains(tt.want, "|") {
				// Show text node boundaries.
				var parts []string
				for _, c := range tree.Children {
					parts = append(parts, string(c.AppendHTML(nil)))
				}
				got = strings.Join(parts, "|")
			}
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestApplyKeepsTheMovesBeforeAFailingOne(t *testing.T) {
	t.Parallel()
	tree, _ := render.ParseFragment([]byte(`<i>0</i><i>1</i><i>2</i>`))
	p, _ := DecodeJSON([]byte(`[[5,[2],0],[5,[0],5]]`))
	err := Apply(tree, p)
	if !errors.Is(err, ErrPath) || !strings.Contains(err.Error(), "operation 1") {
		t.Fatalf("got %v, want ErrPath at operation 1", err)
	}
	if got := string(tree.AppendHTML(nil)); got != `<i>2</i><i>0</i><i>1</i>` {
		t.Fatalf("got %s", got)
	}
}

func TestDecodeJSONRefusesMalformedPatches(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, json string }{
		{"not JSON", `[[0,`},
		{"not an array", `{"ops":[]}`},
		{"an operation that is not an array", `[5]`},
		{"an unknown code", `[[42,[0]]]`},
		{"an empty path", `[[0,[],"x"]]`},
		{"a negative index", `[[0,[-1],"x"]]`},
		{"a fractional index", `[[0,[1.5],"x"]]`},
		{"a missing argument", `[[1,[0],"class"]]`},
		{"an extra argument", `[[0,[0],"x","y"]]`},
		{"text that is not a string", `[[0,[0],7]]`},
		{"an empty attribute name", `[[2,[0],""]]`},
		{"a zero remove count", `[[4,[0],0]]`},
		{"a negative splice", `[[7,[0],-1,0,""]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := DecodeJSON([]byte(tt.json)); !errors.Is(err, ErrInvalidPatch) {
				t.Fatalf("DecodeJSON(%s) = %v, want ErrInvalidPatch", tt.json, err)
			}
		})
	}
}

func TestJSONEscapesText(t *testing.T) {
	t.Parallel()
	p := Patch{{Code: OpText, Path: []int{0}, Value: "a\"b\\c\nd\x01\u2028é\xff"}}
	got := string(p.AppendJSON(nil))
	want := `[[0,[0],"a\"b\\c\nd\u0001` + "\u2028é" + `\ufffd"]]`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	q, err := DecodeJSON([]byte(got))
	if err != nil || q[0].Value != "a\"b\\c\nd\x01\u2028é\ufffd" {
		t.Fatalf("round trip: %q, %v", q[0].Value, err)
	}
}
