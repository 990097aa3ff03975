package wire

import (
	"encoding/json"

	"github.com/templive/templive/internal/jsonstr"
)

// How a navigation changes the browser's history.
const (
	KindPush    = "push"    // history.pushState
	KindReplace = "replace" // history.replaceState
)

// A Redirect is the payload of a "redirect" push: the browser loads To in
// full, with the signed Flash in the _live_flash cookie when it is set. The
// server closes the view's channel after it.
type Redirect struct {
	To, Flash string
}

// AppendJSON appends r's wire form to dst.
func (r Redirect) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"flash":`...)
	dst = jsonstr.Append(dst, r.Flash)
	dst = append(dst, `,"to":`...)
	dst = jsonstr.Append(dst, r.To)
	return append(dst, '}')
}

// DecodeRedirect decodes a redirect push; to is required.
func DecodeRedirect(raw []byte) (Redirect, error) {
	var w struct {
		To    *string `json:"to"`
		Flash string  `json:"flash"`
	}
	if err := decodeObject(raw, "redirect", &w); err != nil {
		return Redirect{}, err
	}
	if w.To == nil {
		return Redirect{}, malformed("redirect without to", nil)
	}
	return Redirect{To: *w.To, Flash: w.Flash}, nil
}

// A LiveRedirect is the payload of a "live_redirect" push: the client
// navigates to To over the same socket, passing Flash back in its join.
type LiveRedirect struct {
	To    string
	Kind  string // KindPush or KindReplace
	Flash string
}

// AppendJSON appends r's wire form to dst.
func (r LiveRedirect) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"flash":`...)
	dst = jsonstr.Append(dst, r.Flash)
	dst = append(dst, `,"kind":`...)
	dst = jsonstr.Append(dst, r.Kind)
	dst = append(dst, `,"to":`...)
	dst = jsonstr.Append(dst, r.To)
	return append(dst, '}')
}

// DecodeLiveRedirect decodes a live_redirect push; to is required.
func DecodeLiveRedirect(raw []byte) (LiveRedirect, error) {
	var w struct {
		To    *string `json:"to"`
		Kind  string  `json:"kind"`
		Flash string  `json:"flash"`
	}
	if err := decodeObject(raw, "live_redirect", &w); err != nil {
		return LiveRedirect{}, err
	}
	if w.To == nil {
		return LiveRedirect{}, malformed("live_redirect without to", nil)
	}
	return LiveRedirect{To: *w.To, Kind: w.Kind, Flash: w.Flash}, nil
}

// A LivePatch is the payload of a "live_patch" push: the view moved to To
// (a path with its query) and ran HandleParams; the client updates the
// history.
type LivePatch struct {
	To   string
	Kind string // KindPush or KindReplace
}

// AppendJSON appends p's wire form to dst.
func (p LivePatch) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"kind":`...)
	dst = jsonstr.Append(dst, p.Kind)
	dst = append(dst, `,"to":`...)
	dst = jsonstr.Append(dst, p.To)
	return append(dst, '}')
}

// DecodeLivePatch decodes a live_patch push; to is required.
func DecodeLivePatch(raw []byte) (LivePatch, error) {
	var w struct {
		To   *string `json:"to"`
		Kind string  `json:"kind"`
	}
	if err := decodeObject(raw, "live_patch", &w); err != nil {
		return LivePatch{}, err
	}
	if w.To == nil {
		return LivePatch{}, malformed("live_patch without to", nil)
	}
	return LivePatch{To: *w.To, Kind: w.Kind}, nil
}

// A LivePatchRequest is the payload of the client's "live_patch" message:
// a live-patch link was followed, or back/forward restored URL.
type LivePatchRequest struct {
	URL string
}

// AppendJSON appends p's wire form to dst.
func (p LivePatchRequest) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"url":`...)
	dst = jsonstr.Append(dst, p.URL)
	return append(dst, '}')
}

// DecodeLivePatchRequest decodes a live_patch message from a client. Like
// [DecodeJoin] it ignores unknown keys and a null payload; a url that is
// not a string is an error whose Reason is "malformed live_patch".
func DecodeLivePatchRequest(raw []byte) (LivePatchRequest, error) {
	var w struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return LivePatchRequest{}, malformed("malformed live_patch", err)
	}
	return LivePatchRequest{URL: w.URL}, nil
}

// A Ping, sent to a view with live.Server.Send, is answered once the
// messages before it have been handled and their render sent, by a "pong"
// push carrying Ref. livetest uses it to know a message has taken effect;
// views never see it. It is internal so that it is no part of the public
// API.
type Ping struct {
	Ref string
	// Async makes the pong wait, as well, until no async task of the view
	// is running or waiting to be delivered, and the render of their
	// results is sent.
	Async bool
}

// A Pong is the payload of a "pong" push: the answer to a [Ping].
type Pong struct {
	Ref string
}

// AppendJSON appends p's wire form to dst.
func (p Pong) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"ref":`...)
	dst = jsonstr.Append(dst, p.Ref)
	return append(dst, '}')
}

// DecodePong decodes a pong push; ref is required.
func DecodePong(raw []byte) (Pong, error) {
	var w struct {
		Ref *string `json:"ref"`
	}
	if err := decodeObject(raw, "pong", &w); err != nil {
		return Pong{}, err
	}
	if w.Ref == nil {
		return Pong{}, malformed("pong without ref", nil)
	}
	return Pong{Ref: *w.Ref}, nil
}
