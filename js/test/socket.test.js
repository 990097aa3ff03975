// The socket and channels against a scripted fake WebSocket. Timers are mocked,
// so the tests do not depend on how fast the machine is.

import {test} from "node:test"
import assert from "node:assert/strict"
import {Socket} from "../src/socket.js"
import {backoff} from "../src/timer.js"

class FakeWS {
  static all = []
  constructor(url, protocols) {
    this.url = url
    this.protocols = protocols
    this.readyState = 0
    this.sent = []
    this.closedWith = null
    FakeWS.all.push(this)
  }
  send(frame) { this.sent.push(JSON.parse(frame)) }
  close(code, reason) { this.readyState = 3; this.closedWith = [code, reason] }
  // Server side.
  open() { this.readyState = 1; this.onopen() }
  recv(frame) { this.onmessage({data: JSON.stringify(frame)}) }
  drop() { this.readyState = 3; this.onclose({code: 1006}) }
  last() { return this.sent[this.sent.length - 1] }
}

// fakeTime mocks setTimeout for the test t and returns a function that moves
// time forward.
function fakeTime(t) {
  t.mock.timers.enable({apis: ["setTimeout"]})
  return ms => t.mock.timers.tick(ms)
}

function newSocket(opts = {}) {
  FakeWS.all = []
  return new Socket("ws://example.test/socket", {
    transport: /** @type {any} */ (FakeWS),
    reconnectAfterMs: () => 5,
    rejoinAfterMs: () => 5,
    ...opts,
  })
}

test("connect sends params, vsn and the auth token subprotocol", () => {
  let s = newSocket({params: {token: "a b"}, authToken: "secret?"})
  s.connect()
  let ws = FakeWS.all[0]
  assert.equal(ws.url, "ws://example.test/socket/websocket?token=a+b&vsn=2.0.0")
  assert.deepEqual(ws.protocols, ["phoenix", "base64url.bearer.phx.c2VjcmV0Pw"])
  s.disconnect()
})

test("join, push and replies are matched by ref; stale join_refs are dropped", t => {
  let sleep = fakeTime(t)
  let s = newSocket()
  s.connect()
  let ws = FakeWS.all[0]
  let chan = s.channel("room:1", {user: "u"})
  let joined = null
  chan.join().receive("ok", r => { joined = r })
  assert.equal(ws.sent.length, 0, "frames wait for the connection")
  ws.open()
  let [joinRef, ref, topic0, event0, payload0] = ws.last()
  assert.deepEqual([topic0, event0, payload0], ["room:1", "phx_join", {user: "u"}])
  assert.equal(joinRef, ref, "a join's join_ref is its ref")
  ws.recv([joinRef, ref, "room:1", "phx_reply", {status: "ok", response: {hello: 1}}])
  assert.deepEqual(joined, {hello: 1})
  assert.equal(chan.state, "joined")

  let got = []
  chan.on("msg", p => got.push(p))
  ws.recv([joinRef, null, "room:1", "msg", {n: 1}])
  ws.recv(["999", null, "room:1", "msg", {n: "stale"}])
  ws.recv([null, null, "room:1", "msg", {n: 2}])
  ws.recv([null, null, "room:2", "msg", {n: "other topic"}])
  assert.deepEqual(got, [{n: 1}, {n: 2}])

  let reply = null
  chan.push("ping", {x: 1}).receive("ok", r => { reply = r }).receive("error", () => assert.fail("error"))
  let [jr, pr, topic, event, payload] = ws.last()
  assert.deepEqual([jr, topic, event, payload], [joinRef, "room:1", "ping", {x: 1}])
  ws.recv([jr, pr, "room:1", "phx_reply", {status: "ok", response: {pong: true}}])
  assert.deepEqual(reply, {pong: true})

  let timedOut = false
  chan.push("slow", {}, 10).receive("timeout", () => { timedOut = true })
  sleep(9)
  assert.ok(!timedOut)
  sleep(1)
  assert.ok(timedOut)

  let left = false
  let closed = 0
  chan.onClose(() => closed++)
  chan.leave().receive("ok", () => { left = true })
  let leave = ws.last()
  assert.equal(leave[3], "phx_leave")
  ws.recv([leave[0], leave[1], "room:1", "phx_reply", {status: "ok", response: {}}])
  assert.ok(left)
  assert.equal(closed, 1)
  assert.equal(s.channels.length, 0)
  s.disconnect()
})

test("a lost connection reconnects and the channel rejoins with a new join_ref", t => {
  let sleep = fakeTime(t)
  let s = newSocket()
  let opens = 0
  s.onOpen(() => opens++)
  s.connect()
  let ws = FakeWS.all[0]
  ws.open()
  let chan = s.channel("room:1")
  let errors = 0
  chan.onError(() => errors++)
  chan.join()
  let [joinRef, ref] = ws.last()
  ws.recv([joinRef, ref, "room:1", "phx_reply", {status: "ok", response: {}}])
  ws.drop()
  assert.equal(errors, 1)
  assert.equal(chan.state, "errored")
  sleep(5)
  let ws2 = FakeWS.all[1]
  assert.ok(ws2, "reconnected")
  ws2.open()
  assert.equal(opens, 2)
  let rejoin = ws2.last()
  assert.equal(rejoin[3], "phx_join")
  assert.notEqual(rejoin[0], joinRef)
  ws2.recv([rejoin[0], rejoin[1], "room:1", "phx_reply", {status: "ok", response: {}}])
  assert.equal(chan.state, "joined")
  // Messages of the old join are stale now.
  let got = 0
  chan.on("msg", () => got++)
  ws2.recv([joinRef, null, "room:1", "msg", {}])
  assert.equal(got, 0)
  s.disconnect()
  sleep(60000)
  assert.equal(FakeWS.all.length, 2, "no reconnect after disconnect()")
})

test("a join refused with an error is retried with backoff", t => {
  let sleep = fakeTime(t)
  let s = newSocket()
  s.connect()
  let ws = FakeWS.all[0]
  ws.open()
  let chan = s.channel("room:1")
  let errors = []
  chan.join().receive("error", r => errors.push(r))
  let first = ws.last()
  ws.recv([first[0], first[1], "room:1", "phx_reply", {status: "error", response: {reason: "nope"}}])
  assert.deepEqual(errors, [{reason: "nope"}])
  sleep(4)
  assert.equal(ws.last(), first, "the rejoin waits for its backoff")
  sleep(1)
  let second = ws.last()
  assert.equal(second[3], "phx_join")
  assert.notEqual(second[1], first[1])
  s.disconnect()
})

test("a heartbeat without reply closes the connection and reconnects", t => {
  let sleep = fakeTime(t)
  let s = newSocket()
  s.connect()
  let ws = FakeWS.all[0]
  ws.open()
  sleep(29999)
  assert.equal(ws.sent.length, 0)
  sleep(1)
  let hb = ws.last()
  assert.deepEqual([hb[0], hb[2], hb[3], hb[4]], [null, "phoenix", "heartbeat", {}])
  ws.recv([null, hb[1], "phoenix", "phx_reply", {status: "ok", response: {}}])
  sleep(30000)
  assert.equal(ws.sent.filter(f => f[3] == "heartbeat").length, 2)
  assert.equal(ws.closedWith, null)
  sleep(30000)
  assert.deepEqual(ws.closedWith, [1000, "heartbeat timeout"])
  sleep(5)
  assert.equal(FakeWS.all.length, 2, "reconnected")
  s.disconnect()
})

test("backoff walks its steps, repeats the last, and jitters within 50-100%", () => {
  let b = backoff([100, 200, 400], () => 1)
  assert.deepEqual([1, 2, 3, 4, 9].map(b), [100, 200, 400, 400, 400])
  let low = backoff([100], () => 0)
  assert.equal(low(1), 50)
})

test("pushes wait for the join, and go out with its join_ref", t => {
  fakeTime(t)
  let s = newSocket()
  s.connect()
  let ws = FakeWS.all[0]
  ws.open()
  let chan = s.channel("room:1")
  assert.throws(() => chan.push("early", {}), /before join/)
  chan.join()
  let [joinRef, ref] = ws.last()
  let reply = null
  chan.push("hello", {a: 1}).receive("ok", r => { reply = r })
  assert.equal(ws.sent.length, 1, "the push waits while joining")
  ws.recv([joinRef, ref, "room:1", "phx_reply", {status: "ok", response: {}}])
  let push = ws.last()
  assert.deepEqual([push[0], push[3], push[4]], [joinRef, "hello", {a: 1}])
  ws.recv([joinRef, push[1], "room:1", "phx_reply", {status: "ok", response: {b: 2}}])
  assert.deepEqual(reply, {b: 2})
  s.disconnect()
})

test("joining a topic again leaves the channel already on it", t => {
  fakeTime(t)
  let s = newSocket()
  s.connect()
  let ws = FakeWS.all[0]
  ws.open()
  let first = s.channel("room:1")
  first.join()
  let [jr, r] = ws.last()
  ws.recv([jr, r, "room:1", "phx_reply", {status: "ok", response: {}}])
  let second = s.channel("room:1")
  second.join()
  let events = ws.sent.slice(-2).map(f => f[3])
  assert.deepEqual(events, ["phx_leave", "phx_join"])
  // As in the phoenix client, a leave closes the channel at once.
  assert.equal(first.state, "closed")
  assert.deepEqual(s.channels, [second])
})

test("a hidden tab neither reconnects nor sends heartbeats, and reconnects at once when shown", t => {
  let sleep = fakeTime(t)
  let doc = Object.assign(new EventTarget(), {hidden: false})
  globalThis.document = /** @type {any} */ (doc)
  t.after(() => { delete globalThis.document })
  let show = hidden => { doc.hidden = hidden; doc.dispatchEvent(new Event("visibilitychange")) }
  let s = newSocket({heartbeatIntervalMs: 100})
  s.connect()
  FakeWS.all[0].open()
  show(true)
  sleep(1000)
  assert.equal(FakeWS.all[0].sent.length, 0, "a heartbeat while hidden")
  FakeWS.all[0].drop()
  sleep(1000)
  assert.equal(FakeWS.all.length, 1, "a reconnect while hidden")
  show(false)
  assert.equal(FakeWS.all.length, 2, "no reconnect at once when shown")
  FakeWS.all[1].open()
  sleep(100)
  assert.equal(FakeWS.all[1].last()[3], "heartbeat")
  s.disconnect()
})
