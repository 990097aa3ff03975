// Differential test: our presence merge against the official phoenix client's, on
// randomized sequences of presence_state and presence_diff messages.

import {test} from "node:test"
import assert from "node:assert/strict"
import {Presence as Phoenix} from "phoenix"
import {Presence, syncState, syncDiff, list} from "../src/presence.js"
import {rng, seeds} from "./rand.js"

const KEYS = ["alice", "bob", "carol", "__proto__", "constructor", "toString", "42"]

const copy = v => JSON.parse(JSON.stringify(v))
// Own-key order matters to list(), so compare key lists as well as contents.
const snapshot = state => Object.getOwnPropertyNames(state).map(k => [k, copy(state[k])])

function gen(r) {
  let refs = 0
  let meta = () => ({phx_ref: "r" + r.int(12), online_at: ++refs, device: r.pick(["web", "ios", undefined])})
  let entry = () => {
    let metas = Array.from({length: 1 + r.int(3)}, meta)
    let e = {metas}
    if (r.int(4) == 0) e.user = {name: "n" + r.int(5)}
    return e
  }
  let state = () => {
    let s = {}
    for (let k of KEYS) if (r.int(3) == 0) s[k] = entry()
    return JSON.parse(JSON.stringify(s)) // own "__proto__" keys, as from the wire
  }
  return {
    state,
    diff: () => ({joins: state(), leaves: state()}),
  }
}

function recorder() {
  let calls = []
  let cb = kind => (key, cur, changed) => calls.push([kind, key, copy(cur ?? null), copy(changed)])
  return {calls, onJoin: cb("join"), onLeave: cb("leave")}
}

test("syncState and syncDiff match phoenix on random sequences", () => {
  for (let seed of seeds(200)) {
    let r = rng(seed)
    let g = gen(r)
    let ours = {}
    let theirs = {}
    for (let step = 0; step < 20; step++) {
      let isState = r.int(3) == 0
      let msg = isState ? g.state() : g.diff()
      let a = recorder()
      let b = recorder()
      if (isState) {
        ours = syncState(ours, copy(msg), a.onJoin, a.onLeave)
        theirs = Phoenix.syncState(theirs, copy(msg), b.onJoin, b.onLeave)
      } else {
        ours = syncDiff(ours, copy(msg), a.onJoin, a.onLeave)
        theirs = Phoenix.syncDiff(theirs, copy(msg), b.onJoin, b.onLeave)
      }
      let where = `seed ${seed}, step ${step} (${isState ? "state" : "diff"})`
      assert.deepEqual(snapshot(ours), snapshot(theirs), where)
      assert.deepEqual(a.calls, b.calls, where + ": callbacks")
      assert.deepEqual(copy(list(ours, k => k)), copy(Phoenix.list(theirs, k => k)), where + ": list")
    }
  }
})

test("an update leaves the old meta and joins the new one", () => {
  let state = syncState({}, {u1: {metas: [{phx_ref: "1", status: "away"}]}})
  state = syncDiff(state, {
    joins: {u1: {metas: [{phx_ref: "2", phx_ref_prev: "1", status: "online"}]}},
    leaves: {u1: {metas: [{phx_ref: "1", status: "away"}]}},
  })
  assert.deepEqual(copy(state), {u1: {metas: [{phx_ref: "2", phx_ref_prev: "1", status: "online"}]}})
})

// A channel stand-in with the two methods Presence uses.
function fakeChannel() {
  let handlers = {}
  return {
    ref: "1",
    joinRef() { return this.ref },
    on(event, fn) { handlers[event] = fn },
    emit(event, payload) { handlers[event](payload) },
  }
}

test("Presence buffers diffs until the state of the current join", () => {
  let chan = fakeChannel()
  let p = new Presence(chan)
  let syncs = 0
  let joins = []
  p.onSync(() => syncs++)
  p.onJoin(key => joins.push(key))
  chan.emit("presence_diff", {joins: {b: {metas: [{phx_ref: "b1"}]}}, leaves: {}})
  assert.equal(syncs, 0)
  chan.emit("presence_state", {a: {metas: [{phx_ref: "a1"}]}})
  assert.equal(syncs, 1)
  assert.deepEqual(p.list(k => k), ["a", "b"])
  assert.deepEqual(joins, ["a", "b"])
  chan.emit("presence_diff", {joins: {}, leaves: {a: {metas: [{phx_ref: "a1"}]}}})
  assert.deepEqual(p.list(k => k), ["b"])
  // A rejoin: diffs wait again for the new join's state.
  chan.ref = "5"
  chan.emit("presence_diff", {joins: {c: {metas: [{phx_ref: "c1"}]}}, leaves: {}})
  assert.deepEqual(p.list(k => k), ["b"])
  chan.emit("presence_state", {b: {metas: [{phx_ref: "b1"}]}})
  assert.deepEqual(p.list(k => k), ["b", "c"])
  assert.equal(Presence.syncState, syncState)
})
