package js_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/js"
	"github.com/templive/templive/live/channel"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// channelsPage loads the bundle (no live root, so it does not start live views)
// and defines helpers the tests call with Eval.
const channelsPage = `<!doctype html>
<title>channels</title>
<link rel="icon" href="data:,">
<script src="/templive.js"></script>
<script>
const {Socket, Presence} = templive
// reply turns a push's outcome into a value: {ok}, {error} or {timeout}.
window.reply = p => new Promise(res => p
  .receive("ok", r => res({ok: r}))
  .receive("error", r => res({error: r}))
  .receive("timeout", () => res({timeout: true})))
window.client = name => {
  const socket = new Socket("/socket", {params: {token: "tok-" + name}, reconnectAfterMs: () => 50, rejoinAfterMs: () => 50})
  socket.connect()
  const channel = socket.channel("room:lobby", {name})
  const presence = new Presence(channel)
  const c = {socket, channel, presence, shouts: [], joins: [], leaves: []}
  presence.onJoin((key, cur, p) => c.joins.push(key))
  presence.onLeave((key, cur, p) => c.leaves.push(key))
  channel.on("shout", p => c.shouts.push(p))
  return c
}
window.names = c => c.presence.list(k => k).sort()
window.until = (f, ms = 5000) => new Promise((res, rej) => {
  const t0 = Date.now()
  const tick = () => {
    const v = f()
    if (v) return res(v)
    if (Date.now() - t0 > ms) return rej(new Error("timed out waiting for " + f))
    setTimeout(tick, 10)
  }
  tick()
})
</script>`

// TestChannelsAndPresenceInBrowser runs the client's Channels API and Presence
// helpers in Chromium against templive's own socket (live.Socket).
func TestChannelsAndPresenceInBrowser(t *testing.T) {
	t.Parallel()
	srv := newChannelServer(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL)

	check := func(what, js string, want any) {
		t.Helper()
		var got any
		tab.Eval(js, &got)
		w, _ := json.Marshal(want)
		var norm any
		json.Unmarshal(w, &norm)
		if !reflect.DeepEqual(got, norm) {
			t.Errorf("%s:\n got %v\nwant %v", what, got, norm)
		}
	}

	check("join reply", `(async () => { window.alice = client("alice"); return await reply(alice.channel.join()) })()`,
		map[string]any{"ok": map[string]any{"welcome": "alice", "token": "tok-alice"}})
	check("ok reply", `reply(alice.channel.push("ping", {n: 1}))`, map[string]any{"ok": map[string]any{"n": 1}})
	check("error reply", `reply(alice.channel.push("fail", {}))`, map[string]any{"error": map[string]any{"reason": "nope"}})
	check("timeout", `reply(alice.channel.push("slow", {}, 100))`, map[string]any{"timeout": true})
	check("refused join", `(async () => {
		const c = client(""); const r = await reply(c.channel.join()); c.socket.disconnect(); return r
	})()`, map[string]any{"error": map[string]any{"reason": "no name"}})
	check("presence after own join", `until(() => names(alice).length == 1 && names(alice))`, []string{"alice"})

	check("second client", `(async () => { window.bob = client("bob"); await reply(bob.channel.join()); return true })()`, true)
	check("alice sees bob", `until(() => names(alice).length == 2 && names(alice))`, []string{"alice", "bob"})
	check("bob sees alice", `until(() => names(bob).length == 2 && names(bob))`, []string{"alice", "bob"})
	check("metas", `alice.presence.list((k, p) => k + ":" + p.metas.length + ":" + typeof p.metas[0].phx_ref).sort()`,
		[]string{"alice:1:string", "bob:1:string"})

	check("broadcast", `(async () => {
		await reply(bob.channel.push("shout", {msg: "hi"}))
		return until(() => alice.shouts.length && bob.shouts.length && [alice.shouts, bob.shouts])
	})()`, []any{[]any{map[string]any{"msg": "hi"}}, []any{map[string]any{"msg": "hi"}}})

	check("leave", `(async () => {
		const r = await reply(bob.channel.leave())
		await until(() => names(alice).length == 1)
		bob.socket.disconnect()
		return [r, names(alice), alice.leaves]
	})()`, []any{map[string]any{"ok": map[string]any{}}, []string{"alice"}, []string{"bob"}})

	check("crash and rejoin", `(async () => {
		const before = alice.channel.joinRef()
		let errored = false
		alice.channel.on("phx_error", () => { errored = true })
		alice.channel.push("crash", {})
		await until(() => errored && alice.channel.state == "joined" && alice.channel.joinRef() != before)
		return (await reply(alice.channel.push("ping", {after: "crash"}))).ok
	})()`, map[string]any{"after": "crash"})
	check("presence resynced after rejoin", `until(() => names(alice).length == 1 && alice.presence.list((k, p) => p.metas.length))`, []int{1})

	check("reconnect", `(async () => {
		const before = alice.channel.joinRef()
		let opens = 0
		alice.socket.onOpen(() => opens++)
		alice.socket.conn.close()
		await until(() => opens == 1 && alice.channel.state == "joined" && alice.channel.joinRef() != before)
		return (await reply(alice.channel.push("ping", {after: "reconnect"}))).ok
	})()`, map[string]any{"after": "reconnect"})
	tab.Eval(`alice.socket.disconnect()`, nil)
}

// newChannelServer serves the bundle, the test page, and a socket at /socket with
// a "room:*" channel that tracks presence the way Phoenix reports it.
func newChannelServer(t *testing.T) *httptest.Server {
	sock := channel.NewSocket(channel.SocketOptions[struct{}]{Logger: slog.New(slog.DiscardHandler)})
	rooms := &presenceBook{topics: map[string]map[string][]meta{}}
	sock.Channel("room:*", func(cc *channel.Conn, _ struct{}) channel.Channel {
		return &room{cc: cc, book: rooms}
	})
	mux := http.NewServeMux()
	mux.Handle("/templive.js", js.Handler())
	mux.Handle("/socket/", sock)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, channelsPage)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		if err := sock.Shutdown(context.Background()); err != nil {
			t.Errorf("socket shutdown: %v", err)
		}
		srv.Close()
	})
	return srv
}

type meta struct {
	Ref   string `json:"phx_ref"`
	Token string `json:"token"`
}

type entry struct {
	Metas []meta `json:"metas"`
}

type presenceDiff struct {
	Joins  map[string]entry `json:"joins"`
	Leaves map[string]entry `json:"leaves"`
}

// presenceBook is the test server's presence: topic → key → metas.
type presenceBook struct {
	mu     sync.Mutex // guards topics, refs
	topics map[string]map[string][]meta
	refs   int
}

// join adds a meta and returns it with the topic's state after the join.
func (b *presenceBook) join(topic, key, token string) (meta, map[string]entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs++
	m := meta{Ref: fmt.Sprintf("ref%d", b.refs), Token: token}
	if b.topics[topic] == nil {
		b.topics[topic] = map[string][]meta{}
	}
	b.topics[topic][key] = append(b.topics[topic][key], m)
	state := map[string]entry{}
	for k, ms := range b.topics[topic] {
		state[k] = entry{Metas: append([]meta(nil), ms...)}
	}
	return m, state
}

func (b *presenceBook) leave(topic, key string, m meta) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ms := b.topics[topic][key]
	for i := range ms {
		if ms[i] == m {
			ms = append(ms[:i], ms[i+1:]...)
			break
		}
	}
	if len(ms) == 0 {
		delete(b.topics[topic], key)
	} else {
		b.topics[topic][key] = ms
	}
}

// room is the test channel: it echoes "ping", refuses "fail", never answers
// "slow", broadcasts "shout", crashes on "crash", and reports presence.
type room struct {
	cc   *channel.Conn
	book *presenceBook
	key  string
	meta meta
}

func (r *room) Join(ctx context.Context, payload json.RawMessage) (any, error) {
	var p struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Name == "" {
		return nil, channel.Refuse("no name")
	}
	token := r.cc.ConnectInfo().Params.Get("token")
	r.key = p.Name
	m, state := r.book.join(r.cc.Topic(), r.key, token)
	r.meta = m
	if err := r.cc.Push("presence_state", state); err != nil {
		return nil, err
	}
	diff := presenceDiff{Joins: map[string]entry{r.key: {Metas: []meta{m}}}, Leaves: map[string]entry{}}
	if err := r.cc.Broadcast(ctx, "presence_diff", diff); err != nil {
		return nil, err
	}
	return map[string]string{"welcome": p.Name, "token": token}, nil
}

func (r *room) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	switch ev.Name {
	case "ping":
		return channel.ReplyOK(ev.Payload), nil
	case "fail":
		return channel.ReplyError(map[string]string{"reason": "nope"}), nil
	case "slow":
		return channel.NoReply, nil
	case "shout":
		if err := r.cc.Broadcast(ctx, "shout", ev.Payload); err != nil {
			return channel.NoReply, err
		}
		return channel.ReplyOK(nil), nil
	case "crash":
		return channel.NoReply, errors.New("crash requested by the test")
	}
	return channel.ReplyError(map[string]string{"reason": "unknown event"}), nil
}

func (r *room) Terminate(error) {
	r.book.leave(r.cc.Topic(), r.key, r.meta)
	diff := presenceDiff{Joins: map[string]entry{}, Leaves: map[string]entry{r.key: {Metas: []meta{r.meta}}}}
	// The socket may be shutting down; a lost leave only matters to the test.
	_ = r.cc.Broadcast(context.Background(), "presence_diff", diff)
}
