package wire

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/templive/templive/internal/jsonstr"
)

// A JoinPayload is what the client sends in phx_join on a live view's
// topic.
type JoinPayload struct {
	// Session is the signed session token of the page's root
	// (data-live-session).
	Session string
	// URL is the page's current URL, for the view's HandleParams.
	URL string
	// Form holds, on a rejoin after a disconnect, the url-encoded fields of
	// every form with an id and a live-change binding, by form id; nil
	// otherwise.
	Form map[string]string
	// Flash is the signed flash a live_redirect carried, passed back in the
	// join of the view it navigated to.
	Flash string
	// Resume asks, on a rejoin after a lost connection, to take up the
	// view where it was: Version is the version of the last render the
	// client applied (see [JoinReply.Version]).
	Resume  bool
	Version uint64
}

// AppendJSON appends p's wire form to dst: form ids in sorted order, form
// only when not nil, flash only when set.
func (p JoinPayload) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"session":`...)
	dst = jsonstr.Append(dst, p.Session)
	dst = append(dst, `,"url":`...)
	dst = jsonstr.Append(dst, p.URL)
	if p.Form != nil {
		dst = append(dst, `,"form":{`...)
		for i, id := range slices.Sorted(maps.Keys(p.Form)) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonstr.Append(dst, id)
			dst = append(dst, ':')
			dst = jsonstr.Append(dst, p.Form[id])
		}
		dst = append(dst, '}')
	}
	if p.Flash != "" {
		dst = append(dst, `,"flash":`...)
		dst = jsonstr.Append(dst, p.Flash)
	}
	if p.Resume {
		dst = append(dst, `,"v":`...)
		dst = strconv.AppendUint(dst, p.Version, 10)
	}
	return append(dst, '}')
}

// DecodeJoin decodes a join payload from a client. Keys match as
// encoding/json matches them (case-insensitively); unknown keys are
// ignored, and so is a null payload, which gives an empty one for the
// server to refuse. A key of the wrong type is an error whose Reason is
// "invalid join payload". What the values mean (a valid token, a URL of
// this site) is for the server to judge.
func DecodeJoin(raw []byte) (JoinPayload, error) {
	var w struct {
		Session string            `json:"session"`
		URL     string            `json:"url"`
		Form    map[string]string `json:"form"`
		Flash   string            `json:"flash"`
		Version *uint64           `json:"v"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return JoinPayload{}, malformed("invalid join payload", err)
	}
	p := JoinPayload{Session: w.Session, URL: w.URL, Form: w.Form, Flash: w.Flash}
	if w.Version != nil {
		p.Resume, p.Version = true, *w.Version
	}
	return p, nil
}

// A JoinReply is the response of a join's ok reply: the view's first
// render, or what the client lacks of it.
type JoinReply struct {
	// HTML is the root's inner HTML; unused when Patched.
	HTML string
	// Title is the document title the view set, or "".
	Title string
	// Version is the version of the render the reply brings the client
	// to. Every later render with a patch or stream operations is the
	// next version, so the client knows which it applied last.
	Version uint64
	// Patched says the reply carries no HTML: the server knew what the
	// client shows (it resumed the view the client had), and Renders are
	// what the client lacks, each a [Render]'s wire form, applied in
	// order; none when nothing changed.
	Patched bool
	Renders []json.RawMessage
}

// AppendJSON appends r's wire form to dst: html, or the renders ("m",
// only when there are some); title only when set.
func (r JoinReply) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendUint(dst, r.Version, 10)
	if !r.Patched {
		dst = append(dst, `,"html":`...)
		dst = jsonstr.Append(dst, r.HTML)
	} else if len(r.Renders) > 0 {
		dst = append(dst, `,"m":[`...)
		for i, m := range r.Renders {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, m...)
		}
		dst = append(dst, ']')
	}
	if r.Title != "" {
		dst = append(dst, `,"title":`...)
		dst = jsonstr.Append(dst, r.Title)
	}
	return append(dst, '}')
}

// DecodeJoinReply decodes the response of a join's ok reply: one without
// html is Patched.
func DecodeJoinReply(raw []byte) (JoinReply, error) {
	var w struct {
		HTML    *string           `json:"html"`
		Title   string            `json:"title"`
		Version uint64            `json:"v"`
		Renders []json.RawMessage `json:"m"`
	}
	if err := decodeObject(raw, "join reply", &w); err != nil {
		return JoinReply{}, err
	}
	r := JoinReply{Title: w.Title, Version: w.Version, Renders: w.Renders}
	if w.HTML == nil {
		r.Patched = true
	} else {
		r.HTML = *w.HTML
	}
	return r, nil
}

// The reasons a live view's join is refused with, besides any other the
// client treats as a failure to retry.
const (
	ReasonRedirect     = "redirect"     // load To in full (a Mount redirected)
	ReasonNavigate     = "navigate"     // navigate to To live, or load the joined URL in full when To is ""
	ReasonStale        = "stale"        // the session token expired: reload
	ReasonUnauthorized = "unauthorized" // the session token is not genuine: reload
	ReasonInvalidURL   = "invalid url"  // the joined URL does not parse
)

// ReasonNoComponent refuses an event for a component its view does not
// render (any more); the view lives on.
const ReasonNoComponent = "no such component"

// A Refusal is the response of a join's error reply.
type Refusal struct {
	Reason string
	// To and Flash go with ReasonRedirect and ReasonNavigate: where to go,
	// and the signed flash to take there.
	To, Flash string
}

// AppendJSON appends r's wire form to dst: {"reason": …} alone when To is
// "", else {"flash": …, "reason": …, "to": …}.
func (r Refusal) AppendJSON(dst []byte) []byte {
	if r.To == "" {
		dst = append(dst, `{"reason":`...)
		dst = jsonstr.Append(dst, r.Reason)
		return append(dst, '}')
	}
	dst = append(dst, `{"flash":`...)
	dst = jsonstr.Append(dst, r.Flash)
	dst = append(dst, `,"reason":`...)
	dst = jsonstr.Append(dst, r.Reason)
	dst = append(dst, `,"to":`...)
	dst = jsonstr.Append(dst, r.To)
	return append(dst, '}')
}

// DecodeRefusal decodes the response of an error reply; reason is
// required.
func DecodeRefusal(raw []byte) (Refusal, error) {
	var w struct {
		Reason *string `json:"reason"`
		To     string  `json:"to"`
		Flash  string  `json:"flash"`
	}
	if err := decodeObject(raw, "refusal", &w); err != nil {
		return Refusal{}, err
	}
	if w.Reason == nil {
		return Refusal{}, malformed("refusal without a reason", nil)
	}
	return Refusal{Reason: *w.Reason, To: w.To, Flash: w.Flash}, nil
}
