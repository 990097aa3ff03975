// The committed ES module bundle exposes the public API.

import {test} from "node:test"
import assert from "node:assert/strict"
import * as templive from "../dist/templive.esm.js"

test("the ESM bundle exports the public API", () => {
  for (let name of ["Socket", "Channel", "Push", "Presence", "LiveSocket", "applyPatch"]) {
    assert.equal(typeof templive[name], "function", name)
  }
  assert.equal(typeof templive.Presence.syncState, "function")
  assert.equal(typeof templive.Presence.syncDiff, "function")
  assert.equal(typeof templive.Presence.list, "function")
})
