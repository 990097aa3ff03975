package live

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
)

// A route is a page registered with [Server.Page].
type route struct {
	pattern string
	params  []string // names of the pattern's wildcards
	newView func() View
	group   string // pages of one group navigate among themselves live
	stats   routeStats
}

// A PageOption configures a page registered with [Server.Page].
type PageOption func(*route)

// Group puts a page in a named group, like Phoenix's live_session: a live
// navigation (live-navigate, [Socket.PushNavigate]) reaches a page of
// another group only through a full page load, so the new page's GET —
// with its own session and its Mount's checks — decides. Use a group per
// authorisation boundary ("admin", "public"). Pages without this option
// form the group "".
func Group(name string) PageOption {
	return func(rt *route) { rt.group = name }
}

// resolveKey marks a request made only to find which route a URL names.
type resolveKey struct{}

// resolution is what a resolving request learns.
type resolution struct {
	route  *route
	params url.Values
}

// wildcard matches the {name} and {name...} segments of a pattern.
var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?:\.\.\.)?\}`)

// Page serves the live view made by newView at pattern, a path pattern of
// [http.ServeMux] without a method ("/rooms/{id}"). Wildcards reach Mount
// as params, with the query's. Register all pages before serving.
func (srv *Server) Page(pattern string, newView func() View, opts ...PageOption) {
	rt := &route{pattern: pattern, newView: newView}
	for _, o := range opts {
		o(rt)
	}
	srv.routes.Store(pattern, rt)
	for _, m := range wildcard.FindAllStringSubmatch(pattern, -1) {
		rt.params = append(rt.params, m[1])
	}
	srv.pages.HandleFunc("GET "+pattern, func(w http.ResponseWriter, r *http.Request) {
		if res, ok := r.Context().Value(resolveKey{}).(*resolution); ok {
			res.route, res.params = rt, rt.values(r)
			return
		}
		srv.servePage(w, r, rt)
	})
}

// values returns the route's params for a request: its query merged with
// its path wildcards.
func (rt *route) values(r *http.Request) url.Values {
	v := r.URL.Query()
	for _, name := range rt.params {
		v.Set(name, r.PathValue(name))
	}
	return v
}

// resolve returns the route and params a URL names.
func (srv *Server) resolve(ctx context.Context, u *url.URL) (*route, url.Values, bool) {
	res := &resolution{}
	r, err := http.NewRequestWithContext(context.WithValue(ctx, resolveKey{}, res), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, false
	}
	srv.pages.ServeHTTP(discard{}, r)
	return res.route, res.params, res.route != nil
}

// discard is a ResponseWriter that writes nowhere.
type discard struct{}

func (discard) Header() http.Header { return http.Header{} }

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func (discard) WriteHeader(int) {}
