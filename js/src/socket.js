// One WebSocket speaking the Phoenix V2 protocol: heartbeats, reconnects with
// backoff, and routing of incoming frames to channels.

import {
  AUTH_TOKEN_PROTOCOL, DEFAULT_TIMEOUT, FALLBACK_MS, EV_ERROR, EV_HEARTBEAT, HEARTBEAT_MS, JOINED, JOINING, PHOENIX_TOPIC,
  RECONNECT_STEPS, REJOIN_STEPS, STABLE_MS, VSN, VSN_PARAM, WS_CLOSE_NORMAL, WS_PATH, WS_PROTOCOL,
} from "./constants.js"
import {Timer, backoff} from "./timer.js"
import {decode, encode} from "./serializer.js"
import {Channel} from "./channel.js"

/** @typedef {import("./serializer.js").Message} Message */
/** @typedef {import("./timer.js").Backoff} Backoff */

/**
 * @typedef {object} SocketOptions
 * @property {Record<string, any> | (() => Record<string, any>)} [params] connect params, sent in the URL
 * @property {string} [authToken] sent in the Sec-WebSocket-Protocol header, as Phoenix does
 * @property {number} [timeout] default push timeout in ms
 * @property {number} [heartbeatIntervalMs]
 * @property {number} [stableMs] how long a connection must have lasted for the reconnect backoff to start over
 * @property {Backoff} [reconnectAfterMs]
 * @property {Backoff} [rejoinAfterMs]
 * @property {(kind: string, msg: string, data?: any) => void} [logger]
 * @property {any} [transport] the WebSocket constructor (for tests), or a look-alike such as LongPoll
 * @property {((socket: Socket) => void) | null} [fallback] called when the first connection has not opened
 *   within FALLBACK_MS; it may switch the transport with useTransport
 */

/** @typedef {{id: number, fn: Function}} Callback */

export class Socket {
  /**
   * @param {string} endPoint e.g. "/socket" or "wss://example.com/socket"
   * @param {SocketOptions} [opts]
   */
  constructor(endPoint, opts = {}) {
    this.endPoint = endPoint.endsWith(WS_PATH) ? endPoint : endPoint + WS_PATH
    this.params = opts.params || {}
    this.authToken = opts.authToken
    this.timeout = opts.timeout || DEFAULT_TIMEOUT
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs || HEARTBEAT_MS
    this.stableMs = opts.stableMs || STABLE_MS
    /** When the open connection opened, in ms since the epoch. */
    this.openedAt = Infinity
    this.reconnectAfterMs = opts.reconnectAfterMs || backoff(RECONNECT_STEPS)
    this.rejoinAfterMs = opts.rejoinAfterMs || backoff(REJOIN_STEPS)
    this.logger = opts.logger
    this.transport = opts.transport || WebSocket
    this.fallback = opts.fallback
    /** Set once the fallback is armed. @type {ReturnType<typeof setTimeout> | undefined} */
    this.fallbackTimer = undefined
    /** @type {Channel[]} */
    this.channels = []
    /** @type {(() => void)[]} */
    this.sendBuffer = []
    this.ref = 0
    /** @type {WebSocket | null} */
    this.conn = null
    this.closeWasClean = false
    /** @type {string | null} */
    this.pendingHeartbeatRef = null
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.heartbeatTimer = undefined
    /** @type {Record<string, Callback[]>} */
    this.callbacks = {open: [], close: [], error: [], message: []}
    this.reconnectTimer = new Timer(() => this.teardown(() => this.connect()), this.reconnectAfterMs)
    // A hidden tab neither retries nor sends heartbeats, as a phone would want; shown
    // again, it reconnects at once (its views resume).
    globalThis.document?.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        clearTimeout(this.heartbeatTimer)
        this.reconnectTimer.reset()
      } else if (this.conn) {
        this.scheduleHeartbeat()
      } else if (!this.closeWasClean) {
        this.reconnectTimer.reset()
        this.connect()
      }
    })
  }

  /** @param {string} kind @param {string} msg @param {any} [data] */
  log(kind, msg, data) {
    this.logger && this.logger(kind, msg, data)
  }

  /** The URL connect() opens: the endpoint, made absolute, with the params and vsn. */
  endPointURL() {
    let params = typeof this.params == "function" ? this.params() : this.params
    let q = new URLSearchParams(params)
    q.set(VSN_PARAM, VSN)
    let url = this.endPoint
    if (!/^wss?:/.test(url)) {
      let loc = globalThis.location
      let scheme = loc.protocol == "https:" ? "wss:" : "ws:"
      url = url.startsWith("//") ? scheme + url : `${scheme}//${loc.host}${url}`
    }
    return `${url}?${q}`
  }

  connect() {
    if (this.conn) return
    this.closeWasClean = false
    let protocols = [WS_PROTOCOL]
    if (this.authToken) {
      let token = btoa(this.authToken).replace(/=/g, "").replace(/\+/g, "-").replace(/\//g, "_")
      protocols.push(AUTH_TOKEN_PROTOCOL + token)
    }
    let conn = this.conn = /** @type {WebSocket} */ (new this.transport(this.endPointURL(), protocols))
    conn.onopen = () => this.onConnOpen()
    conn.onerror = e => this.onConnError(e)
    conn.onmessage = e => this.onConnMessage(e.data)
    conn.onclose = e => this.onConnClose(e)
    // Armed once, on the first connect: a fallback cleared by then does nothing.
    this.fallbackTimer ||= setTimeout(() => this.fallback?.(this), FALLBACK_MS)
  }

  /**
   * Connects again over another transport, as Phoenix's longPollFallbackMs does.
   * @param {any} transport a WebSocket look-alike constructor
   */
  useTransport(transport) {
    this.transport = transport
    this.fallback = null
    this.teardown(undefined)
    this.reconnectTimer.reset()
    this.connect()
  }

  /**
   * Closes the connection for good (no reconnect).
   * @param {() => void} [callback]
   * @param {number} [code]
   * @param {string} [reason]
   */
  disconnect(callback, code, reason) {
    this.closeWasClean = true
    this.reconnectTimer.reset()
    this.teardown(callback, code, reason)
  }

  /** @param {(() => void) | undefined} callback @param {number} [code] @param {string} [reason] */
  teardown(callback, code, reason) {
    let conn = this.conn
    clearTimeout(this.heartbeatTimer)
    if (!conn) return callback && callback()
    this.conn = null
    conn.onopen = conn.onerror = conn.onmessage = conn.onclose = null
    conn.close(code || WS_CLOSE_NORMAL, reason || "")
    this.onClosed({code: code || WS_CLOSE_NORMAL, reason})
    callback && callback()
  }

  /** @param {Function} fn */
  onOpen(fn) { return this.addCallback("open", fn) }
  /** @param {Function} fn */
  onClose(fn) { return this.addCallback("close", fn) }
  /** @param {Function} fn */
  onError(fn) { return this.addCallback("error", fn) }
  /** @param {Function} fn */
  onMessage(fn) { return this.addCallback("message", fn) }

  /** @param {string} kind @param {Function} fn */
  addCallback(kind, fn) {
    let id = ++this.ref
    this.callbacks[kind].push({id, fn})
    return id
  }

  /** Removes callbacks registered with onOpen, onClose, onError or onMessage. @param {number[]} ids */
  off(ids) {
    for (let kind in this.callbacks) {
      this.callbacks[kind] = this.callbacks[kind].filter(c => !ids.includes(c.id))
    }
  }

  /** @param {string} kind @param {...any} args */
  fire(kind, ...args) {
    for (let c of this.callbacks[kind].slice()) c.fn(...args)
  }

  isConnected() {
    return !!this.conn && this.conn.readyState == 1
  }

  makeRef() {
    return String(++this.ref)
  }

  /**
   * @param {string} topic
   * @param {Record<string, any> | (() => Record<string, any>)} [params]
   */
  channel(topic, params) {
    let chan = new Channel(topic, params, this)
    this.channels.push(chan)
    return chan
  }

  /** @param {Channel} chan */
  remove(chan) {
    chan.unbindSocket()
    this.channels = this.channels.filter(c => c !== chan)
  }

  /** Leaves any other channel joined on the topic, as the server would close it. @param {string} topic */
  leaveOpenTopic(topic) {
    let dup = this.channels.find(c => c.topic == topic && (c.state == JOINED || c.state == JOINING))
    if (dup) {
      this.log("transport", `leaving duplicate topic "${topic}"`)
      dup.leave()
    }
  }

  /** @param {Message} msg */
  push(msg) {
    let send = () => this.conn && this.conn.send(encode(msg))
    this.log("push", `${msg.topic} ${msg.event} (${msg.join_ref}, ${msg.ref})`, msg.payload)
    this.isConnected() ? send() : this.sendBuffer.push(send)
  }

  onConnOpen() {
    this.log("transport", "connected to " + this.endPoint)
    // The transport works: no fallback for as long as the page lives.
    this.fallback = null
    this.closeWasClean = false
    this.openedAt = Date.now()
    this.pendingHeartbeatRef = null
    this.scheduleHeartbeat()
    let buffered = this.sendBuffer
    this.sendBuffer = []
    buffered.forEach(send => send())
    this.fire("open")
  }

  scheduleHeartbeat() {
    clearTimeout(this.heartbeatTimer)
    if (globalThis.document?.hidden) return
    this.heartbeatTimer = setTimeout(() => this.sendHeartbeat(), this.heartbeatIntervalMs)
  }

  sendHeartbeat() {
    if (!this.isConnected()) return
    if (this.pendingHeartbeatRef) {
      // No reply within an interval: the connection is dead even if the browser has
      // not noticed. Close it and reconnect.
      this.pendingHeartbeatRef = null
      this.log("transport", "heartbeat timeout")
      this.teardown(undefined, WS_CLOSE_NORMAL, "heartbeat timeout")
      return
    }
    this.pendingHeartbeatRef = this.makeRef()
    this.push({join_ref: null, ref: this.pendingHeartbeatRef, topic: PHOENIX_TOPIC, event: EV_HEARTBEAT, payload: {}})
    this.scheduleHeartbeat()
  }

  /** @param {{code: number, reason?: string}} event */
  onConnClose(event) {
    this.conn = null
    this.onClosed(event)
  }

  /** @param {{code: number, reason?: string}} event */
  onClosed(event) {
    this.log("transport", "close", event)
    clearTimeout(this.heartbeatTimer)
    this.pendingHeartbeatRef = null
    this.channelsErrored()
    // Channels rejoin on the next open: what was buffered (their joins) is stale.
    this.sendBuffer = []
    // The backoff starts over only after a connection that lasted: a server that
    // accepts and closes at once is retried ever more slowly.
    if (Date.now() - this.openedAt >= this.stableMs) this.reconnectTimer.reset()
    this.openedAt = Infinity
    if (!this.closeWasClean && !globalThis.document?.hidden) this.reconnectTimer.schedule()
    this.fire("close", event)
  }

  /** @param {any} error */
  onConnError(error) {
    this.log("transport", "error", error)
    this.fire("error", error)
    this.channelsErrored()
  }

  channelsErrored() {
    for (let c of this.channels.slice()) {
      if (c.state == JOINED || c.state == JOINING) c.trigger(EV_ERROR, {reason: "socket"})
    }
  }

  /** @param {string} raw */
  onConnMessage(raw) {
    let msg = decode(raw)
    let {topic, event, payload, ref, join_ref} = msg
    if (ref && ref === this.pendingHeartbeatRef) this.pendingHeartbeatRef = null
    this.log("receive", `${payload && payload.status || ""} ${topic} ${event} ${ref || ""}`, payload)
    for (let c of this.channels.slice()) {
      if (c.isMember(topic, join_ref)) c.trigger(event, payload, ref, join_ref)
    }
    this.fire("message", msg)
  }
}
