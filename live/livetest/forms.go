package livetest

import (
	"net/url"
	"strings"

	"github.com/templive/templive/render"
)

// liveValues returns an element's live-value-* attributes.
func liveValues(el *render.Node) url.Values {
	vals := url.Values{}
	for _, a := range el.Attrs {
		if name, ok := strings.CutPrefix(a.Key, "live-value-"); ok {
			vals.Set(name, a.Val)
		}
	}
	return vals
}

// formValues collects the values a browser would submit for form, as
// rendered, then applies overrides.
func formValues(form *render.Node, overrides url.Values) url.Values {
	vals := liveValues(form)
	var walk func(n *render.Node)
	walk = func(n *render.Node) {
		for i := range n.Children {
			c := &n.Children[i]
			if c.Type != render.ElementNode {
				continue
			}
			name, named := c.Attr("name")
			_, disabled := c.Attr("disabled")
			switch {
			case !named || disabled:
			case c.Data == "input":
				typ := strings.ToLower(attr(c, "type"))
				switch typ {
				case "submit", "button", "reset", "image", "file":
				case "checkbox", "radio":
					if _, on := c.Attr("checked"); on {
						val, ok := c.Attr("value")
						if !ok {
							val = "on"
						}
						vals.Add(name, val)
					}
				default:
					vals.Add(name, attr(c, "value"))
				}
			case c.Data == "textarea":
				vals.Add(name, strings.TrimPrefix(text(c), "\n"))
			case c.Data == "select":
				vals.Add(name, selectValue(c))
			}
			walk(c)
		}
	}
	walk(form)
	for k, vs := range overrides {
		vals[k] = vs
	}
	return vals
}

// selectValue returns the value of a select's selected option (the first
// one if none is marked).
func selectValue(sel *render.Node) string {
	var first, chosen *render.Node
	var walk func(n *render.Node)
	walk = func(n *render.Node) {
		for i := range n.Children {
			c := &n.Children[i]
			if c.Type == render.ElementNode && c.Data == "option" {
				if first == nil {
					first = c
				}
				if _, ok := c.Attr("selected"); ok && chosen == nil {
					chosen = c
				}
			}
			walk(c)
		}
	}
	walk(sel)
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if v, ok := chosen.Attr("value"); ok {
		return v
	}
	return strings.TrimSpace(text(chosen))
}
