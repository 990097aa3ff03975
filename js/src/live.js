// LiveSocket: finds the live roots of the page, connects once, joins a View per
// root, and routes the document's events (bindings.js) to the views.

import {CSRF_META, CSRF_PARAM, LIVE_PATH, PARENT_ATTR, ROOT_ATTR} from "./constants.js"
import {Socket} from "./socket.js"
import {bind} from "./bindings.js"
import {want} from "./cmds.js"
import {rootOf} from "./dom.js"
import {View} from "./view.js"

/** @typedef {import("./hooks.js").HookDef} HookDef */

/**
 * @typedef {import("./socket.js").SocketOptions & {
 *   hooks?: Record<string, HookDef>,
 *   path?: string,
 *   maxJoinErrors?: number,
 *   eventTimeout?: number,
 * }} LiveOptions
 */

/** Joined views that fail this many joins in a row reload the page. */
const MAX_JOIN_ERRORS = 5
/** How long an event waits for its reply before the view rejoins (ms). */
const EVENT_TIMEOUT = 30000


/** Connects the live views of a page and routes the document's events to them. */
export class LiveSocket {
  /** @param {LiveOptions} [opts] */
  constructor(opts = {}) {
    let w = /** @type {any} */ (globalThis)
    this.hooks = opts.hooks || w.templiveHooks || {}
    this.maxJoinErrors = opts.maxJoinErrors || MAX_JOIN_ERRORS
    this.eventTimeout = opts.eventTimeout || EVENT_TIMEOUT
    // The page URL without its hash: a popstate that changes only the hash is no navigation.
    this.href = ""
    let params = opts.params
    this.socket = new Socket(opts.path || LIVE_PATH, {
      ...opts,
      params: () => {
        let meta = document.querySelector(CSRF_META)
        let p = typeof params == "function" ? params() : params || {}
        return {[CSRF_PARAM]: meta ? meta.getAttribute("content") || "" : "", ...p}
      },
    })
    /** @type {Map<string, View>} */
    this.views = new Map()
    /** @type {(() => void) | null} */
    this.unbind = null
    /** What the bindings and client commands do with events and links. @type {import("./bindings.js").Sink} */
    this.sink = {
      send: (el, type, payload) => {
        // An error reply leaves the view as it is; nobody awaits a binding's event.
        this.viewOf(el)?.pushEvent(el, type, payload).catch(e => this.socket.log("event", e.message))
      },
      go: (el, href, patch) => {
        let view = this.viewOf(el)?.top()
        let u = new URL(href, location.href)
        // A live navigation stays on the site (a javascript: URL would run).
        view && u.origin == location.origin && (patch ? view.livePatch(u.href, "push") : view.navigate(u.href, "push"))
      },
      popState: e => {
        let view = this.views.values().next().value
        let href = location.href.split("#")[0]
        if (href == this.href) return
        this.href = href
        if (!view || !e.state || !e.state.live) return
        e.state.live == view.mountId ? view.livePatch(location.href, null) : view.navigate(location.href, null, e.state.live)
      },
    }
  }

  /** Joins every live root of the document. */
  connect() {
    if (!this.unbind) this.unbind = bind(this.sink)
    // Nested views join after their parent (nest).
    for (let root of document.querySelectorAll(`[${ROOT_ATTR}]:not([${PARENT_ATTR}])`)) {
      if (!this.views.has(root.id)) this.views.set(root.id, new View(this, /** @type {HTMLElement} */ (root)))
    }
    // The first view is the page's main view: the one history entries belong to.
    let main = this.views.values().next().value
    if (main) history.replaceState({...history.state, live: main.mountId}, "")
    this.href = location.href.split("#")[0]
    // The first render's commands are ready by the time the user can click.
    want(document, this.sink)
    this.socket.connect()
    for (let v of this.views.values()) v.join()
  }

  /** Leaves every view and closes the socket. */
  disconnect() {
    for (let v of this.views.values()) v.destroy()
    this.views.clear()
    this.unbind && this.unbind()
    this.unbind = null
    this.socket.disconnect()
  }

  /**
   * After a view joined or was patched: joins the views nested in it (or in the
   * layout, for it) that have no View yet, or a new element, and leaves those
   * whose element is gone.
   * @param {View} parent
   */
  nest(parent) {
    for (let el of document.querySelectorAll(`[${PARENT_ATTR}="${parent.root.id}"]`)) {
      let v = this.views.get(el.id)
      if (v && v.root == el) continue
      v && v.destroy()
      this.views.set(el.id, v = new View(this, /** @type {HTMLElement} */ (el)))
      v.join()
    }
    for (let [id, v] of this.views) if (!v.root.isConnected) v.destroy(), this.views.delete(id)
  }

  /** @param {Element} el */
  viewOf(el) {
    let root = rootOf(el)
    return root ? this.views.get(root.id) : undefined
  }
}
