package diff_test

import (
	"strings"
	"testing"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/render"
)

func TestAClientOwnedContainerIsNeverMatchedWithAnOrdinaryElement(t *testing.T) {
	t.Parallel()
	old, _ := render.ParseFragment([]byte(`<div live-update="ignore"><p>client</p></div>`))
	new, _ := render.ParseFragment([]byte(`<div>new</div><div live-update="ignore"><p>client</p></div>`))
	p := diff.Diff(old, new)
	if enc := string(p.AppendJSON(nil)); strings.Contains(enc, "client") {
		t.Fatalf("the client-owned container was re-sent: %s", enc)
	}
	if err := diff.Apply(old, p); err != nil {
		t.Fatal(err)
	}
	if !render.Equal(old, new) {
		t.Fatalf("after the patch: %s", old.AppendHTML(nil))
	}
}

func TestInsertedHTMLParsesInAnHTMLIntegrationPoint(t *testing.T) {
	t.Parallel()
	old, _ := render.ParseFragment([]byte(`<math><annotation-xml encoding="text/html"></annotation-xml></math>`))
	new, _ := render.ParseFragment([]byte(`<math><annotation-xml encoding="text/html"><button>x</button></annotation-xml></math>`))
	if err := diff.Apply(old, diff.Diff(old, new)); err != nil {
		t.Fatal(err)
	}
	if !render.Equal(old, new) {
		t.Fatalf("after the patch:\n%s\nwant:\n%s", old.AppendHTML(nil), new.AppendHTML(nil))
	}
}
