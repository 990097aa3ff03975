// A small seeded PRNG so randomized tests print a seed that reproduces a failure.

/** @param {number} seed */
export function rng(seed) {
  let s = seed >>> 0
  let next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (/** @type {number} */ n) => Math.floor(next() * n),
    pick: (/** @type {any[]} */ xs) => xs[Math.floor(next() * xs.length)],
  }
}

export function seeds(n) {
  let base = Number(process.env.SEED) || Date.now()
  return Array.from({length: n}, (_, i) => base + i)
}
