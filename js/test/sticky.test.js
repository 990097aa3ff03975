// What client commands change stays across patches unless the server moves that
// attribute itself: sticky.js with stand-in elements (only attributes are used).

import {test} from "node:test"
import assert from "node:assert/strict"
import {own, sticky} from "../src/sticky.js"

/** An element with attributes, in the page. */
function el(attrs) {
  let a = {...attrs}
  return {
    isConnected: true,
    getAttribute: n => n in a ? a[n] : null,
    setAttribute: (n, v) => { a[n] = String(v) },
    removeAttribute: n => { delete a[n] },
  }
}
const root = {contains: () => true}

/** Applies a patch: each op [name, value] sets (or, with null, removes) an attribute of e. */
function patch(e, ...ops) {
  let kept = sticky(root)
  for (let [name, value] of ops) {
    value == null ? e.removeAttribute(name) : e.setAttribute(name, value)
    kept.touch(e, name)
  }
  kept.done()
}

test("a patch of other attributes leaves what a command changed", () => {
  let e = el({class: "btn", style: "display: none"})
  own(e, "style")
  e.setAttribute("style", "")
  patch(e, ["data-x", "1"])
  assert.equal(e.getAttribute("style"), "")
})

test("the server setting an attribute again, unchanged, keeps the browser's value", () => {
  let e = el({class: "btn", "aria-expanded": "false"})
  own(e, "class")
  e.setAttribute("class", "btn open")
  own(e, "aria-expanded")
  e.setAttribute("aria-expanded", "true")
  // As the diff does when an attribute before them comes: removed, then set again.
  patch(e, ["class", null], ["aria-expanded", null], ["data-x", "1"], ["class", "btn"], ["aria-expanded", "false"])
  assert.equal(e.getAttribute("class"), "btn open")
  assert.equal(e.getAttribute("aria-expanded"), "true")
})

test("the server changing an attribute wins, and what it set then stays its", () => {
  let e = el({class: "btn"})
  own(e, "class")
  e.setAttribute("class", "btn open")
  patch(e, ["class", "btn active"])
  assert.equal(e.getAttribute("class"), "btn active")
  // A command changes it again: the value it keeps is the server's new one.
  own(e, "class")
  e.setAttribute("class", "btn active open")
  patch(e, ["class", "btn active"])
  assert.equal(e.getAttribute("class"), "btn active open")
  patch(e, ["class", "btn"])
  assert.equal(e.getAttribute("class"), "btn")
})

test("an attribute a command removed stays removed while the server keeps it", () => {
  let e = el({hidden: ""})
  own(e, "hidden")
  e.removeAttribute("hidden")
  patch(e, ["hidden", ""])
  assert.equal(e.getAttribute("hidden"), null)
  patch(e, ["hidden", null])
  assert.equal(e.getAttribute("hidden"), null)
})

test("an ignored attribute is always the browser's", () => {
  let e = el({})
  own(e, "open", true)
  e.setAttribute("open", "")
  patch(e, ["open", null])
  assert.equal(e.getAttribute("open"), "")
  e.removeAttribute("open")
  patch(e, ["open", "yes"])
  assert.equal(e.getAttribute("open"), null)
})
