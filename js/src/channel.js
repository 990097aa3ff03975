// Channels and pushes: join with rejoin backoff, replies matched by ref, buffering
// while not joined, and stale join_ref filtering.

import {
  CLOSED, ERRORED, EV_CLOSE, EV_ERROR, EV_JOIN, EV_LEAVE, EV_REPLY, JOINED, JOINING, LEAVING,
} from "./constants.js"
import {Timer} from "./timer.js"

/** @typedef {import("./socket.js").Socket} Socket */
/** @typedef {Record<string, any> | (() => Record<string, any>)} Params */

/** A message sent on a channel, whose reply or timeout runs the callbacks given to receive. */
export class Push {
  /**
   * @param {Channel} channel
   * @param {string} event
   * @param {any} payload a value, or a function computing it at each send
   * @param {number} timeout
   */
  constructor(channel, event, payload, timeout) {
    this.channel = channel
    this.event = event
    this.payload = typeof payload == "function" ? payload : () => payload
    this.timeout = timeout
    /** @type {{status: string, response: any} | null} */
    this.received = null
    /** @type {{status: string, fn: (response: any) => void}[]} */
    this.hooks = []
    /** @type {string | null} */
    this.ref = null
    /** @type {string | null} */
    this.refEvent = null
    /** @type {number | null} */
    this.binding = null
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined
    this.sent = false
  }

  /** @param {number} timeout */
  resend(timeout) {
    this.timeout = timeout
    this.reset()
    this.send()
  }

  send() {
    if (this.received && this.received.status == "timeout") return
    this.startTimeout()
    this.sent = true
    this.channel.socket.push({
      join_ref: this.channel.joinRef(),
      ref: this.ref,
      topic: this.channel.topic,
      event: this.event,
      payload: this.payload(),
    })
  }

  /**
   * Runs fn with the response when the reply (or timeout) has the given status.
   * @param {"ok" | "error" | "timeout" | string} status
   * @param {(response: any) => void} fn
   */
  receive(status, fn) {
    if (this.received && this.received.status == status) fn(this.received.response)
    this.hooks.push({status, fn})
    return this
  }

  reset() {
    this.cancelRefEvent()
    this.ref = this.refEvent = this.received = null
    this.sent = false
  }

  cancelRefEvent() {
    if (this.refEvent && this.binding != null) this.channel.off(this.refEvent, this.binding)
    this.binding = null
  }

  cancelTimeout() {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  startTimeout() {
    this.cancelTimeout()
    this.cancelRefEvent()
    this.ref = this.channel.socket.makeRef()
    this.refEvent = replyEvent(this.ref)
    this.binding = this.channel.on(this.refEvent, reply => {
      this.cancelRefEvent()
      this.cancelTimeout()
      this.received = reply
      for (let h of this.hooks) if (h.status == reply.status) h.fn(reply.response)
    })
    this.timer = setTimeout(() => this.trigger("timeout", {}), this.timeout)
  }

  /** @param {string} status @param {any} response */
  trigger(status, response) {
    if (this.refEvent) this.channel.trigger(this.refEvent, {status, response})
  }
}

/** @param {string} ref */
function replyEvent(ref) {
  return "chan_reply_" + ref
}

/** A topic joined over a Socket. */
export class Channel {
  /**
   * @param {string} topic
   * @param {Params | undefined} params
   * @param {Socket} socket
   */
  constructor(topic, params, socket) {
    this.topic = topic
    this.socket = socket
    this.state = CLOSED
    this.timeout = socket.timeout
    this.joinedOnce = false
    /** @type {{event: string, ref: number, fn: (payload: any, ref?: string | null, joinRef?: string | null) => void}[]} */
    this.bindings = []
    this.bindingRef = 0
    /** @type {Push[]} */
    this.pushBuffer = []
    this.joinPush = new Push(this, EV_JOIN, params || {}, this.timeout)
    this.rejoinTimer = new Timer(() => { if (this.socket.isConnected()) this.rejoin() }, socket.rejoinAfterMs)
    this.socketRefs = [
      socket.onError(() => this.rejoinTimer.reset()),
      socket.onOpen(() => {
        this.rejoinTimer.reset()
        if (this.state == ERRORED) this.rejoin()
      }),
    ]
    this.joinPush.receive("ok", () => {
      this.state = JOINED
      this.rejoinTimer.reset()
      this.pushBuffer.forEach(p => p.send())
      this.pushBuffer = []
    })
    this.joinPush.receive("error", () => {
      this.state = ERRORED
      if (this.socket.isConnected()) this.rejoinTimer.schedule()
    })
    this.joinPush.receive("timeout", () => {
      this.socket.log("channel", `join timeout ${this.topic}`)
      new Push(this, EV_LEAVE, {}, this.timeout).send()
      this.state = ERRORED
      this.joinPush.reset()
      if (this.socket.isConnected()) this.rejoinTimer.schedule()
    })
    this.on(EV_CLOSE, () => {
      this.rejoinTimer.reset()
      this.state = CLOSED
      this.socket.remove(this)
    })
    this.on(EV_ERROR, () => {
      if (this.state == JOINING) this.joinPush.reset()
      this.state = ERRORED
      if (this.socket.isConnected()) this.rejoinTimer.schedule()
    })
    this.on(EV_REPLY, (payload, ref) => { if (ref) this.trigger(replyEvent(ref), payload) })
  }

  /** Joins the topic; call once. @param {number} [timeout] */
  join(timeout = this.timeout) {
    if (this.joinedOnce) throw new Error("join can only be called once per channel")
    this.joinedOnce = true
    this.rejoin(timeout)
    return this.joinPush
  }

  /** @param {number} [timeout] */
  rejoin(timeout = this.timeout) {
    if (this.state == LEAVING) return
    this.socket.leaveOpenTopic(this.topic)
    this.state = JOINING
    this.joinPush.resend(timeout)
  }

  /** The ref of the current join; messages carrying another one are stale. */
  joinRef() {
    return this.joinPush.ref
  }

  /**
   * @param {string} event
   * @param {(payload: any, ref?: string | null, joinRef?: string | null) => void} fn
   * @returns {number} a ref for off
   */
  on(event, fn) {
    let ref = ++this.bindingRef
    this.bindings.push({event, ref, fn})
    return ref
  }

  /** Calls fn when the channel closes (left, or closed by the server). @param {(payload: any) => void} fn */
  onClose(fn) {
    return this.on(EV_CLOSE, fn)
  }

  /** Calls fn when the channel errors (crash, lost connection). @param {(payload: any) => void} fn */
  onError(fn) {
    return this.on(EV_ERROR, fn)
  }

  /** @param {string} event @param {number} [ref] all bindings of the event when omitted */
  off(event, ref) {
    this.bindings = this.bindings.filter(b => !(b.event == event && (ref == null || ref == b.ref)))
  }

  canPush() {
    return this.socket.isConnected() && this.state == JOINED
  }

  /**
   * @param {string} event
   * @param {any} payload
   * @param {number} [timeout]
   */
  push(event, payload, timeout = this.timeout) {
    if (!this.joinedOnce) throw new Error(`push "${event}" to "${this.topic}" before join`)
    let p = new Push(this, event, payload, timeout)
    if (this.canPush()) {
      p.send()
    } else {
      p.startTimeout()
      this.pushBuffer.push(p)
    }
    return p
  }

  /** Leaves the channel; the returned push gets "ok" once left. @param {number} [timeout] */
  leave(timeout = this.timeout) {
    this.rejoinTimer.reset()
    this.joinPush.cancelTimeout()
    this.state = LEAVING
    let onClose = () => this.trigger(EV_CLOSE, "leave")
    let p = new Push(this, EV_LEAVE, {}, timeout)
    p.receive("ok", onClose).receive("timeout", onClose)
    p.send()
    if (!this.canPush()) p.trigger("ok", {})
    return p
  }

  unbindSocket() {
    this.socket.off(this.socketRefs)
  }

  /** @param {string} topic @param {string | null} joinRef */
  isMember(topic, joinRef) {
    if (topic != this.topic) return false
    if (joinRef && joinRef != this.joinRef()) {
      this.socket.log("channel", `dropping stale message for ${topic} (join_ref ${joinRef})`)
      return false
    }
    return true
  }

  /**
   * @param {string} event
   * @param {any} payload
   * @param {string | null} [ref]
   * @param {string | null} [joinRef]
   */
  trigger(event, payload, ref, joinRef) {
    for (let b of this.bindings.slice()) {
      if (b.event == event) b.fn(payload, ref, joinRef || this.joinRef())
    }
  }
}
