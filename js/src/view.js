// A live view: one [data-live-root] element and its lv:<id> channel. It joins
// (and rejoins with form recovery), applies patches, streams and server pushes,
// sends events, and follows live navigation (docs/PROTOCOL.md, "Live views").

import {
  CONNECTED_ATTR, CONNECTED_CLASS, DISCONNECTED_ATTR, ERROR_CLASS, REJOIN_EVENT, REMOUNTED_CLASS, RESUMED_CLASS, EV_DIFF,
  EV_ERROR, EV_EVENT, EV_LIVE_PATCH, EV_LIVE_REDIRECT, EV_REDIRECT, EVENT_PREFIX, HOOK_TYPE, LOADING_CLASS, MOUNTED_ATTR,
  REASON_GONE, REASON_NAVIGATE,
  REASON_RATE_LIMITED, REASON_REDIRECT, REASON_STALE, REASON_UNAUTHORIZED, SESSION_ATTR, TOPIC_PREFIX, URL_ATTR,
  TRIGGER_ACTION_ATTR, COMPONENT_ATTR, TARGET_ATTR, PARENT_ATTR,
} from "./constants.js"
import {patching, run, want} from "./cmds.js"
import {formRecovery, isField, keepIgnored, loading, restoreFocus, rootOf, saveFocus, submitAction, syncField} from "./dom.js"
import {Drafts} from "./drafts.js"
import {Hooks} from "./hooks.js"
import {pageLoading, redirect, reload} from "./pageload.js"
import {applyPatch} from "./patch.js"
import {applyStreams} from "./stream.js"

/** @typedef {import("./channel.js").Channel} Channel */
/** @typedef {import("./live.js").LiveSocket} LiveSocket */
/** @typedef {import("./constants.js").JoinPayload} JoinPayload */
/** @typedef {import("./constants.js").Joined} Joined */
/** @typedef {import("./constants.js").Refusal} Refusal */
/** @typedef {import("./constants.js").Reply} Reply */
/** @typedef {import("./constants.js").Redirect} Redirect */
/** @typedef {import("./constants.js").LiveRedirect} LiveRedirect */

/** Live navigations a mount may chain (each refusing with "navigate") before a full load. */
const MAX_REDIRECTS = 5
/** Patches that may fail in a row (each rejoining, with backoff) before a full load. */
const MAX_PATCH_FAILS = 3

/** One live root and its channel. */
export class View {
  /**
   * @param {LiveSocket} live
   * @param {HTMLElement} root
   */
  constructor(live, root) {
    this.live = live
    this.root = root
    this.topic = TOPIC_PREFIX + root.id
    this.session = root.getAttribute(SESSION_ATTR) || ""
    this.hooks = new Hooks(live.hooks, (name, payload) => this.pushEvent(null, HOOK_TYPE, {t: HOOK_TYPE, e: name, v: payload}))
    /** @type {Channel | null} */
    this.channel = null
    this.joins = 0
    this.joinErrors = 0
    this.redirects = 0
    this.wasDisconnected = false
    this.mountId = Math.random().toString(36).slice(2)
    this.drafts = new Drafts(root)
    /** Elements busy with an event in flight. @type {Set<{el: Element, type: string, undo: () => void}>} */
    this.busy = new Set()
    this.patchFails = 0
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.rejoinTimer = undefined
    /** Elements whose live-mounted commands ran. @type {WeakSet<Element>} */
    this.mounted = new WeakSet()
    /** Ends the page-loading wait of the join under way. */
    this.loaded = () => {}
    /** The version of the last render applied; null: the DOM is none the server knows. @type {number | null} */
    this.version = null
    this.seq = 0
    /**
     * Events not yet answered, by sequence number in the order sent: sent again after
     * a resume, so that none is lost or applied twice.
     * @type {Map<number, {send: () => void, fail: () => void, sent?: any}>}
     */
    this.unacked = new Map()
  }

  /**
   * Runs the commands in the attribute attr of the root's elements: of all of them,
   * or of those not yet in seen, which gets them.
   * @param {string} attr
   * @param {WeakSet<Element>} [seen]
   */
  fire(attr, seen) {
    for (let el of this.root.querySelectorAll(`[${attr}]`)) {
      // A nested view's elements are its own.
      if (rootOf(el) == this.root && (!seen || (!seen.has(el) && seen.add(el)))) run(this.live.sink, el, el.getAttribute(attr))
    }
  }

  /**
   * @param {string} [url] the page URL to join with (the current one by default)
   * @param {string} [flash] a flash carried over from a live redirect
   */
  join(url, flash) {
    this.loaded()
    this.loaded = pageLoading("join")
    let chan = this.channel = this.live.socket.channel(this.topic, () => {
      /** @type {JoinPayload} */
      let p = {session: this.session, url: url || this.root.getAttribute(URL_ATTR) || location.href}
      if (this.joins > 0) p.form = formRecovery(this.root)
      if (this.joins > 0 && this.version != null) p.v = this.version
      if (flash) p.flash = flash
      return p
    })
    this.setStatus(LOADING_CLASS)
    chan.on(EV_DIFF, (/** @type {Reply} */ r) => this.applyReply(r, null, this.drafts.answered))
    chan.on(EV_REDIRECT, (/** @type {Redirect} */ r) => redirect(r.to, r.flash))
    chan.on(EV_LIVE_PATCH, (/** @type {LiveRedirect} */ r) => this.history(r.to, r.kind))
    chan.on(EV_LIVE_REDIRECT, (/** @type {LiveRedirect} */ r) => this.top().navigate(r.to, r.kind, undefined, r.flash))
    chan.on(EV_ERROR, () => this.disconnected())
    chan.join()
      .receive("ok", r => {
        flash = undefined // shown once, not again on a rejoin
        this.joined(r)
      })
      .receive("error", r => this.joinFailed(r || {}, url))
      .receive("timeout", () => this.disconnected())
  }

  /** The page's view, whose navigation a nested view's is. @returns {View} */
  top() {
    let p = this.live.views.get(this.root.getAttribute(PARENT_ATTR) || "")
    return p ? p.top() : this
  }

  leave() {
    clearTimeout(this.rejoinTimer)
    if (this.channel) this.channel.leave()
    this.channel = null
    this.version = null
    for (let u of this.unacked.values()) u.fail()
    this.unacked.clear()
  }

  /** Leaves for good: hooks destroyed, listener removed. */
  destroy() {
    this.leave()
    this.hooks.clear()
    this.drafts.destroy()
  }

  /**
   * The DOM is no longer what the server diffs against (a patch failed, a reply
   * was lost): joins again, with form recovery, after a backoff when it keeps
   * happening, and loads the page in full after MAX_PATCH_FAILS.
   */
  rejoin() {
    this.leave()
    let n = ++this.patchFails
    if (n > MAX_PATCH_FAILS) return reload(location.href)
    this.rejoinTimer = setTimeout(() => this.join(), n > 1 ? this.live.socket.rejoinAfterMs(n - 1) : 0)
  }

  disconnected() {
    this.loaded()
    if (this.root.classList.contains(ERROR_CLASS)) return
    this.setStatus(ERROR_CLASS)
    this.wasDisconnected = true
    this.hooks.each("disconnected")
    this.fire(DISCONNECTED_ATTR)
  }

  /** @param {string} cls */
  setStatus(cls) {
    this.root.classList.remove(CONNECTED_CLASS, LOADING_CLASS, ERROR_CLASS)
    this.root.classList.add(cls)
  }

  /**
   * A refused join: the mount sent the browser elsewhere, the session is no good,
   * or something failed (the channel retries with backoff, up to a point).
   * @param {Refusal} r
   * @param {string} [url] the URL this join was for, when it was a live navigation
   */
  joinFailed(r, url) {
    this.disconnected()
    let {reason, to, flash} = r
    let stop = () => { this.leave(); return true }
    if (reason == REASON_REDIRECT && to) return stop() && redirect(to, flash)
    if (reason == REASON_GONE) return stop()
    if (reason == REASON_NAVIGATE) {
      // A mount that navigates on (to), or a navigation the server will not do
      // over the socket (a full page load of its URL).
      // A nested view's mount navigates its page, as its later pushes do.
      if (to && ++this.redirects <= MAX_REDIRECTS) return this.top().navigate(to, "replace", undefined, flash)
      if (to || url) return stop() && redirect(to || url || location.href, flash)
    }
    // A join refused for its rate is retried by the channel, with backoff: a
    // reload would only cost the server more.
    if (reason == REASON_RATE_LIMITED) return
    if (reason == REASON_STALE || reason == REASON_UNAUTHORIZED || ++this.joinErrors >= this.live.maxJoinErrors) {
      stop() && reload(url || location.href)
    }
  }

  /** @param {Joined} r */
  joined(r) {
    let reconnected = this.wasDisconnected
    let rejoin = this.joins > 0
    this.joins++
    this.joinErrors = this.redirects = 0
    this.wasDisconnected = false
    let focus = saveFocus(this.root)
    this.hooks.each("beforeUpdate")
    let kept = rejoin ? keepIgnored(this.root) : null
    let drafts = rejoin ? this.drafts.save() : []
    // The forms that had live-trigger-action before a rejoin (by id, or place),
    // which its render does not submit again.
    let armed = new Set(rejoin ? this.triggers().map(t => t[1]) : [])
    let resumed = r.html == null
    if (resumed) {
      // The server resumed the view: the DOM stays, and takes what it missed.
      for (let m of r.m || []) this.applyReply(m, null, undefined, true)
    } else {
      this.root.innerHTML = r.html || ""
      kept && kept(this.root)
      // What the user typed that no event carried (a chat box with only
      // live-submit) goes back where it was, when the field is still there.
      this.drafts.restore(drafts)
    }
    this.version = r.v
    restoreFocus(this.root, focus)
    if (r.title != null) document.title = r.title
    this.setStatus(CONNECTED_CLASS)
    if (reconnected) {
      this.root.classList.toggle(RESUMED_CLASS, resumed)
      this.root.classList.toggle(REMOUNTED_CLASS, !resumed)
      this.root.dispatchEvent(new CustomEvent(REJOIN_EVENT, {bubbles: true, detail: {resumed}}))
    }
    // Events not answered go again, in order: after a resume all of them (the server
    // applies each once), after a mount only those the old view never got.
    for (let u of this.unacked.values()) resumed || !u.sent ? u.send() : u.fail()
    this.hooks.scan(this.root)
    want(this.root, this.live.sink)
    if (reconnected) this.hooks.each("reconnected")
    this.fire(MOUNTED_ATTR, this.mounted)
    this.fire(CONNECTED_ATTR)
    this.live.nest(this)
    this.loaded()
    // A join's render with live-trigger-action submits the form, as a patch's
    // does (a view adopted after the connection dropped under a submit's reply).
    for (let [f, k] of this.triggers()) armed.has(k) || submitAction(f)
  }

  /**
   * The root's forms with live-trigger-action, each with what identifies it
   * across a join: its id, or its place among the root's forms.
   * @returns {[HTMLFormElement, string | number][]}
   */
  triggers() {
    return [...this.root.querySelectorAll("form")].flatMap((f, i) => f.hasAttribute(TRIGGER_ACTION_ATTR) ? [[f, f.id || i]] : [])
  }

  /**
   * Sends an event; resolves with the reply's `r` once its patch is applied.
   * @param {Element | null} el the element that sent it (null for hooks)
   * @param {string} type
   * @param {Record<string, any>} payload an EventPayload, or a LivePatchPayload (constants.js)
   * @param {string} [event] the channel event: "event", or "live_patch"
   * @returns {Promise<any>}
   */
  pushEvent(el, type, payload, event = EV_EVENT) {
    if (!this.channel) return Promise.reject(new Error("view not joined"))
    if (el && el.id) payload.el = el.id
    let c = el && el.closest(`[${TARGET_ATTR}],[${COMPONENT_ATTR}]`)
    // A component around a nested view is its parent's.
    if (c && this.root.contains(c)) payload.c = c.getAttribute(TARGET_ATTR) ?? c.getAttribute(COMPONENT_ATTR)
    for (let k in payload) if (payload[k] === "" || payload[k] == null) delete payload[k]
    let busy = el && {el, type, undo: loading(el, type)}
    busy && this.busy.add(busy)
    let stop = pageLoading("event")
    let done = () => {
      stop()
      if (!busy) return
      this.busy.delete(busy)
      busy.undo()
    }
    let form = type == "submit" ? el : null
    let seen = this.drafts.inputs
    let q = payload.q = ++this.seq
    return new Promise((resolve, reject) => {
      /** @param {Error | null} e @param {any} [r] */
      let end = (e, r) => {
        if (!this.unacked.delete(q)) return // ended already
        done()
        e ? reject(e) : resolve(r)
      }
      /** @type {{send: () => void, fail: () => void, sent?: any}} */
      let u = {
        // Sent only while joined: queued in the channel, it would overtake the
        // events a resume sends again.
        send: () => {
          let chan = this.channel
          if (!chan || !chan.canPush()) return
          let push = u.sent = chan.push(event, payload, this.live.eventTimeout)
          push
            .receive("ok", r => {
              this.drafts.answer(seen)
              this.applyReply(r, form, seen)
              end(null, r.r)
            })
            .receive("error", r => end(new Error(r && r.reason || "error")))
            .receive("timeout", () => {
              // Lost with the connection: the rejoin sends it again.
              if (u.sent != push || !chan.canPush()) return
              // A reply may still come, too late: its patch would be lost. Start over.
              this.rejoin()
              end(new Error("timeout"))
            })
        },
        fail: () => end(new Error("view remounted")),
      }
      this.unacked.set(q, u)
      u.send()
    })
  }

  /**
   * Applies a patch and what travels with it.
   * @param {Reply} r
   * @param {Element | null} [resetForm] a submitted form: its fields, focused or not, follow the server
   * @param {number} [seen] the last input the server had seen when it rendered this
   * @param {boolean} [joining] part of a join's reply, which submits live-trigger-action forms itself
   */
  applyReply(r, resetForm, seen = this.drafts.inputs, joining) {
    let fresh = (/** @type {Element} */ el) => this.drafts.fresh(el, seen)
    let armed = new Set(this.triggers().map(t => t[0]))
    // A render with more than a hook's reply is a version of the view: a resume names
    // the last applied.
    if (this.version != null && (r.d || r.s || r.ev || r.x || r.title != null)) this.version++
    if (r.d != null || r.s != null) this.patch(r.d || [], r.s || [], resetForm, fresh)
    // After a submit, the form shows what the server rendered, even where the
    // patch did not touch it: a chat box the server never gave a value empties.
    if (resetForm instanceof HTMLFormElement) for (let f of resetForm.elements) if (fresh(f)) syncField(f)
    if (r.title != null) document.title = r.title
    for (let [name, payload] of r.ev || []) {
      this.hooks.dispatch(name, payload)
      dispatchEvent(new CustomEvent(EVENT_PREFIX + name, {detail: payload}))
    }
    for (let x of r.x || []) run(this.live.sink, this.root, x)
    // A form the server just gave live-trigger-action goes to its action as a
    // plain HTTP form, which can set cookies (a sign-in).
    joining || this.triggers().forEach(([f]) => armed.has(f) || submitAction(f))
  }

  /**
   * Applies a patch, then stream operations, keeping the focused field or
   * contenteditable as the user has it.
   * @param {any[]} d
   * @param {any[][]} streams
   * @param {Element | null | undefined} resetForm
   * @param {(el: Element) => boolean} [fresh] whether a field holds nothing the server has not seen
   */
  patch(d, streams, resetForm, fresh = () => true) {
    let active = document.activeElement
    let focus = isField(active) && resetForm && active.form == resetForm ? null : saveFocus(this.root)
    /** @type {Node[]} */
    let changed = []
    /** @type {Set<Element>} */
    let fields = new Set()
    this.hooks.each("beforeUpdate")
    // The server renders no loading state: undo them while its patch applies.
    for (let b of this.busy) b.undo()
    // What commands changed stays; elements with live-remove go once their commands ran.
    let kept = patching(this.root, this.live.sink)
    try {
      applyPatch(this.root, d, {
        removed: kept.removed,
        changed: (node, attr) => {
          attr && kept.touch(/** @type {Element} */ (node), attr)
          changed.push(node)
          // A field's live value follows the server when the patch changed what
          // holds its value: the value or checked attribute, or a textarea's
          // text. applyPatch does the same for a select's options.
          let el = node instanceof Element ? node : node.parentElement
          if (attr ? /^(value|checked)$/.test(attr) : el && el.tagName == "TEXTAREA") el && !el.closest("select") && fields.add(el)
        },
        keep: el => !!focus && el == active || !fresh(el),
      })
      applyStreams(this.root, streams, box => changed.push(box))
    } catch (e) {
      // The DOM is no longer the tree the server diffs against: start over.
      console.error("templive: patch failed, rejoining", e)
      this.rejoin()
      return
    }
    this.patchFails = 0
    kept.done()
    for (let b of this.busy) b.el.isConnected ? b.undo = loading(b.el, b.type) : this.busy.delete(b)
    for (let el of fields) if (!(focus && el == active) && fresh(el)) syncField(el)
    restoreFocus(this.root, focus)
    this.hooks.each("updated", changed)
    this.hooks.scan(this.root)
    want(this.root, this.live.sink)
    this.fire(MOUNTED_ATTR, this.mounted)
    this.live.nest(this)
  }

  /**
   * A live-patch: same view, new params.
   * @param {string} href
   * @param {"push" | "replace" | null} kind null when the browser already moved (back/forward)
   */
  livePatch(href, kind) {
    this.history(href, kind)
    // A URL of another view: a live navigation (a full load if the server refuses it too).
    this.pushEvent(null, "", {url: href}, EV_LIVE_PATCH).catch(e => e.message == REASON_NAVIGATE && this.navigate(href, "replace"))
  }

  /** @param {string} href @param {"push" | "replace" | null} kind */
  history(href, kind) {
    if (!kind) return
    let state = {live: this.mountId}
    kind == "replace" ? history.replaceState(state, "", href) : history.pushState(state, "", href)
    this.live.href = location.href.split("#")[0]
  }

  /**
   * A live-navigate: rejoins the same topic with another URL.
   * @param {string} href
   * @param {"push" | "replace" | null} kind
   * @param {string} [mountId] the id of the history entry we came back to
   * @param {string} [flash] carried to the next view's join
   */
  navigate(href, kind, mountId, flash) {
    let was = this.mountId
    this.mountId = mountId || Math.random().toString(36).slice(2)
    try {
      // Before leaving: a URL pushState refuses (another origin) is loaded in full.
      this.history(href, kind)
    } catch {
      this.mountId = was
      return redirect(href, flash)
    }
    this.leave()
    this.joins = 0
    this.join(href, flash)
  }
}
