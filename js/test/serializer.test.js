// Our frames against the phoenix client's serializer, both ways.

import {test} from "node:test"
import assert from "node:assert/strict"
import {Serializer} from "phoenix"
import {encode, decode} from "../src/serializer.js"

const messages = [
  {join_ref: "1", ref: "1", topic: "room:lobby", event: "phx_join", payload: {token: "abc"}},
  {join_ref: null, ref: "7", topic: "phoenix", event: "heartbeat", payload: {}},
  {join_ref: "3", ref: null, topic: "lv:x", event: "diff", payload: {d: [1, "a\u2028b"], ev: [["hi", {n: 1}]]}},
  {join_ref: null, ref: null, topic: "room:ü", event: "presence_diff", payload: {joins: {}, leaves: {}}},
  {join_ref: "2", ref: "9", topic: "t", event: "phx_reply", payload: {status: "ok", response: {"": null, "\"q": [true, 1.5]}}},
]

test("encode writes the frames phoenix writes", () => {
  for (let msg of messages) {
    let theirs
    Serializer.encode(msg, s => { theirs = s })
    assert.equal(encode(msg), theirs)
  }
})

test("decode reads what phoenix writes, and phoenix reads what we write", () => {
  for (let msg of messages) {
    let frame
    Serializer.encode(msg, s => { frame = s })
    assert.deepEqual(decode(frame), msg)
    let back
    Serializer.decode(encode(msg), m => { back = m })
    assert.deepEqual(back, msg)
  }
})
