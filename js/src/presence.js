// Presence state kept in sync from presence_state and presence_diff messages, with
// the merge semantics of the Phoenix client: metas are matched by phx_ref, joins are
// applied before leaves, and a key disappears when its last meta leaves.

import {EV_PRESENCE_DIFF, EV_PRESENCE_STATE} from "./constants.js"

/**
 * @typedef {{phx_ref: string, [k: string]: any}} Meta
 * @typedef {{metas: Meta[], [k: string]: any}} Entry
 * @typedef {Record<string, Entry>} State
 * @typedef {{joins: State, leaves: State}} Diff
 * @typedef {(key: string, current: Entry | undefined, changed: Entry) => void} OnChange
 */

/** @template T @param {T} v @returns {T} */
const clone = v => JSON.parse(JSON.stringify(v))
/** @param {Meta[]} metas */
const refs = metas => metas.map(m => m.phx_ref)
const noop = () => {}

/**
 * Copies own keys into an object without a prototype, so keys such as "__proto__" or
 * "constructor" are plain entries.
 * @param {State} obj
 * @returns {State}
 */
function bare(obj) {
  if (Object.getPrototypeOf(obj) === null) return obj
  let out = Object.create(null)
  for (let k of Object.getOwnPropertyNames(obj)) out[k] = obj[k]
  return out
}

/**
 * Replaces the state with a full presence_state: returns the new state and reports
 * the differences through onJoin and onLeave. Like Phoenix, entries of newState may
 * be reused (and their metas narrowed) in the diff it reports.
 * @param {State} current
 * @param {State} newState
 * @param {OnChange} [onJoin]
 * @param {OnChange} [onLeave]
 * @returns {State}
 */
export function syncState(current, newState, onJoin, onLeave) {
  let state = bare(clone(current))
  newState = bare(newState)
  /** @type {State} */
  let joins = Object.create(null)
  /** @type {State} */
  let leaves = Object.create(null)
  for (let key of Object.getOwnPropertyNames(state)) {
    if (!newState[key]) leaves[key] = state[key]
  }
  for (let key of Object.getOwnPropertyNames(newState)) {
    let next = newState[key]
    let cur = state[key]
    if (!cur) {
      joins[key] = next
      continue
    }
    let nextRefs = refs(next.metas)
    let curRefs = refs(cur.metas)
    let joined = next.metas.filter(m => !curRefs.includes(m.phx_ref))
    let left = cur.metas.filter(m => !nextRefs.includes(m.phx_ref))
    if (joined.length) {
      next.metas = joined
      joins[key] = next
    }
    if (left.length) {
      leaves[key] = clone(cur)
      leaves[key].metas = left
    }
  }
  return syncDiff(state, {joins, leaves}, onJoin, onLeave)
}

/**
 * Applies a presence_diff to the state (modifying it) and returns it.
 * @param {State} state
 * @param {Diff} diff
 * @param {OnChange} [onJoin]
 * @param {OnChange} [onLeave]
 * @returns {State}
 */
export function syncDiff(state, diff, onJoin = noop, onLeave = noop) {
  state = bare(state)
  let {joins, leaves} = clone(diff)
  for (let key of Object.getOwnPropertyNames(joins)) {
    let joined = joins[key]
    let cur = state[key]
    let next = state[key] = clone(joined)
    if (cur) {
      let joinedRefs = refs(next.metas)
      next.metas.unshift(...cur.metas.filter(m => !joinedRefs.includes(m.phx_ref)))
    }
    onJoin(key, cur, joined)
  }
  for (let key of Object.getOwnPropertyNames(leaves)) {
    let left = leaves[key]
    let cur = state[key]
    if (!cur) continue
    let gone = refs(left.metas)
    cur.metas = cur.metas.filter(m => !gone.includes(m.phx_ref))
    onLeave(key, cur, left)
    if (!cur.metas.length) delete state[key]
  }
  return state
}

/**
 * Maps every entry of the state through chooser (by default the entry itself).
 * @template [T=Entry]
 * @param {State} state
 * @param {(key: string, entry: Entry) => T} [chooser]
 * @returns {T[]}
 */
export function list(state, chooser) {
  let choose = chooser || ((_, e) => /** @type {T} */ (/** @type {unknown} */ (e)))
  return Object.getOwnPropertyNames(state).map(k => choose(k, state[k]))
}

/** Tracks the presence of a channel's topic. */
export class Presence {
  /**
   * @param {import("./channel.js").Channel} channel
   * @param {{events?: {state: string, diff: string}}} [opts]
   */
  constructor(channel, opts = {}) {
    let events = opts.events || {state: EV_PRESENCE_STATE, diff: EV_PRESENCE_DIFF}
    /** @type {State} */
    this.state = Object.create(null)
    /** @type {Diff[]} */
    this.pendingDiffs = []
    this.channel = channel
    /** @type {string | null} */
    this.joinRef = null
    /** @type {OnChange} */
    this.joinCb = noop
    /** @type {OnChange} */
    this.leaveCb = noop
    /** @type {() => void} */
    this.syncCb = noop
    channel.on(events.state, s => {
      this.joinRef = channel.joinRef()
      this.state = syncState(this.state, s, this.joinCb, this.leaveCb)
      for (let d of this.pendingDiffs) this.state = syncDiff(this.state, d, this.joinCb, this.leaveCb)
      this.pendingDiffs = []
      this.syncCb()
    })
    channel.on(events.diff, d => {
      // Diffs that arrive before the state of the current join are applied after it.
      if (this.inPendingSyncState()) return this.pendingDiffs.push(d)
      this.state = syncDiff(this.state, d, this.joinCb, this.leaveCb)
      this.syncCb()
    })
  }

  /** @param {OnChange} fn */
  onJoin(fn) { this.joinCb = fn }
  /** @param {OnChange} fn */
  onLeave(fn) { this.leaveCb = fn }
  /** @param {() => void} fn */
  onSync(fn) { this.syncCb = fn }

  /** @template [T=Entry] @param {(key: string, entry: Entry) => T} [by] */
  list(by) { return list(this.state, by) }

  inPendingSyncState() {
    return !this.joinRef || this.joinRef !== this.channel.joinRef()
  }

  static syncState = syncState
  static syncDiff = syncDiff
  static list = list
}
