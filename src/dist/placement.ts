/**
 * Where a cluster supervisor's child runs: rendezvous (highest random weight) hashing of the
 * child's key over the nodes that run the supervisor. Every node computes the same answer from
 * the same set of nodes, whatever order it lists them in; a node that joins takes only the
 * children it now scores highest for, and a node that leaves gives up only its own.
 * Pure: no process, no I/O.
 */

/**
 * The node that runs the child whose structural key is `key`, among `nodes`: the one with the
 * highest score for it (ties, which need equal 32-bit scores, go to the smaller node name).
 * @returns undefined when `nodes` is empty.
 */
export function ownerOf(key: string, nodes: Iterable<string>): string | undefined {
  const seed = fnv1a(key, FNV_OFFSET);
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = fmix32(fnv1a(node, seed));
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// FNV-1a over the UTF-16 code units, continued from `hash`: the node's name mixed into the key's.
function fnv1a(text: string, hash: number): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  return Math.imul(h ^ 0xff, FNV_PRIME);
}

// MurmurHash3's finalizer: FNV alone leaves nearby inputs with nearby scores, which skews the choice.
function fmix32(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
