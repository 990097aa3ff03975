package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/html"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/render"
	"github.com/templive/templive/render/pretty"
)

// The brokers the cluster tests run against. They must be running: the
// tests fail, never skip, without them.
const (
	testRedisAddr = "127.0.0.1:6379"
	testNATSAddr  = "127.0.0.1:4222"
)

// clusterDown is the -presence-down of the nodes under test: short, so a
// killed node's users leave quickly, but several heartbeats long (a
// twentieth of it each), so a node slowed by the test's load is not taken
// for dead.
const clusterDown = 3 * time.Second

// clusterWait bounds every wait for the cluster to agree. Nothing is timed:
// a condition is awaited until it holds or this much time has passed.
const clusterWait = 20 * time.Second

// TestClusterOnRealBrokers runs three demo processes on loopback ports,
// joined through a real broker, and drives them with remote clients: a
// feed post and a chat message made on one node reach the others, the
// three presence lists agree, a killed node's user leaves the other lists
// after the down period, and comes back once when the node restarts.
func TestClusterOnRealBrokers(t *testing.T) {
	bin := buildDemo(t)
	t.Run("redis", func(t *testing.T) {
		needServer(t, testRedisAddr, "Redis (redis-server)")
		testCluster(t, bin, "redis://"+testRedisAddr)
	})
	t.Run("nats", func(t *testing.T) {
		needServer(t, testNATSAddr, "NATS (nats-server)")
		testCluster(t, bin, "nats://"+testNATSAddr)
	})
}

func testCluster(t *testing.T, bin, broker string) {
	cl := newDemoCluster(t, bin, broker)
	start := time.Now()
	step := func(what string) { t.Helper(); t.Logf("%5.2fs %s", time.Since(start).Seconds(), what) }
	a, b, c := cl.start("a"), cl.start("b"), cl.start("c")

	// Everyone signs in on A: the cookie, signed with the shared secret,
	// is good on every node.
	ada, bob, carol := newRemote(t), newRemote(t), newRemote(t)
	ada.signIn(a.url, "ada")
	bob.signIn(a.url, "bob")
	carol.signIn(a.url, "carol")

	step("a post made on A appears in the feeds open on B and C")
	adaFeed := ada.live(a.url, "/feed")
	bobFeed := bob.live(b.url, "/feed")
	carolFeed := carol.live(c.url, "/feed")
	adaFeed.event("submit", "post", url.Values{"body": {"hello from A"}})
	for _, v := range []*remoteView{adaFeed, bobFeed, carolFeed} {
		v.waitFor("the post from A", func(root *render.Node) bool {
			return strings.Contains(textOf(byID(root, "posts")), "hello from A")
		})
		v.close()
	}

	step("three users in room 1, on three nodes, see the same three users online")
	adaRoom := ada.live(a.url, "/rooms/1")
	// As behind a load balancer: bob's page comes from A, his socket goes
	// to B, which trusts A's tokens because they share the secret.
	bobRoom := bob.liveVia(a.url, b.url, "/rooms/1")
	carolRoom := carol.live(c.url, "/rooms/1")
	everyone := []string{"ada", "bob", "carol"}
	for _, v := range []*remoteView{adaRoom, bobRoom, carolRoom} {
		v.waitOnline(everyone)
	}

	step("a chat message said on B reaches A and C")
	bobRoom.event("submit", "say", url.Values{"body": {"hi from B"}})
	for _, v := range []*remoteView{adaRoom, carolRoom} {
		v.waitFor("bob's message", func(root *render.Node) bool {
			return strings.Contains(textOf(byID(root, "messages")), "hi from B")
		})
	}

	step("phoenix clients on A and B share the lobby's presence and messages")
	phoenixAcrossNodes(t, a.url, b.url)

	step("C is killed: carol leaves the lists of A and B after the down period")
	c.kill()
	carolRoom.close()
	for _, v := range []*remoteView{adaRoom, bobRoom} {
		v.waitOnline([]string{"ada", "bob"})
	}

	step("C restarts: carol is back, once, on every node")
	c = cl.start("c")
	carolRoom = carol.live(c.url, "/rooms/1")
	for _, v := range []*remoteView{adaRoom, bobRoom, carolRoom} {
		v.waitOnline(everyone)
		if n := strings.Count(textOf(byID(v.tree, "online")), "tabs"); n != 0 {
			t.Fatalf("%s lists a user twice after the restart:\n%s", v.node, v.html())
		}
	}
	step("done")
}

// phoenixAcross is run by node with the official phoenix client: two
// users in room:lobby, one connected to each of two nodes, with tokens
// both signed by the first. Its import of "phoenix" resolves from the
// repository's node_modules.
const phoenixAcross = `
import {Socket, Presence} from "phoenix"

const [baseA, baseB] = process.argv.slice(1)
const stepTimeoutMs = 20000

function until(name, cond, what){
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { clearInterval(poll); reject(new Error(name + ": timed out; " + what())) }, stepTimeoutMs)
    const poll = setInterval(() => { if(cond()){ clearInterval(poll); clearTimeout(timer); resolve() } }, 10)
  })
}

async function enter(user, base){
  const res = await fetch(baseA + "/dev/token?user=" + user)
  if(!res.ok){ throw new Error("GET /dev/token: " + res.status) }
  const socket = new Socket(base.replace(/^http/, "ws") + "/socket", {params: {token: await res.text()}})
  socket.connect()
  const channel = socket.channel("room:lobby", {})
  const presence = new Presence(channel)
  const said = []
  channel.on("new_msg", m => said.push(m.user_id + ": " + m.body))
  await new Promise((resolve, reject) => {
    channel.join().receive("ok", resolve).receive("error", r => reject(new Error(JSON.stringify(r))))
  })
  const listed = () => presence.list(id => id).sort().join(" ")
  return {socket, channel, said, listed}
}

const p1 = await enter("p1", baseA)
const p2 = await enter("p2", baseB)
for(const p of [p1, p2]){
  await until("both listed", () => p.listed() === "p1 p2", p.listed)
}
p2.channel.push("new_msg", {body: "hello from B"})
await until("the message crosses", () => p1.said.includes("p2: hello from B"), () => p1.said.join("; "))
p2.socket.disconnect()
await until("p2 leaves", () => p1.listed() === "p1", p1.listed)
p1.socket.disconnect()
// fetch's idle keep-alive connections would hold the process for seconds.
process.exit(0)
`

// phoenixAcrossNodes runs phoenixAcross against nodes a and b.
func phoenixAcrossNodes(t *testing.T, a, b string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Node 20 or later, then run `npm ci` at the repository root")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--experimental-websocket", "--no-warnings",
		"--input-type=module", "-e", phoenixAcross, a, b)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("phoenix client across nodes: %v\n%s", err, out)
	}
}

// needServer fails the test unless something listens on addr.
func needServer(t *testing.T, addr, what string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("no %s at %s: %v; the cluster tests need it running", what, addr, err)
	}
	conn.Close()
}

// buildDemo builds the demo command once for the test and returns the
// binary's path.
func buildDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "demo")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// demoCluster runs demo processes that share a broker, under a channel or
// subject prefix of their own, a secret and a database.
type demoCluster struct {
	t          *testing.T
	bin        string
	broker     string
	prefix     string
	db         string
	secretFile string
	secret     []byte
	ctx        context.Context // ends shortly before the test's deadline
	args       []string        // more flags for every node
}

func newDemoCluster(t *testing.T, bin, broker string) *demoCluster {
	dir := t.TempDir()
	cl := &demoCluster{
		t:          t,
		bin:        bin,
		broker:     broker,
		prefix:     "templive-test-" + strings.ToLower(rand.Text()[:12]),
		db:         filepath.Join(dir, "demo.db"),
		secretFile: filepath.Join(dir, "secret"),
		secret:     make([]byte, 32),
		ctx:        context.Background(),
	}
	rand.Read(cl.secret)
	if err := os.WriteFile(cl.secretFile, []byte(hex.EncodeToString(cl.secret)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The nodes die before a test binary that times out does: its
	// cleanups would not run.
	if d, ok := t.Deadline(); ok {
		ctx, cancel := context.WithDeadline(context.Background(), d.Add(-5*time.Second))
		t.Cleanup(cancel)
		cl.ctx = ctx
	}
	return cl
}

// start starts node name and waits until it serves.
func (cl *demoCluster) start(name string) *demoNode {
	t := cl.t
	t.Helper()
	cmd := exec.CommandContext(cl.ctx, cl.bin,
		"-addr", "127.0.0.1:0",
		"-node", name,
		"-pubsub", cl.broker,
		"-pubsub-prefix", cl.prefix,
		"-presence-down", clusterDown.String(),
		"-db", cl.db,
	)
	cmd.Args = append(cmd.Args, cl.args...)
	// Node a reads the secret from a file, the others from the
	// environment, in base64: both forms must give the same key.
	env := append(os.Environ(), secretEnv+"=")
	if name == "a" {
		cmd.Args = append(cmd.Args, "-secret-file", cl.secretFile)
	} else {
		env = append(env, secretEnv+"="+base64.StdEncoding.EncodeToString(cl.secret))
	}
	cmd.Env = env
	n := &demoNode{name: name, cmd: cmd, logs: newLogWriter(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = n.logs, n.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node %s: %v", name, err)
	}
	go func() {
		n.err = cmd.Wait()
		close(n.done)
	}()
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("logs of node %s:\n%s", name, n.logs)
		}
	})

	timer := time.NewTimer(clusterWait)
	defer timer.Stop()
	select {
	case n.url = <-n.logs.url:
		return n
	case <-n.done:
		t.Fatalf("node %s exited (%v) before serving:\n%s", name, n.err, n.logs)
	case <-timer.C:
		t.Fatalf("node %s did not log its URL within %v:\n%s", name, clusterWait, n.logs)
	}
	return nil
}

// demoNode is one demo process.
type demoNode struct {
	name string
	url  string // http://127.0.0.1:<port>
	cmd  *exec.Cmd
	logs *logWriter
	done chan struct{} // closed once the process has exited and err is set
	err  error
}

// kill kills the process with SIGKILL, as a crash would, and waits for it.
// It is idempotent.
func (n *demoNode) kill() {
	select {
	case <-n.done:
	default:
		n.cmd.Process.Kill()
		<-n.done
	}
}

// logWriter keeps a node's logs and reports the URL it logs when it
// serves.
type logWriter struct {
	mu      sync.Mutex // guards buf, partial, found
	buf     bytes.Buffer
	partial []byte
	found   bool
	url     chan string // receives the URL once
}

func newLogWriter() *logWriter { return &logWriter{url: make(chan string, 1)} }

// listening matches the line the demo logs once it serves.
var listening = regexp.MustCompile(`msg="demo listening" url=(\S+)`)

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		if m := listening.FindSubmatch(w.partial[:i]); m != nil && !w.found {
			w.found = true
			w.url <- string(m[1])
		}
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// remote is a browser without a browser for a server in another process:
// a cookie jar and live views over real WebSockets. (livetest drives an
// http.Handler in the test's process; this is the least of it that works
// against a URL.) Cookies are scoped by host, not port, so one remote
// carries its sign-in to every node on 127.0.0.1.
type remote struct {
	t    *testing.T
	jar  http.CookieJar
	http *http.Client
}

func newRemote(t *testing.T) *remote {
	jar, _ := cookiejar.New(nil)
	r := &remote{t: t, jar: jar, http: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
	t.Cleanup(r.http.CloseIdleConnections)
	return r
}

// signIn signs in as name through node base's sign-in form.
func (r *remote) signIn(base, name string) {
	r.t.Helper()
	resp, err := r.http.PostForm(base+"/signin", url.Values{"name": {name}, "next": {"/"}})
	if err != nil {
		r.t.Fatalf("sign in as %s: %v", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		r.t.Fatalf("sign in as %s: status %d", name, resp.StatusCode)
	}
}

// remoteView is a live view joined over the node's live socket. Its tree
// follows every patch and stream operation, as the browser's DOM would.
type remoteView struct {
	t      *testing.T
	node   string // base URL
	ws     *websocket.Conn
	frames chan wire.Frame // closed by the reader when the socket ends
	err    error           // why the reader returned; read after frames is closed
	wg     sync.WaitGroup
	once   sync.Once

	topic, joinRef string
	ref            int
	tree           *render.Node
}

// live loads path from node base and joins its view there.
func (r *remote) live(base, path string) *remoteView {
	r.t.Helper()
	return r.liveVia(base, base, path)
}

// liveVia loads path from node base and joins its view over the live
// socket of node socket.
func (r *remote) liveVia(base, socket, path string) *remoteView {
	r.t.Helper()
	t := r.t
	resp, err := r.http.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", base, path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: status %d, %v", base, path, resp.StatusCode, err)
	}
	id, session, csrf := liveRoot(body)
	if id == "" || csrf == "" {
		t.Fatalf("GET %s%s: no live root or CSRF token in:\n%s", base, path, body)
	}

	u, _ := url.Parse(socket)
	h := http.Header{"Origin": {socket}}
	var cookies []string
	for _, ck := range r.jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	h.Set("Cookie", strings.Join(cookies, "; "))
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/live/websocket?vsn=2.0.0&_csrf_token="+url.QueryEscape(csrf), h)
	if err != nil {
		t.Fatalf("connect to %s: %v", socket, err)
	}
	v := &remoteView{t: t, node: socket, ws: ws, frames: make(chan wire.Frame, 256), topic: wire.TopicPrefix + id}
	v.wg.Go(v.read)
	t.Cleanup(v.close)

	v.joinRef = v.nextRef()
	v.send(v.joinRef, wire.ClientJoin, wire.JoinPayload{Session: session, URL: base + path}.AppendJSON(nil))
	r2, err := wire.DecodeJoinReply(v.await(v.joinRef))
	if err != nil {
		t.Fatalf("join %s%s: %v", base, path, err)
	}
	if !r2.Patched {
		if v.tree, err = render.ParseFragment([]byte(r2.HTML)); err != nil {
			t.Fatalf("join %s%s: %v", base, path, err)
		}
		return v
	}
	// The node adopted the view its GET mounted (MountOnce): the join
	// patches the GET's render.
	if v.tree, err = render.ParseFragment(rootHTML(t, body)); err != nil {
		t.Fatalf("GET %s%s: the live root: %v", base, path, err)
	}
	for _, m := range r2.Renders {
		r, err := wire.DecodeRender(m)
		if err == nil {
			err = r.Apply(v.tree)
		}
		if err != nil {
			t.Fatalf("join %s%s: %s: %v", base, path, m, err)
		}
	}
	return v
}

// rootHTML returns the inner HTML of a page's live root.
func rootHTML(t *testing.T, page []byte) []byte {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	var find func(n *html.Node) *html.Node
	find = func(n *html.Node) *html.Node {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "data-live-root" {
					return n
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if r := find(c); r != nil {
				return r
			}
		}
		return nil
	}
	root := find(doc)
	if root == nil {
		t.Fatal("no live root in the page")
	}
	var b bytes.Buffer
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		html.Render(&b, c)
	}
	return b.Bytes()
}

// liveRoot finds a page's view id, session token and CSRF token.
func liveRoot(page []byte) (id, session, csrf string) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return "", "", ""
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		a := map[string]string{}
		for _, at := range n.Attr {
			a[at.Key] = at.Val
		}
		if n.Data == "meta" && a["name"] == "csrf-token" {
			csrf = a["content"]
		}
		if _, ok := a["data-live-root"]; ok && id == "" {
			id, session = a["id"], a["data-live-session"]
		}
	}
	return id, session, csrf
}

// read hands the socket's frames to the test until the socket ends, or
// until a frame does not decode.
func (v *remoteView) read() {
	defer close(v.frames)
	for {
		_, data, err := v.ws.ReadMessage()
		if err != nil {
			v.err = err
			return
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			v.err = fmt.Errorf("%w: %s", err, data)
			return
		}
		v.frames <- f
	}
}

// close closes the socket and waits for the reader. It is idempotent.
func (v *remoteView) close() {
	v.once.Do(func() {
		v.ws.Close()
		for range v.frames { // unblock the reader if the buffer is full
		}
		v.wg.Wait()
	})
}

func (v *remoteView) nextRef() string {
	v.ref++
	return strconv.Itoa(v.ref)
}

func (v *remoteView) send(ref, event string, payload []byte) {
	v.t.Helper()
	f := wire.Frame{JoinRef: v.joinRef, Ref: ref, Topic: v.topic, Event: event, Payload: payload}
	if err := v.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil)); err != nil {
		v.t.Fatalf("%s: send %s: %v", v.node, event, err)
	}
}

// event sends a binding's event and waits for its reply.
func (v *remoteView) event(typ, name string, values url.Values) {
	v.t.Helper()
	ref := v.nextRef()
	v.send(ref, wire.ClientEvent, wire.Event{Type: typ, Name: name, Values: values}.AppendJSON(nil))
	v.await(ref)
}

// await applies frames until the ok reply to ref arrives, and returns its
// response.
func (v *remoteView) await(ref string) json.RawMessage {
	v.t.Helper()
	var resp json.RawMessage
	v.next(func(f wire.Frame) bool {
		if f.Event != wire.ServerReply || f.Ref != ref {
			return false
		}
		r, err := wire.DecodeReply(f.Payload)
		if err != nil {
			v.t.Fatalf("%s: reply to %s: %v", v.node, ref, err)
		}
		if r.Status != wire.StatusOK {
			v.t.Fatalf("%s: reply %s: %s", v.node, r.Status, r.Response)
		}
		resp = r.Response
		return true
	}, "the reply to "+ref)
	return resp
}

// waitFor applies frames until cond holds for the view's tree.
func (v *remoteView) waitFor(what string, cond func(root *render.Node) bool) {
	v.t.Helper()
	if cond(v.tree) {
		return
	}
	v.next(func(wire.Frame) bool { return cond(v.tree) }, what)
}

// waitOnline waits until the room's online list is exactly users.
func (v *remoteView) waitOnline(users []string) {
	v.t.Helper()
	v.waitFor(fmt.Sprintf("exactly %v online", users), func(root *render.Node) bool {
		return slices.Equal(onlineUsers(root), users)
	})
}

// onlineUsers lists the room's online list, sorted.
func onlineUsers(root *render.Node) []string {
	var users []string
	if ul := byID(root, "online"); ul != nil {
		for i := range ul.Children {
			if id, ok := ul.Children[i].Attr("id"); ok {
				users = append(users, strings.TrimPrefix(id, "online-"))
			}
		}
	}
	slices.Sort(users)
	return users
}

// next applies each frame of the view's topic, then asks done whether to
// stop; it fails the test if clusterWait passes first.
func (v *remoteView) next(done func(f wire.Frame) bool, what string) {
	v.t.Helper()
	timer := time.NewTimer(clusterWait)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				v.t.Fatalf("%s: the socket closed (%v) while waiting for %s:\n%s", v.node, v.err, what, v.html())
			}
			if f.Topic != v.topic {
				continue
			}
			if err := v.apply(f.Event, f.Payload); err != nil {
				v.t.Fatalf("%s: %s: %v\n%s", v.node, f.Event, err, v.html())
			}
			if done(f) {
				return
			}
		case <-timer.C:
			v.t.Fatalf("%s: no %s within %v:\n%s", v.node, what, clusterWait, v.html())
		}
	}
}

// apply applies the render a diff push or an event's reply carries, as
// the client does (wire.Render.Apply).
func (v *remoteView) apply(event string, payload json.RawMessage) error {
	raw := payload
	switch event {
	case wire.ServerDiff:
	case wire.ServerReply:
		r, err := wire.DecodeReply(payload)
		if err != nil {
			return err
		}
		if r.Status != wire.StatusOK {
			return nil // await reports it
		}
		raw = r.Response
	case wire.ServerError, wire.ServerClose, wire.ServerRedirect:
		return fmt.Errorf("the view ended: %s", payload)
	default:
		return nil
	}
	if v.tree == nil {
		return nil // the join's reply
	}
	r, err := wire.DecodeRender(raw)
	if err != nil {
		return err
	}
	return r.Apply(v.tree)
}

// html returns the view's current HTML, for failure messages.
func (v *remoteView) html() string {
	if v.tree == nil {
		return ""
	}
	return pretty.HTML(v.tree.AppendHTML(nil))
}

// byID returns the element with id under root, or nil.
func byID(root *render.Node, id string) *render.Node {
	for i := range root.Children {
		c := &root.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if a, _ := c.Attr("id"); a == id {
			return c
		}
		if found := byID(c, id); found != nil {
			return found
		}
	}
	return nil
}

// textOf returns the text content of n ("" for nil).
func textOf(n *render.Node) string {
	if n == nil {
		return ""
	}
	if n.Type == render.TextNode {
		return n.Data
	}
	var b strings.Builder
	for i := range n.Children {
		b.WriteString(textOf(&n.Children[i]))
	}
	return b.String()
}

// TestClusterFlags checks how the flags of a node are read and refused.
func TestClusterFlags(t *testing.T) {
	t.Parallel()
	hexSecret := strings.Repeat("ab", 32)
	b64Secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, 32))
	tests := []struct {
		name    string
		args    []string
		env     string // TEMPLIVE_SECRET
		wantErr string // "" for success
		check   func(t *testing.T, c clusterConfig)
	}{
		{name: "no flags make a single node with a random secret", check: func(t *testing.T, c clusterConfig) {
			if c.adapter != nil || c.secret != nil || c.presenceDown != presence.DefaultDownPeriod {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "a hex secret in the environment is decoded", env: hexSecret, check: func(t *testing.T, c clusterConfig) {
			if !bytes.Equal(c.secret, bytes.Repeat([]byte{0xab}, 32)) {
				t.Errorf("secret %x", c.secret)
			}
		}},
		{name: "a base64 secret gives the same key as its hex form", env: b64Secret, check: func(t *testing.T, c clusterConfig) {
			if hex.EncodeToString(c.secret) != hexSecret {
				t.Errorf("secret %x", c.secret)
			}
		}},
		{name: "a short secret is refused", env: strings.Repeat("ab", 31), wantErr: "at least 32"},
		{name: "a secret that is neither hex nor base64 is refused", env: strings.Repeat("?", 64), wantErr: "neither hex nor base64"},
		{name: "a missing secret file is an error", args: []string{"-secret-file", filepath.Join(t.TempDir(), "none")}, wantErr: "-secret-file"},
		{name: "redis URLs make a Redis adapter", args: []string{"-pubsub", "redis://127.0.0.1:6379/2"}, check: func(t *testing.T, c clusterConfig) {
			if _, ok := c.adapter.(*redisAdapter); !ok {
				t.Errorf("adapter %T", c.adapter)
			}
		}},
		{name: "the password of a broker is not logged", args: []string{"-pubsub", "redis://:hunter2@127.0.0.1:6379"}, check: func(t *testing.T, c clusterConfig) {
			if strings.Contains(c.broker, "hunter2") {
				t.Errorf("broker %q", c.broker)
			}
		}},
		{name: "a database that is not a number is refused", args: []string{"-pubsub", "redis://127.0.0.1:6379/x"}, wantErr: "database"},
		{name: "nats URLs make a NATS adapter", args: []string{"-pubsub", "nats://127.0.0.1:4222"}, check: func(t *testing.T, c clusterConfig) {
			if c.adapter == nil || c.broker != "nats://127.0.0.1:4222" {
				t.Errorf("adapter %T, broker %q", c.adapter, c.broker)
			}
		}},
		{name: "a NATS URL with a path is refused", args: []string{"-pubsub", "nats://127.0.0.1:4222/x"}, wantErr: "want nats://host:port"},
		{name: "other schemes are refused", args: []string{"-pubsub", "kafka://127.0.0.1:9092"}, wantErr: "want redis://"},
		{name: "a prefix with a wildcard is refused", args: []string{"-pubsub", "nats://127.0.0.1:4222", "-pubsub-prefix", "a.>"}, wantErr: "-pubsub-prefix"},
		{name: "a down period under a second is refused", args: []string{"-presence-down", "500ms"}, wantErr: "-presence-down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("demo", flag.ContinueOnError)
			f := addClusterFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) string {
				if k == secretEnv {
					return tt.env
				}
				return ""
			}
			c, err := f.config(getenv, slog.New(slog.DiscardHandler))
			if c.adapter != nil {
				// Never started, so there is nothing to stop but the
				// Redis client's pool.
				defer c.adapter.Close()
			}
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.check != nil:
				tt.check(t, c)
			}
		})
	}
}

// TestShortDownPeriodsMakeValidPresenceOptions checks that every accepted
// -presence-down gives options presence.New takes.
func TestShortDownPeriodsMakeValidPresenceOptions(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{time.Second, clusterDown, presence.DefaultDownPeriod, time.Hour} {
		opts := clusterConfig{presenceDown: d}.presenceOptions(slog.New(slog.DiscardHandler))
		a, err := newApp(config{cluster: clusterConfig{presenceDown: d}}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("-presence-down %v (broadcast every %v): %v", d, opts.BroadcastPeriod, err)
		}
		a.shutdown(context.Background())
		a.close()
	}
}
