package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/render"
)

// viewChannel runs one live view: it is the [channel.Channel] joined on "lv:<id>".
// All its methods run on the channel's goroutine, one at a time.
type viewChannel struct {
	srv  *Server
	cc   *channel.Conn
	view View
	rt   *route
	s    *Socket
	last lastRender // what the browser has
	log  renderLog  // the renders sent last, for a resume

	// ctx is the view's context: it outlives a connection the view is
	// resumed from, and cancel ends it with the view.
	ctx     context.Context
	cancel  context.CancelFunc
	lastSeq uint64      // the Seq of the last client event handled
	replies hookReplies // the last hook replies sent, for events sent again
	called  *callContext

	dirty   bool      // a callback of the view ran since the last render
	parts   []string  // the components whose own callbacks ran since then
	waiting []waiting // events to answer after the next render
	pings   []string  // refs of Pings to answer after the next render

	events        *eventRate   // shared by the connection's views; nil: no limit
	charged       int64        // what the view counts in srv.viewBytes
	measured      *render.Node // the compact tree measuredBytes is the size of
	measuredBytes int64

	stats viewStats // for Server.Views
	life  *viewLife // the view's OpView, when observed

	nest *nestEntry // set when the view is nested in another (nested.go)
}

// waiting is an event whose reply waits for the next render, what a
// hook event's handler replied (see [Socket.Reply]), and, for a client
// event, when the view took it, for the route's latencies.
type waiting struct {
	ref   string
	reply any
	start time.Time
	seq   uint64 // the event's sequence number, if the client gave one
}

// push sends the browser an event on the view's topic, with a payload the
// wire package encoded; reply answers the client message ref with an ok
// reply whose response the wire package encoded. Neither can fail as far
// as the view is concerned: what they send is JSON already, so nothing is
// encoded, and a connection that is gone, or closed for a client too slow
// to read, ends the channel by itself, which then tells the view.
func (vc *viewChannel) push(event string, payload []byte) {
	vc.cc.Push(event, json.RawMessage(payload))
}

func (vc *viewChannel) reply(ref string, response []byte) {
	vc.cc.Reply(ref, channel.ReplyOK(json.RawMessage(response)))
}

// logger returns the server's logger with the view's route, id and topic,
// for what the runtime says about the view outside a crash (which the
// channel logs, naming the view with LogValue).
func (vc *viewChannel) logger() *slog.Logger {
	if vc.rt == nil || vc.s == nil {
		return vc.srv.logger.With("topic", vc.cc.Topic()) // not joined yet
	}
	return vc.srv.logger.With("route", vc.rt.pattern, "id", vc.s.id, "topic", vc.cc.Topic())
}
