import { GrowableArray } from "./growable.js";

/**
 * Exact deduplication across blobs. Occurrences with the same paragraph id (the hash of
 * the normalised text, see text.ts) are one paragraph. Paragraphs are numbered 0, 1, 2…
 * in first-occurrence order, which is the order of the output rows; occurrences must
 * arrive in (source_file, line_start) order. Holds ids and counts, never texts.
 */
export class ExactDedup {
  private readonly numberById = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly occurrenceCounts = new GrowableArray((length) => new Int32Array(length));

  /** Records one occurrence; `first` says whether it is the paragraph's first (canonical) one. */
  add(paragraphId: string): { paragraphNumber: number; first: boolean } {
    const known = this.numberById.get(paragraphId);
    if (known !== undefined) {
      this.occurrenceCounts.set(known, this.occurrenceCounts.at(known) + 1);
      return { paragraphNumber: known, first: false };
    }
    const paragraphNumber = this.ids.length;
    this.numberById.set(paragraphId, paragraphNumber);
    this.ids.push(paragraphId);
    this.occurrenceCounts.push(1);
    return { paragraphNumber, first: true };
  }

  get paragraphs(): number {
    return this.ids.length;
  }

  numberOf(paragraphId: string): number {
    const paragraphNumber = this.numberById.get(paragraphId);
    if (paragraphNumber === undefined) throw new Error(`paragraph ${paragraphId} was never added`);
    return paragraphNumber;
  }

  idOf(paragraphNumber: number): string {
    return this.ids[paragraphNumber]!;
  }

  occurrenceCountOf(paragraphNumber: number): number {
    return this.occurrenceCounts.at(paragraphNumber);
  }
}
