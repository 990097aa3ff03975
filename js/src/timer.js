// Retry timing: a schedule of delays (with jitter) and a timer that walks it.

/**
 * @typedef {(tries: number) => number} Backoff
 * Returns the delay in milliseconds before retry number `tries` (1-based).
 */

/**
 * Builds a backoff from a list of delays; the last one repeats. Each delay is
 * randomised between 50% and 100% of its value so that clients that lost the same
 * server do not all come back in the same millisecond.
 * @param {number[]} steps
 * @param {() => number} [random]
 * @returns {Backoff}
 */
export function backoff(steps, random = Math.random) {
  return tries => {
    let ms = steps[Math.min(tries, steps.length) - 1] ?? steps[0]
    return Math.round(ms * (0.5 + random() / 2))
  }
}

/**
 * Calls `callback` after the delay the backoff gives for the next try; `reset`
 * cancels it and starts over from the first delay.
 */
export class Timer {
  /**
   * @param {() => void} callback
   * @param {Backoff} delay
   */
  constructor(callback, delay) {
    this.callback = callback
    this.delay = delay
    this.tries = 0
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined
  }

  reset() {
    this.tries = 0
    clearTimeout(this.timer)
  }

  schedule() {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.tries++
      this.callback()
    }, this.delay(this.tries + 1))
  }
}
