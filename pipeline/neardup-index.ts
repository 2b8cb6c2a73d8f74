import { GrowableArray } from "./growable.js";
import { BANDS, type NearDupFingerprint } from "./neardup.js";
import type { ScratchDirectory, SpillFile } from "./spill.js";

/** Band keys a pair must share to be a candidate (or one deletion-neighbourhood key). */
const MIN_SHARED_BANDS = 2;
/**
 * In a bucket, each member is compared with at most this many members before it: a key
 * shared by thousands of paragraphs (a stock sentence) would otherwise ask for millions
 * of comparisons. Near twins of a common text still meet through its other band keys.
 */
const MAX_BUCKET_NEIGHBOURS = 16;
/**
 * Candidate pairs are gathered per range of this many earlier paragraphs, so that at most
 * BANDS × MAX_BUCKET_NEIGHBOURS × this many pairs (128 MiB) are in memory at once.
 */
const PARAGRAPHS_PER_PARTITION = 1 << 15;

/**
 * A pair [earlier, later] packed into one number, earlier·2^26 + later, so that pairs sort
 * by earlier, then later. Paragraph numbers stay below 2^26 (67 million).
 */
const PAIR_BASE = 2 ** 26;
export const packPair = (first: number, second: number): number => first * PAIR_BASE + second;
// Two functions rather than one returning a tuple: pairs are unpacked by the tens of millions, and tuples are garbage.
export const firstOfPair = (packed: number): number => Math.floor(packed / PAIR_BASE);
export const secondOfPair = (packed: number): number => packed - firstOfPair(packed) * PAIR_BASE;

/**
 * The corpus-wide near-duplicate index. Takes the fingerprints of paragraphs numbered 0, 1,
 * 2… in output order and finds the candidate pairs: paragraphs that share at least
 * MIN_SHARED_BANDS band keys or one deletion-neighbourhood key.
 *
 * It never holds texts, and the band keys (128 bytes a paragraph) wait on disk in
 * the scratch folder, one file per band, until the pairs are asked for; only the deletion
 * keys of short texts stay in memory.
 */
export class NearDupIndex {
  private readonly bandFiles: Array<SpillFile<Uint32Array>>;
  private readonly wordKeys = new GrowableArray((length) => new Uint32Array(length));
  private readonly wordKeyOwners = new GrowableArray((length) => new Uint32Array(length));
  private count = 0;

  constructor(private readonly scratch: ScratchDirectory) {
    this.bandFiles = Array.from({ length: BANDS }, (_, band) => scratch.spillFile(`band-${band}.u32`, (length) => new Uint32Array(length)));
  }

  get paragraphs(): number {
    return this.count;
  }

  /** Paragraphs must be added in output order, numbered 0, 1, 2… */
  add(paragraphNumber: number, fingerprint: NearDupFingerprint): void {
    if (paragraphNumber !== this.paragraphs) throw new Error(`near-dup fingerprints must arrive in order: got ${paragraphNumber}, expected ${this.paragraphs}`);
    if (paragraphNumber >= PAIR_BASE) throw new Error(`more than ${PAIR_BASE} distinct paragraphs: widen PAIR_BASE in neardup-index.ts`);
    fingerprint.bandKeys.forEach((key, band) => this.bandFiles[band]!.push(key));
    for (const key of fingerprint.wordKeys) {
      this.wordKeys.push(key);
      this.wordKeyOwners.push(paragraphNumber);
    }
    this.count++;
  }

  /**
   * The candidate pairs, sorted, each once, in batches by earlier paragraph. Every pair
   * found in a band or deletion bucket is first written to the file of its earlier
   * paragraph's partition, tagged by where it was found (packed·2 + 1 for a deletion key);
   * each partition is then sorted on its own and its pairs counted.
   */
  *candidatePairs(): Generator<Float64Array> {
    const partitions = Array.from(
      { length: Math.max(1, Math.ceil(this.paragraphs / PARAGRAPHS_PER_PARTITION)) },
      (_, partition) => this.scratch.spillFile(`pairs-${partition}.f64`, (length) => new Float64Array(length)),
    );
    const scatter = (fromDeletionKey: 0 | 1) => (earlier: number, later: number) =>
      partitions[Math.floor(earlier / PARAGRAPHS_PER_PARTITION)]!.push(packPair(earlier, later) * 2 + fromDeletionKey);
    const owners = Uint32Array.from({ length: this.paragraphs }, (_, index) => index);
    for (const bandFile of this.bandFiles) {
      collectBucketPairs(bandFile.readAll(), owners, scatter(0));
      bandFile.close();
    }
    collectBucketPairs(this.wordKeys.view(), this.wordKeyOwners.view(), scatter(1));
    for (const partition of partitions) {
      const tagged = partition.readAll().sort();
      partition.close();
      const candidates = new GrowableArray((length) => new Float64Array(length));
      for (let runStart = 0; runStart < tagged.length; ) {
        const pair = Math.floor(tagged[runStart]! / 2);
        let runEnd = runStart;
        let fromDeletionKey = false;
        for (; runEnd < tagged.length && Math.floor(tagged[runEnd]! / 2) === pair; runEnd++) {
          if (tagged[runEnd]! % 2 === 1) fromDeletionKey = true;
        }
        if (fromDeletionKey || runEnd - runStart >= MIN_SHARED_BANDS) candidates.push(pair);
        runStart = runEnd;
      }
      yield candidates.view();
    }
  }
}

/** Sorts (key, owner) by key, stably (a two-pass radix sort), and hands on the pairs within each run of equal keys. */
function collectBucketPairs(keys: Uint32Array, owners: Uint32Array, emit: (earlier: number, later: number) => void): void {
  let order = Uint32Array.from({ length: keys.length }, (_, i) => i);
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65537);
    for (const i of order) counts[((keys[i]! >>> shift) & 0xffff) + 1]!++;
    for (let digit = 1; digit <= 65536; digit++) counts[digit]! += counts[digit - 1]!;
    const next = new Uint32Array(order.length);
    for (const i of order) next[counts[(keys[i]! >>> shift) & 0xffff]!++] = i;
    order = next;
  }
  for (let runStart = 0; runStart < order.length; ) {
    let runEnd = runStart + 1;
    while (runEnd < order.length && keys[order[runEnd]!] === keys[order[runStart]!]) runEnd++;
    for (let later = runStart + 1; later < runEnd; later++) {
      for (let earlier = Math.max(runStart, later - MAX_BUCKET_NEIGHBOURS); earlier < later; earlier++) {
        const ownerA = owners[order[earlier]!]!;
        const ownerB = owners[order[later]!]!;
        if (ownerA !== ownerB) emit(Math.min(ownerA, ownerB), Math.max(ownerA, ownerB));
      }
    }
    runStart = runEnd;
  }
}
