// Client hooks: user callbacks attached to elements with live-hook="Name".

import {HOOK_ATTR} from "./constants.js"
import {rootOf} from "./dom.js"

/**
 * @typedef {object} HookDef the callbacks a user registers under a hook name; `this`
 * is the hook instance.
 * @property {(this: Hook) => void} [mounted]
 * @property {(this: Hook) => void} [beforeUpdate]
 * @property {(this: Hook) => void} [updated]
 * @property {(this: Hook) => void} [destroyed]
 * @property {(this: Hook) => void} [disconnected]
 * @property {(this: Hook) => void} [reconnected]
 */

/**
 * @typedef {HookDef & {
 *   el: HTMLElement,
 *   pushEvent: (name: string, payload?: any) => Promise<any>,
 *   handleEvent: (name: string, fn: (payload: any) => void) => void,
 *   [k: string]: any,
 * }} Hook
 */

/** @typedef {"mounted" | "beforeUpdate" | "updated" | "destroyed" | "disconnected" | "reconnected"} Callback */

/**
 * Runs a user callback: its exception is logged, and never stops a patch or
 * escapes the socket's message handler.
 * @param {() => void} fn
 */
function guard(fn) {
  try {
    fn()
  } catch (e) {
    console.error("templive: hook", e)
  }
}

/** The hooks living in one view's root. */
export class Hooks {
  /**
   * @param {Record<string, HookDef>} defs
   * @param {(name: string, payload: any) => Promise<any>} push sends a "hook" event
   */
  constructor(defs, push) {
    this.defs = defs
    this.push = push
    /** @type {Map<Element, Hook>} */
    this.live = new Map()
    /** @type {Map<string, {hook: Hook, fn: (payload: any) => void}[]>} */
    this.handlers = new Map()
  }

  /**
   * Mounts hooks on new elements of the root and destroys those whose element
   * left. A hook whose element was replaced by one with the same id and hook
   * name (a re-render of that element, or the new content after a rejoin) moves
   * to the new element and gets `updated` instead.
   * @param {Element} root
   */
  scan(root) {
    /** @type {Map<string, [Element, Hook]>} */
    let orphans = new Map()
    for (let [el, hook] of this.live) {
      if (!root.contains(el)) {
        this.live.delete(el)
        orphans.set(el.id + "\0" + el.getAttribute(HOOK_ATTR), [el, hook])
      }
    }
    for (let el of root.querySelectorAll(`[${HOOK_ATTR}]`)) {
      let name = el.getAttribute(HOOK_ATTR) || ""
      let def = this.defs[name]
      // A nested view's elements are its own hooks'.
      if (!def || this.live.has(el) || rootOf(el) != root) continue
      let key = el.id + "\0" + name
      let orphan = el.id ? orphans.get(key) : undefined
      if (orphan) {
        orphans.delete(key)
        orphan[1].el = /** @type {HTMLElement} */ (el)
        this.live.set(el, orphan[1])
        this.call(orphan[1], "updated")
        continue
      }
      /** @type {Hook} */
      let hook = Object.assign(Object.create(def), {
        el,
        pushEvent: (/** @type {string} */ name, /** @type {any} */ payload) => this.push(name, payload),
        handleEvent: (/** @type {string} */ name, /** @type {(p: any) => void} */ fn) => {
          let list = this.handlers.get(name) || []
          list.push({hook, fn})
          this.handlers.set(name, list)
        },
      })
      this.live.set(el, hook)
      this.call(hook, "mounted")
    }
    for (let [el, hook] of orphans.values()) this.destroy(el, hook)
  }

  /** @param {Element} el @param {Hook} hook */
  destroy(el, hook) {
    this.live.delete(el)
    for (let [name, list] of this.handlers) this.handlers.set(name, list.filter(h => h.hook != hook))
    this.call(hook, "destroyed")
  }

  /**
   * Calls a callback on every hook, or on those whose element contains one of `only`.
   * @param {Callback} cb
   * @param {Node[]} [only]
   */
  each(cb, only) {
    for (let [el, hook] of this.live) {
      if (el.isConnected && (!only || only.some(n => el.contains(n)))) this.call(hook, cb)
    }
  }

  /**
   * Delivers a server PushEvent to the handleEvent callbacks of that name.
   * @param {string} name
   * @param {any} payload
   */
  dispatch(name, payload) {
    for (let h of this.handlers.get(name) || []) guard(() => h.fn.call(h.hook, payload))
  }

  /** @param {Hook} hook @param {Callback} cb */
  call(hook, cb) {
    let fn = hook[cb]
    if (typeof fn == "function") guard(() => fn.call(hook))
  }

  /** Destroys every hook (the view left). */
  clear() {
    for (let [el, hook] of this.live) this.destroy(el, hook)
  }
}
