import { GrowableArray } from "../growable.js";
import { PARAGRAPH_ID_HEX_DIGITS } from "../text.js";

/**
 * Exact deduplication across blobs. Occurrences with the same paragraph id (the hash of
 * the normalised text, see text.ts) are one paragraph. Paragraphs are numbered 0, 1, 2…
 * in first-occurrence order, which is the order of the output rows; occurrences must
 * arrive in (source_file, line_start) order.
 *
 * Holds neither texts nor id strings: a paragraph id is 64 bits (16 hex digits), kept as
 * two 32-bit halves, and the index is an open-addressing table of paragraph numbers over
 * them. That is about 20 bytes a paragraph, where a Map of id strings takes about 100.
 */
export class ExactDedup {
  private readonly idHigh = new GrowableArray((length) => new Uint32Array(length));
  private readonly idLow = new GrowableArray((length) => new Uint32Array(length));
  private readonly occurrenceCounts = new GrowableArray((length) => new Int32Array(length));
  /** Paragraph number + 1 per slot; 0 is an empty slot. Kept at most half full. */
  private slots = new Int32Array(1 << 12);

  /** Records one occurrence; `first` says whether it is the paragraph's first (canonical) one. */
  add(paragraphId: string): { paragraphNumber: number; first: boolean } {
    const [high, low] = halvesOf(paragraphId);
    const slot = this.slotOf(high, low);
    const known = this.slots[slot]! - 1;
    if (known >= 0) {
      this.occurrenceCounts.set(known, this.occurrenceCounts.at(known) + 1);
      return { paragraphNumber: known, first: false };
    }
    const paragraphNumber = this.idHigh.length;
    this.idHigh.push(high);
    this.idLow.push(low);
    this.occurrenceCounts.push(1);
    this.slots[slot] = paragraphNumber + 1;
    if (2 * this.idHigh.length > this.slots.length) this.rehash();
    return { paragraphNumber, first: true };
  }

  get paragraphs(): number {
    return this.idHigh.length;
  }

  numberOf(paragraphId: string): number {
    const [high, low] = halvesOf(paragraphId);
    const paragraphNumber = this.slots[this.slotOf(high, low)]! - 1;
    if (paragraphNumber < 0) throw new Error(`paragraph ${paragraphId} was never added`);
    return paragraphNumber;
  }

  idOf(paragraphNumber: number): string {
    return hex8(this.idHigh.at(paragraphNumber)) + hex8(this.idLow.at(paragraphNumber));
  }

  occurrenceCountOf(paragraphNumber: number): number {
    return this.occurrenceCounts.at(paragraphNumber);
  }

  /** The slot holding this id, or the empty slot where it belongs (linear probing; ids are hashes, so their bits are uniform). */
  private slotOf(high: number, low: number): number {
    const mask = this.slots.length - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const paragraphNumber = this.slots[slot]! - 1;
      if (paragraphNumber < 0 || (this.idLow.at(paragraphNumber) === low && this.idHigh.at(paragraphNumber) === high)) return slot;
    }
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let paragraphNumber = 0; paragraphNumber < this.idHigh.length; paragraphNumber++) {
      this.slots[this.slotOf(this.idHigh.at(paragraphNumber), this.idLow.at(paragraphNumber))] = paragraphNumber + 1;
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

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}
