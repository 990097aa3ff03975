package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	templruntime "github.com/a-h/templ/runtime"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/render"
)

func TestCommandsEncodeAsAJSONListOfOpAndArgs(t *testing.T) {
	t.Parallel()
	fade := live.Transition{Start: "opacity-0", Active: "transition-opacity", End: "opacity-100", Time: 300 * time.Millisecond}
	tests := []struct {
		name string
		got  live.Commands
		want string
	}{
		{"an empty chain is an empty list", live.JS(), `[]`},
		{"the zero value is an empty list", live.Commands(""), `[]`},
		{"show names its target", live.JS().Show("#menu"), `[["show",{"to":"#menu"}]]`},
		{"a transition is start, active, end and ms", live.JS().Show("#m", fade),
			`[["show",{"to":"#m","tr":["opacity-0","transition-opacity","opacity-100",300]}]]`},
		{"a transition without a time leaves it to the client", live.JS().Hide("", live.Transition{Start: "a", Active: "b", End: "c"}),
			`[["hide",{"tr":["a","b","c",0]}]]`},
		{"toggle hides with its transition played backwards", live.JS().Toggle("#m", fade),
			`[["toggle",{"to":"#m","tr":["opacity-0","transition-opacity","opacity-100",300],"out":["opacity-100","transition-opacity","opacity-0",300]}]]`},
		{"toggle takes a hiding transition of its own", live.JS().Toggle("#m", fade, live.Transition{Start: "x", Active: "y", End: "z"}),
			`[["toggle",{"to":"#m","tr":["opacity-0","transition-opacity","opacity-100",300],"out":["x","y","z",0]}]]`},
		{"commands chain in order", live.JS().Show("#menu").AddClass("open", "#btn").SetAttribute("aria-expanded", "true", "#btn"),
			`[["show",{"to":"#menu"}],["add_class",{"to":"#btn","names":"open"}],["set_attr",{"to":"#btn","name":"aria-expanded","value":"true"}]]`},
		{"an attribute may be set to nothing", live.JS().SetAttribute("open", "", ""), `[["set_attr",{"name":"open","value":""}]]`},
		{"a push carries url-encoded values", live.JS().Push("pick", url.Values{"item": {"a&b"}}),
			`[["push",{"event":"pick","value":"item=a%26b"}]]`},
		{"a push without values has none", live.JS().Push("save", nil), `[["push",{"event":"save"}]]`},
		{"dispatch carries its detail", live.JS().Dispatch("copy", "#url", map[string]string{"k": "v"}),
			`[["dispatch",{"to":"#url","event":"copy","detail":{"k":"v"}}]]`},
		{"exec names the attribute", live.JS().Exec("data-cancel", "#modal"), `[["exec",{"to":"#modal","name":"data-cancel"}]]`},
		{"focus commands", live.JS().PushFocus("").FocusFirst("#d").FocusLast("#d").Focus("#x").PopFocus(),
			`[["push_focus",{}],["focus_first",{"to":"#d"}],["focus_last",{"to":"#d"}],["focus",{"to":"#x"}],["pop_focus",{}]]`},
		{"navigation", live.JS().Navigate("/a").Patch("/b?x=1"), `[["navigate",{"href":"/a"}],["patch",{"href":"/b?x=1"}]]`},
		{"wait is in ms", live.JS().Wait(2 * time.Second).Hide(""), `[["wait",{"ms":2000}],["hide",{}]]`},
		{"class commands", live.JS().RemoveClass("a b", "#x").ToggleClass("c", ""),
			`[["remove_class",{"to":"#x","names":"a b"}],["toggle_class",{"names":"c"}]]`},
		{"attributes", live.JS().RemoveAttribute("open", "#d").IgnoreAttributes("", "open", "style"),
			`[["remove_attr",{"to":"#d","name":"open"}],["ignore_attrs",{"attrs":["open","style"]}]]`},
		{"transition alone", live.JS().Transition("#x", live.Transition{Active: "shake", Time: time.Second}),
			`[["transition",{"to":"#x","tr":["","shake","",1000]}]]`},
		{"quotes and markup stay JSON", live.JS().Show(`[data-x="<a>"]`), `[["show",{"to":"[data-x=\"\u003ca\u003e\"]"}]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.got.String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(tt.got.String())) {
				t.Errorf("not JSON: %s", tt.got)
			}
		})
	}
}

func TestAChainSharedByManyIsNeverChangedByOne(t *testing.T) {
	t.Parallel()
	base := live.JS().Show("#modal")
	a := base.Push("a", nil)
	b := base.Push("b", nil)
	if base != live.JS().Show("#modal") {
		t.Errorf("base changed: %s", base)
	}
	if a == b || !strings.Contains(a.String(), `"a"`) || strings.Contains(a.String(), `"b"`) {
		t.Errorf("a = %s, b = %s", a, b)
	}
}

func TestCommandsAreATemplAttributeValueEscapedLikeAString(t *testing.T) {
	t.Parallel()
	c := live.JS().Show(`#m`).Push("say", url.Values{"q": {`"<&>'`}})
	// Generated code calls NewAttributeExpression with the expression of
	// live-click={ … }: this compiles only for the types templ accepts.
	got, err := templruntime.NewAttributeExpression(c).Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(got, `"<>`) {
		t.Errorf("not escaped: %s", got)
	}
	if html.UnescapeString(got) != c.String() {
		t.Errorf("the browser would read %s, want %s", html.UnescapeString(got), c)
	}
	// And the render parser, which reads what the browser reads, agrees.
	tree, err := render.ParseFragment([]byte(`<button live-click="` + got + `"></button>`))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := tree.Children[0].Attr("live-click"); v != c.String() {
		t.Errorf("parsed %s, want %s", v, c)
	}
}

// execView pushes client commands from a connected Mount and from events.
type execView struct{ pushes []live.Event }

func (v *execView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Connected() {
		s.Exec(live.JS().FocusFirst("#form"))
	}
	return nil
}

func (v *execView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<p id="n">`+string(rune('0'+len(v.pushes)))+`</p>`+
			`<div id="toast" live-value-kind="info" live-mounted="`+templ.EscapeString(live.JS().Wait(time.Second).Push("clear", url.Values{"why": {"timer"}}).String())+`"></div>`)
		return err
	})
}

func (v *execView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "open":
		s.Exec(live.JS().Show("#modal"))
		s.Exec(live.JS().Dispatch("opened", "", nil))
	case "bad":
		s.Exec(live.Commands("not json"))
	case "clear":
		v.pushes = append(v.pushes, ev)
	}
	return nil
}

func TestExecSendsCommandsWithTheNextRender(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, func() live.View { return &execView{} })
	v := livetest.Mount(t, srv, "/counter")
	v.Sync("")
	if got := v.Execs(); len(got) != 1 || got[0] != live.JS().FocusFirst("#form") {
		t.Fatalf("after the join: %q, want the connected Mount's FocusFirst", got)
	}
	v.Event(live.EventClick, "open", nil)
	got := v.Execs()
	if len(got) != 2 || got[0] != live.JS().Show("#modal") || got[1] != live.JS().Dispatch("opened", "", nil) {
		t.Fatalf("after the event: %q", got)
	}
	if len(v.Execs()) != 0 {
		t.Fatal("Execs does not forget")
	}
	// Commands that are no JSON would break the frame: they are dropped and
	// logged, and the view lives on.
	v.Event(live.EventClick, "bad", nil)
	if got := v.Execs(); len(got) != 0 {
		t.Fatalf("sent %q", got)
	}
	if !strings.Contains(logs.String(), "not a JSON list") {
		t.Errorf("nothing logged: %s", logs.String())
	}
	v.Event(live.EventClick, "open", nil)
	if len(v.Execs()) != 2 {
		t.Fatal("the view stopped sending commands")
	}
}

func TestAPushFromALifecycleBindingArrivesAsEventPush(t *testing.T) {
	t.Parallel()
	view := &execView{}
	srv, _ := newServer(t, live.Options{}, func() live.View { return view })
	v := livetest.Mount(t, srv, "/counter")
	v.Run("#toast", "mounted")
	if got := v.Text("#n"); got != "1" {
		t.Fatalf("pushes = %s, want 1", got)
	}
	ev := view.pushes[0]
	if ev.Type != live.EventPush || ev.Name != "clear" || ev.Value("why") != "timer" || ev.Value("kind") != "info" {
		t.Errorf("got %+v", ev)
	}
}

func TestFocusWrapPutsSentinelsAroundItsChildren(t *testing.T) {
	t.Parallel()
	close := live.JS().Hide("#modal")
	wrap := live.FocusWrap("dialog", templ.Attributes{"class": "box", "live-click-away": close, "role": "dialog"})
	children := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<button id="ok">OK</button>`)
		return err
	})
	var b bytes.Buffer
	if err := wrap.Render(templ.WithChildren(context.Background(), children), &b); err != nil {
		t.Fatal(err)
	}
	tree, err := render.ParseFragment(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	div := tree.Children[0]
	for name, want := range map[string]string{"id": "dialog", "class": "box", "role": "dialog", "live-click-away": close.String()} {
		if got, _ := div.Attr(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if n := len(div.Children); n != 3 {
		t.Fatalf("%d children, want start sentinel, button, end sentinel:\n%s", n, b.String())
	}
	start, end := div.Children[0], div.Children[2]
	if id, _ := start.Attr("id"); id != "dialog-start" {
		t.Errorf("first child %q", id)
	}
	if f, _ := start.Attr("live-focus"); f != live.JS().FocusLast(`[id="dialog"]`).String() {
		t.Errorf("the start sentinel runs %s", f)
	}
	if f, _ := end.Attr("live-focus"); f != live.JS().FocusFirst(`[id="dialog"]`).String() {
		t.Errorf("the end sentinel runs %s", f)
	}
	for _, s := range []render.Node{start, end} {
		if ti, _ := s.Attr("tabindex"); ti != "0" {
			t.Errorf("a sentinel has tabindex %q", ti)
		}
		if h, _ := s.Attr("aria-hidden"); h != "true" {
			t.Errorf("a sentinel is not aria-hidden")
		}
	}
}

// String returns everything logged.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A button that opens a modal with a fade, in the browser, with no round trip;
// in a .templ file: <button live-click={ open }>.
func ExampleJS() {
	fade := live.Transition{Start: "opacity-0", Active: "transition-opacity", End: "opacity-100", Time: 200 * time.Millisecond}
	open := live.JS().Show("#modal", fade).FocusFirst("#modal")
	fmt.Println(open)
	// Output:
	// [["show",{"to":"#modal","tr":["opacity-0","transition-opacity","opacity-100",200]}],["focus_first",{"to":"#modal"}]]
}
