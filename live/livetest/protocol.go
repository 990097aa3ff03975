package livetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render/pretty"
)

// frame is a decoded server frame and its size on the wire.
type frame struct {
	wire.Frame
	size int
}

// nextRef returns a fresh message ref.
func (v *View) nextRef() string {
	if v.peers != nil {
		// Views on one connection number their messages together.
		v.peers.ref++
		return strconv.Itoa(v.peers.ref)
	}
	v.ref++
	return strconv.Itoa(v.ref)
}

// send writes a frame on the view's topic with a payload the wire package
// encoded.
func (v *View) send(joinRef, ref, event string, payload []byte) error {
	f := wire.Frame{JoinRef: joinRef, Ref: ref, Topic: v.topic, Event: event, Payload: payload}
	return v.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil))
}

// await handles frames until the reply to ref arrives, and returns its
// status and response.
func (v *View) await(ref string) (status string, resp json.RawMessage, err error) {
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return "", nil, fmt.Errorf("connection closed: %v", v.readErr)
			}
			done, status, resp, err := v.handle(f, ref)
			if err != nil || done {
				return status, resp, err
			}
		case <-timer.C:
			return "", nil, fmt.Errorf("no reply to ref %s within %s", ref, Timeout)
		}
	}
}

// awaitPush handles frames until a push of event arrives whose payload
// satisfies match; an error from match ends the wait.
func (v *View) awaitPush(event string, match func(json.RawMessage) (bool, error)) error {
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return fmt.Errorf("connection closed: %v", v.readErr)
			}
			if _, _, _, err := v.handle(f, ""); err != nil {
				return err
			}
			if f.Event != event {
				continue
			}
			if ok, err := match(f.Payload); err != nil || ok {
				return err
			}
		case <-timer.C:
			return fmt.Errorf("no %q push within %s", event, Timeout)
		}
	}
}

// handle applies one frame. done reports that it was the reply to ref. A
// payload that does not decode is an error.
func (v *View) handle(f frame, ref string) (done bool, status string, resp json.RawMessage, err error) {
	if f.Topic != v.topic {
		return false, "", nil, v.dispatch(f)
	}
	if f.JoinRef != "" && f.JoinRef != v.joinRef {
		return false, "", nil, nil
	}
	switch f.Event {
	case wire.ServerReply:
		r, err := wire.DecodeReply(f.Payload)
		if err != nil {
			return false, "", nil, fmt.Errorf("reply %s: %w", f.Payload, err)
		}
		if _, ok := v.unacked[f.Ref]; ok {
			// An event SendEvent sent, answered: its render applies, and
			// a resume need not send it again.
			delete(v.unacked, f.Ref)
			if f.Ref != ref && r.Status == wire.StatusOK {
				v.lastRender = f.size
				return false, "", nil, v.applyRender(r.Response)
			}
		}
		if f.Ref != ref {
			return false, "", nil, nil
		}
		if r.Status == wire.StatusOK && f.Ref != v.joinRef {
			v.lastRender = f.size
			if err := v.applyRender(r.Response); err != nil {
				return true, r.Status, r.Response, err
			}
		}
		return true, r.Status, r.Response, nil
	case wire.ServerDiff:
		v.lastRender = f.size
		return false, "", nil, v.applyRender(f.Payload)
	case wire.ServerRedirect:
		r, err := wire.DecodeRedirect(f.Payload)
		if err != nil {
			return false, "", nil, fmt.Errorf("redirect %s: %w", f.Payload, err)
		}
		v.redirect, v.flash = r.To, r.Flash
	case wire.ServerLivePatch:
		p, err := wire.DecodeLivePatch(f.Payload)
		if err != nil {
			return false, "", nil, fmt.Errorf("live_patch %s: %w", f.Payload, err)
		}
		if u, err := url.Parse(v.url); err == nil {
			if to, err := u.Parse(p.To); err == nil {
				v.url = to.String()
			}
		}
	case wire.ServerLiveRedirect:
		r, err := wire.DecodeLiveRedirect(f.Payload)
		if err != nil {
			return false, "", nil, fmt.Errorf("live_redirect %s: %w", f.Payload, err)
		}
		v.navigated, v.lastFlashT = r.To, r.Flash
	case wire.ServerPong:
		if _, err := wire.DecodePong(f.Payload); err != nil {
			return false, "", nil, fmt.Errorf("pong %s: %w", f.Payload, err)
		}
	case wire.ServerError:
		return true, "", nil, fmt.Errorf("the view crashed (phx_error)")
	case wire.ServerClose:
		v.closed = true
		if ref != "" {
			return true, "", nil, nil
		}
	}
	return false, "", nil, nil
}

// applyRender applies a render's effects: the patch and stream operations,
// pushed events, title.
func (v *View) applyRender(raw json.RawMessage) error {
	r, err := wire.DecodeRender(raw)
	if err != nil {
		return fmt.Errorf("render %s: %w", raw, err)
	}
	if err := r.Apply(v.tree); err != nil {
		return fmt.Errorf("render %s does not apply: %w\n%s", raw, err, pretty.HTML(v.tree.AppendHTML(nil)))
	}
	if len(r.Patch) > 0 || len(r.Streams) > 0 || len(r.Events) > 0 || len(r.Exec) > 0 || r.Title != nil {
		v.version++ // as the server counts versions: a render not empty but for a hook's reply
	}
	for _, e := range r.Events {
		payload := e.Payload
		if payload == nil {
			payload = json.RawMessage("null")
		}
		v.events = append(v.events, PushedEvent{Name: e.Name, Payload: payload})
	}
	v.execs = append(v.execs, r.Exec...)
	if r.Title != nil {
		v.title = *r.Title
	}
	return nil
}

// push sends a message and waits for its reply; a refusal or a crash fails
// the test.
func (v *View) push(event string, payload []byte) json.RawMessage {
	v.t.Helper()
	resp, err := v.tryPush(event, payload)
	if err != nil {
		v.t.Fatalf("livetest: %s: %v\n%s", event, err, v.pretty())
	}
	return resp
}

// tryPush sends a message and waits for its reply, returning an error for
// a refusal or a crash.
func (v *View) tryPush(event string, payload []byte) (json.RawMessage, error) {
	v.t.Helper()
	if v.redirect != "" || v.closed {
		return nil, fmt.Errorf("the view ended (redirected to %q)", v.redirect)
	}
	ref := v.nextRef()
	if err := v.send(v.joinRef, ref, event, payload); err != nil {
		return nil, err
	}
	status, resp, err := v.await(ref)
	if err != nil {
		return nil, err
	}
	if status != wire.StatusOK {
		return nil, fmt.Errorf("refused: %s", resp)
	}
	v.follow()
	return resp, nil
}
