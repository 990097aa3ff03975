// Client commands (live.JS on the server): a JSON list of [op, args] in a binding
// attribute, run in the browser with no round trip — show, hide, transition,
// classes, attributes, focus — and events pushed to the view (docs/PROTOCOL.md,
// "Client commands"). A module of its own, with sticky.js: the client loads it
// on demand (cmds.js).

import {CLICK_AWAY_ATTR, PUSH_TYPE, REMOVE_ATTR, ROOT_ATTR, TRANSITION_MS} from "./constants.js"
import {liveValues} from "./dom.js"
import {own, sticky} from "./sticky.js"

/** @typedef {import("./constants.js").CommandArgs} Args */
/** @typedef {import("./constants.js").EventPayload} EventPayload */

/**
 * What commands need from the live socket.
 * @typedef {object} Runner
 * @property {(el: Element, type: string, payload: EventPayload) => void} send
 * @property {(el: Element, href: string, patch: boolean) => void} go a live-patch (patch) or a live navigation
 */

/**
 * What one run of a list shares with its commands.
 * @typedef {{sink: Runner, el: Element, type: string, base: EventPayload}} Run
 */

/** The elements PushFocus remembered. @type {HTMLElement[]} */
const focusStack = []

/** Ends the transition running on an element, at once. @type {WeakMap<Element, () => void>} */
const running = new WeakMap()

const FOCUSABLE = "a[href],button,input,select,textarea,[tabindex]"

/** @param {string} [s] */
const words = s => (s || "").split(/\s+/).filter(Boolean)

/** Elements a hide is hiding: its transition runs. @type {WeakSet<Element>} */
const hiding = new WeakSet()

/** Whether the element is shown, and no hide is under way. @param {Element} el */
const shown = el => getComputedStyle(el).display != "none" && !hiding.has(el)

/** @param {Element} el @param {boolean} show */
function display(el, show) {
  let s = /** @type {HTMLElement} */ (el).style
  own(el, "style")
  s.display = show ? "" : "none"
  if (show && getComputedStyle(el).display == "none") s.display = "block"
}

/**
 * Runs a transition [start, active, end, ms] on el: start and active go on, then
 * `before` (which shows the element), then start gives way to end, and after ms
 * active and end go and `after` runs. A transition still running on el ends first.
 * Returns how long it runs.
 * @param {Element} el
 * @param {import("./constants.js").Tr | undefined} tr
 * @param {() => void} [before]
 * @param {() => void} [after]
 */
function transition(el, tr, before, after) {
  running.get(el)?.()
  if (!tr) {
    before?.()
    after?.()
    return 0
  }
  let [start, active, end] = /** @type {string[]} */ (tr.slice(0, 3)).map(words)
  let ms = tr[3] || TRANSITION_MS
  let cl = el.classList
  own(el, "class")
  cl.add(...start, ...active)
  before?.()
  // The browser computes the start state now, so the swap below transitions.
  el.getBoundingClientRect()
  cl.remove(...start)
  cl.add(...end)
  let fin = () => {
    clearTimeout(timer)
    running.delete(el)
    cl.remove(...active, ...end)
    after?.()
  }
  let timer = setTimeout(fin, ms)
  running.set(el, fin)
  return ms
}

/** @param {Element} el @param {Args} a @param {"add" | "remove" | "toggle"} how */
function classes(el, a, how) {
  own(el, "class")
  for (let c of words(a.names)) el.classList[how](c)
}

/** @param {Element} el */
const focusables = el => /** @type {HTMLElement[]} */ ([...el.querySelectorAll(FOCUSABLE)])
  .filter(f => f.tabIndex >= 0 && !(/** @type {any} */ (f).disabled) && !f.closest("[aria-hidden=true]") && f.getClientRects().length)

/**
 * The commands, by op: each runs on one target element with the command's args,
 * and returns the ms its transition runs, if any.
 * @type {Record<string, (t: HTMLElement, a: Args, r: Run) => any>}
 */
const OPS = {
  // A show while a hide's transition runs ends it, and shows the element.
  show: (t, a) => !shown(t) && transition(t, a.tr, () => display(t, true)),
  hide: (t, a) => shown(t) && (hiding.add(t), transition(t, a.tr, undefined, () => (hiding.delete(t), display(t, false)))),
  toggle: (t, a, r) => shown(t) ? OPS.hide(t, {...a, tr: a.out}, r) : OPS.show(t, a, r),
  transition: (t, a) => transition(t, a.tr),
  add_class: (t, a) => classes(t, a, "add"),
  remove_class: (t, a) => classes(t, a, "remove"),
  toggle_class: (t, a) => classes(t, a, "toggle"),
  // Never an event handler attribute, nor an iframe's srcdoc, which would run
  // their value as script.
  set_attr: (t, a) => {
    /^(on|srcdoc$)/i.test(a.name) || (own(t, a.name), t.setAttribute(a.name, a.value))
  },
  remove_attr: (t, a) => {
    own(t, a.name)
    t.removeAttribute(a.name)
  },
  ignore_attrs: (t, a) => a.attrs.forEach(n => own(t, n, true)),
  push: (t, a, r) => r.sink.send(r.el, r.type, {
    ...r.base, t: r.type, e: a.event, v: [r.base.v, a.value].filter(Boolean).join("&"),
  }),
  dispatch: (t, a) => t.dispatchEvent(new CustomEvent(a.event, {bubbles: true, detail: a.detail})),
  exec: (t, a, r) => run(r.sink, t, t.getAttribute(a.name), r.type, r.base),
  focus: t => t.focus(),
  focus_first: t => focusables(t)[0]?.focus(),
  focus_last: t => focusables(t).at(-1)?.focus(),
  push_focus: t => focusStack.push(t),
  pop_focus: () => focusStack.pop()?.focus(),
  navigate: (t, a, r) => r.sink.go(r.el, a.href, false),
  patch: (t, a, r) => r.sink.go(r.el, a.href, true),
  wait: () => {},
}

/**
 * Runs a list of commands for the binding of el. A list that is not one (a
 * hand-written or stale attribute), or names an unknown op, is logged and runs
 * nothing; a command that fails (a selector that is no selector) is logged, and
 * the others run.
 * @param {Runner} sink
 * @param {Element} el the element whose binding runs
 * @param {string | any[] | null} cmds the list, or its JSON
 * @param {string} type the type of the events a push sends: the binding's, or PUSH_TYPE
 * @param {EventPayload} base what a push sends besides its name: the binding's values, key, field
 * @returns {number} how long until the transitions it started end (ms)
 */
export function run(sink, el, cmds, type, base) {
  let fail = (/** @type {any} */ e) => console.error("templive: bad commands", cmds, e)
  let delay = 0
  let end = 0
  /** @type {[string, Args][]} */
  let list
  try {
    list = typeof cmds == "string" ? JSON.parse(cmds) : cmds || []
    if (!list.every(c => Object.hasOwn(OPS, c[0]) && c[1] instanceof Object)) throw list
  } catch (e) {
    fail(e)
    return 0
  }
  /** @type {Run} */
  let r = {sink, el, type, base}
  for (let [op, a] of list) {
    let d = delay += op == "wait" && +a.ms || 0
    let go = () => {
      try {
        let ts = op == "push_focus" && !a.to ? [document.activeElement] : a.to ? [...document.querySelectorAll(a.to)] : [el]
        for (let t of /focus/.test(op) ? ts.slice(0, 1) : ts) {
          end = Math.max(end, d + (+OPS[op](/** @type {HTMLElement} */ (t), a, r) || 0))
        }
      } catch (e) {
        fail(e)
      }
    }
    d ? setTimeout(go, d) : go()
    end = Math.max(end, d)
  }
  return end
}

/**
 * Starts the live-click-away bindings: a click outside a visible element that
 * has one, where the mouse did not go down inside it either (a drag out of it is
 * no click away), runs its commands. Before the click's own binding, which may
 * show what a click away hides: on the window, capturing.
 * @param {Runner} sink
 */
export function attach(sink) {
  /** @type {EventTarget | null} */
  let down = null
  addEventListener("mousedown", e => { down = e.target }, true)
  addEventListener("click", e => {
    let from = down
    down = null
    for (let el of document.querySelectorAll(`[${ROOT_ATTR}] [${CLICK_AWAY_ATTR}]`)) {
      let inside = (/** @type {any} */ n) => n instanceof Node && el.contains(n)
      if (!inside(e.target) && !inside(from) && el.checkVisibility()) {
        run(sink, el, el.getAttribute(CLICK_AWAY_ATTR), "click", {t: "click", v: liveValues(el).toString()})
      }
    }
  }, true)
}

/** Elements patches removed, kept while their live-remove transitions run. @type {Set<Element>} */
const ghosts = new Set()

/**
 * Prepares a patch of root. The last patch's removed elements go for good (this
 * one's paths do not count them). Returns touch, to call with each attribute the
 * patch sets or removes (sticky.js), removed, with each element it removes, and
 * done, once it is applied: what commands changed stays, and a removed element
 * with live-remove comes back until the transitions of its commands end.
 * @param {Element} root
 * @param {Runner} sink
 */
export function patching(root, sink) {
  for (let g of ghosts) root.contains(g) && ghosts.delete(g) && g.remove()
  let kept = sticky(root)
  /** @type {[Element, Node, Node | null][]} */
  let gone = []
  return {
    touch: kept.touch,
    /** @param {Node} n @param {Node} parent @param {Node | null} next */
    removed(n, parent, next) {
      n instanceof Element && n.hasAttribute(REMOVE_ATTR) && gone.push([n, parent, next])
    },
    done() {
      kept.done()
      for (let [n, parent, next] of gone) {
        parent.insertBefore(n, next && next.parentNode == parent ? next : null)
        let ms = run(sink, n, n.getAttribute(REMOVE_ATTR), PUSH_TYPE, {t: PUSH_TYPE, v: liveValues(n).toString()})
        ms ? ghosts.add(n) && setTimeout(() => ghosts.delete(n) && n.remove(), ms) : n.remove()
      }
    },
  }
}
