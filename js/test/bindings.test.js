// live-debounce and live-throttle, with a stand-in element (only getAttribute is
// used) and mocked timers.

import {test} from "node:test"
import assert from "node:assert/strict"
import {limited, flush} from "../src/bindings.js"

const el = attrs => ({getAttribute: name => attrs[name] ?? null})

function fakeTime(t) {
  t.mock.timers.enable({apis: ["setTimeout", "Date"]})
  return ms => t.mock.timers.tick(ms)
}

test("no attribute runs at once", () => {
  let calls = 0
  limited(el({}), () => calls++)
  assert.equal(calls, 1)
})

test("debounce in ms runs the last call once, after the quiet period", t => {
  let tick = fakeTime(t)
  let e = el({"live-debounce": "20"})
  let got = []
  limited(e, () => got.push("a"))
  tick(15)
  limited(e, () => got.push("ab"))
  tick(15)
  limited(e, () => got.push("abc"))
  tick(19)
  assert.deepEqual(got, [])
  tick(1)
  assert.deepEqual(got, ["abc"])
  tick(100)
  assert.deepEqual(got, ["abc"])
})

test("debounce blur waits for flush (the blur)", t => {
  let tick = fakeTime(t)
  let e = el({"live-debounce": "blur"})
  let got = []
  limited(e, () => got.push(1))
  limited(e, () => got.push(2))
  tick(60000)
  assert.deepEqual(got, [])
  flush(e)
  flush(e)
  assert.deepEqual(got, [2])
})

test("throttle runs the first call at once and the last of a burst later", t => {
  let tick = fakeTime(t)
  let e = el({"live-throttle": "30"})
  let got = []
  limited(e, () => got.push(1))
  limited(e, () => got.push(2))
  tick(10)
  limited(e, () => got.push(3))
  assert.deepEqual(got, [1])
  tick(19)
  assert.deepEqual(got, [1])
  tick(1)
  assert.deepEqual(got, [1, 3])
  tick(30)
  limited(e, () => got.push(4))
  assert.deepEqual(got, [1, 3, 4], "a call after a quiet interval runs at once")
})
