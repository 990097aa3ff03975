// live-debounce and live-throttle, with a stand-in element (only getAttribute is used).

import {test} from "node:test"
import assert from "node:assert/strict"
import {setTimeout as sleep} from "node:timers/promises"
import {limited, flush} from "../src/bindings.js"

const el = attrs => ({getAttribute: name => attrs[name] ?? null})

async function until(f) {
  for (let i = 0; i < 500 && !f(); i++) await sleep(5)
  assert.ok(f(), "condition never held")
}

test("no attribute runs at once", () => {
  let calls = 0
  limited(el({}), () => calls++)
  assert.equal(calls, 1)
})

test("debounce in ms runs the last call once, after the quiet period", async () => {
  let e = el({"live-debounce": "20"})
  let got = []
  for (let v of ["a", "ab", "abc"]) limited(e, () => got.push(v))
  assert.deepEqual(got, [])
  await until(() => got.length)
  await sleep(30)
  assert.deepEqual(got, ["abc"])
})

test("debounce blur waits for flush (the blur)", async () => {
  let e = el({"live-debounce": "blur"})
  let got = []
  limited(e, () => got.push(1))
  limited(e, () => got.push(2))
  await sleep(10)
  assert.deepEqual(got, [])
  flush(e)
  flush(e)
  assert.deepEqual(got, [2])
})

test("throttle runs the first call at once and the last of a burst later", async () => {
  let e = el({"live-throttle": "30"})
  let got = []
  limited(e, () => got.push(1))
  limited(e, () => got.push(2))
  limited(e, () => got.push(3))
  assert.deepEqual(got, [1])
  await until(() => got.length == 2)
  assert.deepEqual(got, [1, 3])
})
