import { GrowableArray } from "../growable.js";
import { PARAGRAPH_ID_HEX_DIGITS } from "../text.js";

/**
 * Exact deduplication within one blob: which paragraph ids (hashes of the normalised text,
 * see text.ts) the blob has shown already, so that a paragraph is analysed at its first
 * occurrence only. Across blobs, exact dedup is the global phase's (engine/dedup.ts).
 *
 * Holds neither texts nor id strings, since one blob may hold millions of paragraphs: a
 * paragraph id is 64 bits (16 hex digits), kept as two 32-bit halves, and the set is an
 * open-addressing table of indexes into them. That is about 20 bytes a paragraph, where a
 * Set of id strings takes about 100.
 */
export class SeenParagraphs {
  private readonly idHigh = new GrowableArray((length) => new Uint32Array(length));
  private readonly idLow = new GrowableArray((length) => new Uint32Array(length));
  /** Index + 1 per slot; 0 is an empty slot. Kept at most half full. */
  private slots = new Int32Array(1 << 12);

  /** Records one occurrence of `paragraphId`; true when the blob had not shown it before. */
  add(paragraphId: string): boolean {
    const [high, low] = halvesOf(paragraphId);
    const slot = this.slotOf(high, low);
    if (this.slots[slot]! > 0) return false;
    this.idHigh.push(high);
    this.idLow.push(low);
    this.slots[slot] = this.idHigh.length;
    if (2 * this.idHigh.length > this.slots.length) this.rehash();
    return true;
  }

  get size(): number {
    return this.idHigh.length;
  }

  /** The slot holding this id, or the empty slot where it belongs (linear probing; ids are hashes, so their bits are uniform). */
  private slotOf(high: number, low: number): number {
    const mask = this.slots.length - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const index = this.slots[slot]! - 1;
      if (index < 0 || (this.idLow.at(index) === low && this.idHigh.at(index) === high)) return slot;
    }
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let index = 0; index < this.idHigh.length; index++) {
      this.slots[this.slotOf(this.idHigh.at(index), this.idLow.at(index))] = index + 1;
    }
  }
}

const PARAGRAPH_ID = new RegExp(`^[0-9a-f]{${PARAGRAPH_ID_HEX_DIGITS}}$`);

function halvesOf(paragraphId: string): [high: number, low: number] {
  if (!PARAGRAPH_ID.test(paragraphId)) {
    throw new Error(`paragraph id ${JSON.stringify(paragraphId)} is not ${PARAGRAPH_ID_HEX_DIGITS} lower-case hex digits (see paragraphIdOf in text.ts)`);
  }
  const half = PARAGRAPH_ID_HEX_DIGITS / 2;
  return [parseInt(paragraphId.slice(0, half), 16), parseInt(paragraphId.slice(half), 16)];
}
