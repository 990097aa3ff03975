package live

import (
	"encoding/json"
	"errors"

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

	dirty   bool      // a callback ran since the last render
	waiting []waiting // events to answer after the next render
	pings   []string  // refs of Pings to answer after the next render

	events        *eventRate   // shared by the connection's views; nil: no limit
	charged       int64        // what the view counts in srv.viewBytes
	measured      *render.Node // the compact tree measuredBytes is the size of
	measuredBytes int64
}

// waiting is an event whose reply waits for the next render, and what a
// hook event's handler replied (see [Socket.Reply]).
type waiting struct {
	ref   string
	reply any
}

// push sends the browser an event on the view's topic, with a payload the
// wire package encoded; reply answers the client message ref. Both return
// an error only when the frame cannot be encoded: that must crash the view
// rather than be dropped, or the browser would fall out of step with the
// tree the server diffs against. A connection already gone is no error
// here: the channel learns of it by itself and ends.
func (vc *viewChannel) push(event string, payload []byte) error {
	return sendErr(vc.cc.Push(event, json.RawMessage(payload)))
}

func (vc *viewChannel) reply(ref string, r channel.Reply) error {
	return sendErr(vc.cc.Reply(ref, r))
}

// sendErr keeps of a push's or reply's error only what the view must crash on.
func sendErr(err error) error {
	if err == nil || errors.Is(err, channel.ErrClosed) || errors.Is(err, channel.ErrSlowClient) {
		return nil
	}
	return err
}
