// Event delegation: one listener per event type on the document (and the window for
// live-window-*), which finds the binding attribute from the event's target, applies
// live-debounce/live-throttle and hands the event to the view of its root, or runs
// the client commands the attribute holds instead of an event name.

import {
  BLUR_ATTR, CHANGE_ATTR, CLICK_ATTR, DEBOUNCE_ATTR, DEBOUNCE_BLUR, FOCUS_ATTR, KEY_ATTR, KEY_VALUE,
  NAVIGATE_ATTR, PATCH_ATTR, PREFIX, ROOT_ATTR, SUBMIT_ATTR, THROTTLE_ATTR, WINDOW_PREFIX,
} from "./constants.js"
import {run} from "./cmds.js"
import {closestWith, isField, liveValues, rootOf, serializeForm, submitted} from "./dom.js"

/**
 * What bindings need from the live socket: sending events, following links, and
 * what client commands need.
 * @typedef {import("./commands.js").Runner & {popState: (e: PopStateEvent) => void}} Sink
 */

/** @type {WeakMap<Element, {timer?: ReturnType<typeof setTimeout>, last?: number, pending?: (() => void) | null}>} */
const limits = new WeakMap()

/**
 * Runs fn now, or later as the element's live-debounce (ms, or "blur") or
 * live-throttle (ms) asks. Pending calls run with the values current when they fire.
 * @param {Element} el
 * @param {() => void} fn
 */
export function limited(el, fn) {
  let debounce = el.getAttribute(DEBOUNCE_ATTR)
  let throttle = el.getAttribute(THROTTLE_ATTR)
  if (debounce == null && throttle == null) return fn()
  let s = limits.get(el) || {}
  limits.set(el, s)
  clearTimeout(s.timer)
  if (debounce == DEBOUNCE_BLUR) {
    s.pending = fn
  } else if (debounce != null) {
    s.pending = fn
    s.timer = setTimeout(() => flush(el), Number(debounce) || 300)
  } else {
    let ms = Number(throttle) || 0
    let since = s.last == null ? ms : Date.now() - s.last
    if (since >= ms) {
      s.pending = null
      s.last = Date.now()
      fn()
    } else {
      // The last call of a burst still goes out, at the end of the interval.
      s.pending = fn
      s.timer = setTimeout(() => flush(el), ms - since)
    }
  }
}

/** Runs the element's pending rate-limited call now. @param {Element} el */
export function flush(el) {
  let s = limits.get(el)
  if (!s || !s.pending) return
  let fn = s.pending
  s.pending = null
  s.last = Date.now()
  clearTimeout(s.timer)
  fn()
}

/** @param {Element} el @param {KeyboardEvent} e */
function keyMatches(el, e) {
  let want = el.getAttribute(KEY_ATTR)
  return !want || (e.key || "").toLowerCase() == want.toLowerCase()
}

/**
 * Installs the listeners; returns a function that removes them.
 * @param {Sink} sink
 */
export function bind(sink) {
  /** @type {[EventTarget, string, (e: any) => void, boolean?][]} */
  let listeners = []
  /** @param {EventTarget} target @param {string} type @param {(e: any) => void} fn @param {boolean} [capture] */
  let on = (target, type, fn, capture) => {
    target.addEventListener(type, fn, capture)
    listeners.push([target, type, fn, capture])
  }
  /**
   * Sends the event named by the element's binding attribute (PREFIX + type unless
   * told), or runs the commands it holds (a JSON list).
   * @param {Element} el @param {string} type @param {{v?: string, k?: string, f?: string}} [extra] @param {string} [attr]
   */
  let send = (el, type, extra, attr = PREFIX + type) => {
    let e = el.getAttribute(attr) || ""
    let p = {t: type, v: liveValues(el).toString(), ...extra}
    e[0] == "[" ? run(sink, el, e, type, p) : sink.send(el, type, {...p, e})
  }

  // live-click-away is the commands module's (commands.js, attach).
  on(document, "click", /** @param {MouseEvent} e */ e => {
    let link = closestWith(e.target, PATCH_ATTR) || closestWith(e.target, NAVIGATE_ATTR)
    // Only same-origin links the browser would open in this tab.
    if (link instanceof HTMLAnchorElement && e.button == 0 && !(e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) &&
      !e.defaultPrevented && !link.target && !link.hasAttribute("download") && link.origin == location.origin) {
      e.preventDefault()
      return sink.go(link, link.href, link.hasAttribute(PATCH_ATTR))
    }
    let el = closestWith(e.target, CLICK_ATTR)
    if (!el) return
    if (el instanceof HTMLAnchorElement) e.preventDefault()
    limited(el, () => send(el, "click"))
  })

  on(document, "submit", /** @param {SubmitEvent} e */ e => {
    let form = e.target
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute(SUBMIT_ATTR) || !rootOf(form)) return
    e.preventDefault()
    // Changes still waiting for their debounce reach the server before the submit.
    for (let f of form.elements) flush(f)
    submitted(form, e.submitter)
    send(form, "submit", {v: serializeForm(form, e.submitter)})
  })

  on(document, "input", e => {
    let field = e.target
    if (!isField(field)) return
    let form = field.form
    let el = field.hasAttribute(CHANGE_ATTR) ? field : form && form.hasAttribute(CHANGE_ATTR) ? form : null
    if (!el || !rootOf(el)) return
    let owner = el
    limited(field, () => {
      // A field's own value, as a form would send it: none for an unchecked box.
      let pairs = field instanceof HTMLSelectElement ? [...field.selectedOptions].map(o => [field.name, o.value])
        : /^(checkbox|radio)$/.test(field.type) && !(/** @type {HTMLInputElement} */ (field).checked) ? [] : [[field.name, field.value]]
      let v = owner == form ? serializeForm(form) : liveValues(owner, new URLSearchParams(pairs)).toString()
      send(owner, "change", {v, f: field.name})
    })
  })

  on(document, "focusin", e => {
    let el = e.target
    if (el instanceof Element && el.hasAttribute(FOCUS_ATTR) && rootOf(el)) limited(el, () => send(el, "focus"))
  })

  on(document, "focusout", e => {
    let el = e.target
    if (!(el instanceof Element)) return
    flush(el)
    if (el.hasAttribute(BLUR_ATTR) && rootOf(el)) send(el, "blur")
  })

  for (let type of ["keydown", "keyup"]) {
    on(document, type, /** @param {KeyboardEvent} e */ e => {
      let el = closestWith(e.target, PREFIX + type)
      // A field's value goes along, as it is when the event is sent: what a
      // live-keyup search box has typed so far.
      if (el && keyMatches(el, e)) {
        limited(el, () => send(el, type, {k: e.key, v: liveValues(el, new URLSearchParams(isField(el) ? [[KEY_VALUE, el.value]] : [])).toString()}))
      }
    })
  }

  for (let type of ["keydown", "keyup", "focus", "blur"]) {
    on(window, type, /** @param {Event} e */ e => {
      if ((type == "focus" || type == "blur") && e.target != window) return
      let attr = WINDOW_PREFIX + type
      for (let el of document.querySelectorAll(`[${ROOT_ATTR}] [${attr}]`)) {
        if (e instanceof KeyboardEvent && !keyMatches(el, e)) continue
        let extra = e instanceof KeyboardEvent ? {k: e.key} : {}
        limited(el, () => send(el, type, extra, attr))
      }
    })
  }

  on(window, "popstate", e => sink.popState(e))

  return () => listeners.forEach(([t, type, fn, c]) => t.removeEventListener(type, fn, c))
}
