// Client commands are code only some pages need: commands.js (with sticky.js) is
// a module of its own, loaded once the page has an element whose binding holds a
// command list, or when commands must run before that (a list the server pushed
// with Socket.Exec). Commands asked for while it loads run, in order, once it has
// (docs/PROTOCOL.md, "Client commands").

import {PREFIX, PUSH_TYPE, WINDOW_PREFIX} from "./constants.js"
import {liveValues} from "./dom.js"

/** @typedef {typeof import("./commands.js")} Module */
/** @typedef {import("./commands.js").Runner} Runner */
/** @typedef {import("./constants.js").EventPayload} EventPayload */

/** The attributes that may hold commands, each when its value is a JSON list. */
const HOLDERS = ["click", "submit", "change", "focus", "blur", "keydown", "keyup", "click-away", "mounted", "remove",
  "connected", "disconnected"].map(t => PREFIX + t).concat(["keydown", "keyup", "focus", "blur"].map(t => WINDOW_PREFIX + t))
  .map(a => `[${a}^="["]`).join()

/** @type {Module | null} */
let mod = null
/** @type {Promise<any> | null} */
let loading = null
/** @type {() => Promise<Module>} */
let loader = () => Promise.reject(new Error("no commands module"))
/** The runs asked for while the module loads. @type {[Runner, Element, string | any[] | null, string, EventPayload][]} */
let waiting = []

/**
 * Where the commands module comes from: a function that imports it (the IIFE
 * bundle), or the module itself (the ES module bundle: its click-away bindings
 * start with the first view that wants it).
 * @param {Module | (() => Promise<Module>)} m
 */
export function provide(m) {
  loader = typeof m == "function" ? m : () => Promise.resolve(m)
}

/**
 * Loads the module, once (again after a failed load), and starts its bindings.
 * @param {Runner} sink
 */
function load(sink) {
  loading ||= loader().then(m => {
    mod = m
    m.attach(sink)
    for (let w of waiting) m.run(...w)
    waiting = []
  }, e => {
    // The runs waiting are dropped; a later one tries again.
    loading = null
    waiting = []
    console.error("templive: commands module", e)
  })
}

/**
 * Loads the module when an element of root holds commands.
 * @param {ParentNode} root
 * @param {Runner} sink
 */
export function want(root, sink) {
  mod || root.querySelector(HOLDERS) && load(sink)
}

/**
 * Runs a list of commands for the binding of el (commands.js, run), or once the
 * module has loaded. Returns how long until the transitions it started end (ms),
 * 0 when it runs later.
 * @param {Runner} sink
 * @param {Element} el
 * @param {string | any[] | null} cmds
 * @param {string} [type]
 * @param {EventPayload} [base]
 */
export function run(sink, el, cmds, type = PUSH_TYPE, base = {t: type, v: liveValues(el).toString()}) {
  if (mod) return mod.run(sink, el, cmds, type, base)
  waiting.push([sink, el, cmds, type, base])
  load(sink)
  return 0
}

/**
 * Prepares a patch of root (commands.js, patching): nothing to do before the
 * module has loaded, since no command ran (an element with live-remove, removed
 * before, goes at once).
 * @param {Element} root
 * @param {Runner} sink
 */
export function patching(root, sink) {
  return mod ? mod.patching(root, sink) : {touch() {}, removed() {}, done() {}}
}
