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
    let symbolCount = 0;
    for (const key of keys) {
      for (let i = 0; i < key.length; i++) {
        const code = key.charCodeAt(i);
        if (this.symbolOf[code] === 0) this.symbolOf[code] = ++symbolCount;
      }
    }
    // Built first as nodes with a Map of children, then laid out breadth first.
    const children: Array<Map<number, number>> = [new Map()];
    const endNodes = keys.map((key) => {
      let node = 0;
      for (let i = 0; i < key.length; i++) {
        const symbol = this.symbolOf[key.charCodeAt(i)]!;
        let child = children[node]!.get(symbol);
        if (child === undefined) {
          child = children.length;
          children.push(new Map());
          children[node]!.set(symbol, child);
        }
        node = child;
      }
      return node;
    });

    let base: Int32Array = new Int32Array(2 * children.length + symbolCount + 1);
    let check: Int32Array = new Int32Array(base.length).fill(-1);
    const slotOf = new Int32Array(children.length);
    check[0] = -2; // the root: taken, and nobody's child
    let highestSlot = 0;
    let highestBase = 0;
    let firstFree = 1;
    const queue = [0];
    for (let next = 0; next < queue.length; next++) {
      const node = queue[next]!;
      const symbols = [...children[node]!.keys()].sort((a, b) => a - b);
      if (symbols.length === 0) continue;
      // The lowest base at which every child's slot is free, looking only a little below the
      // highest slot taken: free slots further down are left, or building would take quadratic time.
      firstFree = Math.max(firstFree, highestSlot - PLACEMENT_WINDOW);
      // Past the end every slot is free (the arrays grow below), so the scan stops there.
      while (firstFree < check.length && check[firstFree] !== -1) firstFree++;
      const [firstSymbol] = symbols as [number];
      let candidate = Math.max(0, firstFree - firstSymbol);
      for (;; candidate++) {
        if (candidate + symbolCount >= check.length) {
          [base, check] = [grownInt32(base, candidate + symbolCount + 1, 0), grownInt32(check, candidate + symbolCount + 1, -1)];
        }
        if (check[candidate + firstSymbol] !== -1) continue;
        let free = true;
        for (const symbol of symbols) free &&= check[candidate + symbol] === -1;
        if (free) break;
      }
      const slot = slotOf[node]!;
      base[slot] = candidate;
      highestBase = Math.max(highestBase, candidate);
      for (const symbol of symbols) {
        const child = children[node]!.get(symbol)!;
        slotOf[child] = candidate + symbol;
        check[candidate + symbol] = slot;
        highestSlot = Math.max(highestSlot, candidate + symbol);
        queue.push(child);
      }
    }
    this.nodeIdLimit = highestSlot + 1;
    this.base = base.slice(0, this.nodeIdLimit);
    // Room for a look-up from any node along any symbol, so that a walk never reads past the end.
    this.check = check.slice(0, Math.max(this.nodeIdLimit, highestBase + symbolCount + 1));
    this.endNodes = Int32Array.from(endNodes, (node) => slotOf[node]!);
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
