package live

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/a-h/templ"
	templruntime "github.com/a-h/templ/runtime"
)

// FocusWrap renders its children in a <div> with the given id and
// attributes that keeps the keyboard's focus inside while it is shown, as
// an accessible modal dialog must, like Phoenix's focus_wrap: Tab on its
// last focusable element goes to its first, Shift+Tab on the first goes to
// the last. Two sentinel <span>s, first and last, take the focus as it
// leaves and send it back in with [Commands.FocusFirst] and
// [Commands.FocusLast]; the client needs nothing else.
//
//	@live.FocusWrap("dialog", templ.Attributes{"role": "dialog", "aria-modal": "true"}) {
//		<button>OK</button>
//	}
//
// Open the dialog with Show followed by FocusFirst, and close it with
// Escape through live-window-keydown and live-key="Escape". Values of
// type [Commands] in attrs are written as they are (a templ spread would
// drop them).
func FocusWrap(id string, attrs templ.Attributes) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		children := templ.GetChildren(ctx)
		ctx = templ.ClearChildren(ctx)
		all := templ.Attributes{}
		for k, v := range attrs {
			if c, ok := v.(Commands); ok {
				v = c.String()
			}
			all[k] = v
		}
		all["id"] = id
		var tag, scripts bytes.Buffer
		if err := templruntime.RenderAttributes(ctx, &tag, &scripts, "div", all); err != nil {
			return err
		}
		sel := idSelector(id)
		var b bytes.Buffer
		b.Write(scripts.Bytes())
		b.WriteString("<div")
		b.Write(tag.Bytes())
		b.WriteString(">")
		sentinel(&b, id+"-start", JS().FocusLast(sel))
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
		if children != nil {
			if err := children.Render(ctx, w); err != nil {
				return err
			}
		}
		b.Reset()
		sentinel(&b, id+"-end", JS().FocusFirst(sel))
		b.WriteString("</div>")
		_, err := w.Write(b.Bytes())
		return err
	})
}

// sentinel writes a focusable, invisible span that runs focus when it gets
// the focus.
func sentinel(b *bytes.Buffer, id string, focus Commands) {
	b.WriteString(`<span id="` + templ.EscapeString(id) + `" tabindex="0" aria-hidden="true" live-focus="` +
		templ.EscapeString(focus.String()) + `"></span>`)
}

// idSelector returns a CSS selector of the element whose id is id, whatever
// characters it holds.
func idSelector(id string) string {
	return `[id="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(id) + `"]`
}
