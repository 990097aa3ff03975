// Placeholder until docs/protocol-patch.md lands.

/**
 * @param {Element} root
 * @param {any} patch
 * @param {{changed?: (node: Node) => void}} [opts]
 */
export function applyPatch(root, patch, opts = {}) {
  throw new Error("applyPatch: not implemented")
}
