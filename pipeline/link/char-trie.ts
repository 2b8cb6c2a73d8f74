/**
 * A character trie over UTF-16 code units, built once and then walked from every position of
 * every paragraph, so a step must be cheap: it is a double-array trie, where the child of
 * node n along symbol s is slot base[n] + s if check[that slot] is n, two array reads and
 * no search or hashing. Symbols number the code units the keys use; any other code unit
 * ends a walk at once. Node 0 is the root.
 */
export class CharacterTrie {
  private readonly symbolOf = new Uint16Array(0x10000);
  private readonly base: Int32Array;
  /** The parent of the node in each slot; -1 for a free slot. */
  private readonly check: Int32Array;
  /** The node each key ends at, in the order the keys were given. */
  readonly endNodes: Int32Array;
  /** Every node id is below this: the length for arrays indexed by node. */
  readonly nodeIdLimit: number;

  constructor(keys: readonly string[]) {
    // Symbols number the code units the keys use in code-unit order, so children sorted by code
    // unit are sorted by symbol.
    const used = new Uint8Array(0x10000);
    for (const key of keys) for (let i = 0; i < key.length; i++) used[key.charCodeAt(i)] = 1;
    let symbolCount = 0;
    for (let code = 0; code < 0x10000; code++) if (used[code]) this.symbolOf[code] = ++symbolCount;

    // Built first as a first-child/next-sibling tree from the keys in sorted order: each key
    // shares its prefix with the one before, and children come in symbol order, so no node's
    // children are ever searched. Then laid out breadth first.
    const order = keys.map((_, index) => index).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    const totalLength = keys.reduce((sum, key) => sum + key.length, 1);
    const nodeSymbol = new Int32Array(totalLength);
    const firstChild = new Int32Array(totalLength).fill(-1);
    const lastChild = new Int32Array(totalLength).fill(-1);
    const nextSibling = new Int32Array(totalLength).fill(-1);
    let nodes = 1;
    const path = [0]; // the nodes of the previous key's prefix, root first
    const endNodeOf = new Int32Array(keys.length);
    let previous = "";
    for (const index of order) {
      const key = keys[index]!;
      let shared = 0;
      while (shared < key.length && shared < previous.length && key.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
      path.length = shared + 1;
      for (let i = shared; i < key.length; i++) {
        const parent = path[i]!;
        const child = nodes++;
        nodeSymbol[child] = this.symbolOf[key.charCodeAt(i)]!;
        if (firstChild[parent] === -1) firstChild[parent] = child;
        else nextSibling[lastChild[parent]!] = child;
        lastChild[parent] = child;
        path.push(child);
      }
      endNodeOf[index] = path[key.length]!;
      previous = key;
    }

    let base: Int32Array = new Int32Array(2 * nodes + symbolCount + 1);
    let check: Int32Array = new Int32Array(base.length).fill(-1);
    const slotOf = new Int32Array(nodes);
    check[0] = -2; // the root: taken, and nobody's child
    let highestSlot = 0;
    let highestBase = 0;
    let firstFree = 1;
    const queue = new Int32Array(nodes);
    let queued = 1;
    const symbols: number[] = [];
    for (let next = 0; next < queued; next++) {
      const node = queue[next]!;
      symbols.length = 0;
      for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) symbols.push(nodeSymbol[child]!);
      if (symbols.length === 0) continue;
      // The lowest base at which every child's slot is free, looking only a little below the
      // highest slot taken: free slots further down are left, or building would take quadratic time.
      firstFree = Math.max(firstFree, highestSlot - PLACEMENT_WINDOW);
      // Past the end every slot is free (the arrays grow below), so the scan stops there.
      while (firstFree < check.length && check[firstFree] !== -1) firstFree++;
      const firstSymbol = symbols[0]!;
      const lastSymbol = symbols[symbols.length - 1]!;
      let candidate = Math.max(0, firstFree - firstSymbol);
      for (;; candidate++) {
        if (candidate + lastSymbol >= check.length) {
          [base, check] = [grownInt32(base, candidate + lastSymbol + 1, 0), grownInt32(check, candidate + lastSymbol + 1, -1)];
        }
        if (check[candidate + firstSymbol] !== -1) continue;
        let free = true;
        for (let i = 1; free && i < symbols.length; i++) free = check[candidate + symbols[i]!] === -1;
        if (free) break;
      }
      const slot = slotOf[node]!;
      base[slot] = candidate;
      highestBase = Math.max(highestBase, candidate);
      for (let child = firstChild[node]!; child !== -1; child = nextSibling[child]!) {
        slotOf[child] = candidate + nodeSymbol[child]!;
        check[candidate + nodeSymbol[child]!] = slot;
        highestSlot = Math.max(highestSlot, candidate + nodeSymbol[child]!);
        queue[queued++] = child;
      }
    }
    this.nodeIdLimit = highestSlot + 1;
    this.base = base.slice(0, this.nodeIdLimit);
    // Room for a look-up from any node along any symbol, so that a walk never reads past the end.
    const room = Math.max(this.nodeIdLimit, highestBase + symbolCount + 1);
    this.check = check.length >= room ? check.slice(0, room) : grownInt32(check, room, -1).slice(0, room);
    this.endNodes = Int32Array.from(endNodeOf, (node) => slotOf[node]!);
  }

  /** The child of `node` along code unit `code`, or -1. */
  child(node: number, code: number): number {
    const symbol = this.symbolOf[code]!;
    if (symbol === 0) return -1;
    const slot = this.base[node]! + symbol;
    return this.check[slot] === node ? slot : -1;
  }
}

const PLACEMENT_WINDOW = 256;

function grownInt32(array: Int32Array, atLeast: number, fill: number): Int32Array {
  if (array.length >= atLeast) return array;
  const larger = new Int32Array(Math.max(2 * array.length, atLeast)).fill(fill);
  larger.set(array);
  return larger;
}

/** Which of a set of strings occur in a text: `text.includes(key)` for every key, in one walk of the text. */
export class SubstringFinder {
  private readonly trie: CharacterTrie;
  /** Per trie node: the key that ends there. */
  private readonly keyAt: Array<string | undefined>;

  /** `keys` must not be empty strings. */
  constructor(keys: readonly string[]) {
    this.trie = new CharacterTrie(keys);
    this.keyAt = new Array<string | undefined>(this.trie.nodeIdLimit).fill(undefined);
    keys.forEach((key, keyIndex) => (this.keyAt[this.trie.endNodes[keyIndex]!] = key));
  }

  find(text: string): Set<string> {
    const found = new Set<string>();
    for (let start = 0; start < text.length; start++) {
      let node = 0;
      for (let at = start; at < text.length; at++) {
        node = this.trie.child(node, text.charCodeAt(at));
        if (node < 0) break;
        const key = this.keyAt[node];
        if (key !== undefined) found.add(key);
      }
    }
    return found;
  }
}
