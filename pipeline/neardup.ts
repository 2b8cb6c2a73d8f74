import { GrowableArray } from "./growable.js";

/**
 * Near-duplicate clustering: paragraphs that are the same text with small edits (case,
 * spacing, quotes, punctuation, a typo, a changed word) share a cluster.
 *
 * Candidates come from MinHash over character shingles with LSH banding (as in NeMo
 * Curator), so the method is blind to language and script. Every candidate pair is then
 * verified exactly, and verified pairs are joined with union-find. A cluster's id is the
 * paragraph_id of its first paragraph in output order, so it is stable across builds.
 */

/** Characters per shingle. Five keeps unrelated texts of one language apart. */
export const SHINGLE_LENGTH = 5;
const BANDS = 32;
const ROWS_PER_BAND = 4;
const PERMUTATIONS = BANDS * ROWS_PER_BAND;
/** Band keys a pair must share to be a candidate; see NearDupCandidates.pairs. */
const MIN_SHARED_BANDS = 2;
/** Verified near twins: Jaccard similarity of shingle sets at least this… */
export const JACCARD_THRESHOLD = 0.7;
/** …or at most this many changed words, in texts of at least MIN_WORDS_FOR_WORD_EDIT words. */
const MAX_CHANGED_WORDS = 1;
const MIN_WORDS_FOR_WORD_EDIT = 5;
/**
 * Below this many characters one edit is a different text ("Staffel 1" / "Staffel 2",
 * "Sex and the City" / "Sex and the City 2"): short texts are near twins only when they
 * differ in case, punctuation or spacing alone.
 */
const MIN_CHARACTERS_FOR_FUZZY_MATCH = 30;
/**
 * Up to this many words, a changed word moves shingle similarity a lot, so candidates are
 * also found by deletion neighbourhoods: the text with each one of its words left out.
 */
const MAX_WORDS_FOR_DELETION_KEYS = 16;

/**
 * The text near-duplicate detection compares: case-folded, Latin/Greek/Cyrillic accents
 * removed, every run of characters that are not letters or digits (punctuation, quote
 * styles, spacing) made one space.
 */
export function nearDupKey(normalizedText: string): string {
  return normalizedText
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036F]+/g, "")
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, " ")
    .trim();
}

/**
 * The distinct character shingles of a key, each as a 32-bit hash, sorted: compact, and
 * Jaccard similarity becomes one merge of two sorted arrays.
 */
export function shingleHashes(key: string): Uint32Array {
  const codePoints: number[] = [];
  for (const character of key) codePoints.push(character.codePointAt(0)!);
  const width = Math.min(SHINGLE_LENGTH, codePoints.length);
  const sorted = new Uint32Array(Math.max(1, codePoints.length - width + 1));
  for (let start = 0; start < sorted.length; start++) {
    let hash = 0x811c9dc5; // FNV-1a over the shingle's code points
    for (let k = start; k < start + width; k++) hash = Math.imul(hash ^ codePoints[k]!, 0x01000193);
    sorted[start] = hash >>> 0;
  }
  sorted.sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
  return sorted.subarray(0, unique);
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - shared;
  return union === 0 ? 1 : shared / union;
}

/** Word-level edit distance, stopping early once it exceeds `limit`. */
function wordEditDistanceAtMost(a: string[], b: string[], limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      current.push(value);
      rowMinimum = Math.min(rowMinimum, value);
    }
    if (rowMinimum > limit) return false;
    previous = current;
  }
  return previous[b.length]! <= limit;
}

export interface NearDupEvidence {
  jaccard: number;
  wordEditWithinLimit: boolean;
  nearDuplicate: boolean;
}

/** What verification needs of one paragraph, computed once. */
interface NearDupFeatures {
  key: string;
  words: string[];
  characters: number;
  shingles: Uint32Array;
}

function featuresOf(key: string): NearDupFeatures {
  return { key, words: key.split(" "), characters: Array.from(key).length, shingles: shingleHashes(key) };
}

/** The verification of one candidate pair of near-duplicate keys, with its evidence (for lineage). */
export function compareNearDup(keyA: string, keyB: string): NearDupEvidence {
  return verify(featuresOf(keyA), featuresOf(keyB));
}

function verify(a: NearDupFeatures, b: NearDupFeatures): NearDupEvidence {
  const similarity = jaccard(a.shingles, b.shingles);
  const wordEditWithinLimit =
    Math.min(a.words.length, b.words.length) >= MIN_WORDS_FOR_WORD_EDIT && wordEditDistanceAtMost(a.words, b.words, MAX_CHANGED_WORDS);
  const longEnough = Math.min(a.characters, b.characters) >= MIN_CHARACTERS_FOR_FUZZY_MATCH;
  return {
    jaccard: similarity,
    wordEditWithinLimit,
    nearDuplicate: a.key === b.key || (longEnough && (similarity >= JACCARD_THRESHOLD || wordEditWithinLimit)),
  };
}

/** A strong 32-bit mixer (murmur3's finaliser) to derive independent hash functions from one hash. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEEDS = Array.from({ length: PERMUTATIONS }, (_, i) => mix(0x9e3779b9 + i));

/**
 * One minimum per hash function. The shingle hash is mixed fully once; each function is
 * then a cheap bijection of it (xor a seed, multiply by an odd constant, fold the high bits
 * down), which is all LSH needs: candidates are verified exactly afterwards.
 */
export function minHashSignature(shingles: Uint32Array): Uint32Array {
  const signature = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  for (const shingle of shingles) {
    const base = mix(shingle);
    for (let i = 0; i < PERMUTATIONS; i++) {
      let value = Math.imul(base ^ SEEDS[i]!, 0x9e3779b1);
      value = (value ^ (value >>> 15)) >>> 0;
      if (value < signature[i]!) signature[i] = value;
    }
  }
  return signature;
}

/** FNV-1a over UTF-16 code units: a 32-bit bucket key for a string. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * What the global clustering needs of one paragraph, computed where the paragraph is
 * (in the per-blob stage): one 32-bit bucket key per LSH band, and for short texts the
 * keys of its deletion neighbourhood. Keys that collide by chance only add candidates,
 * which verification then rejects.
 */
export interface NearDupFingerprint {
  bandKeys: Uint32Array;
  wordKeys: Uint32Array;
}

export function nearDupFingerprint(normalizedText: string): NearDupFingerprint {
  const key = nearDupKey(normalizedText);
  const signature = minHashSignature(shingleHashes(key));
  const bandKeys = new Uint32Array(BANDS);
  for (let band = 0; band < BANDS; band++) {
    let hash = mix(band + 1);
    for (let row = 0; row < ROWS_PER_BAND; row++) hash = mix(hash ^ signature[band * ROWS_PER_BAND + row]!);
    bandKeys[band] = hash;
  }
  const words = key.split(" ");
  const wordKeys: number[] = [];
  if (words.length >= MIN_WORDS_FOR_WORD_EDIT - 1 && words.length <= MAX_WORDS_FOR_DELETION_KEYS) {
    wordKeys.push(hashString(key));
    words.forEach((_, left) => wordKeys.push(hashString(words.filter((__, i) => i !== left).join(" "))));
  }
  return { bandKeys, wordKeys: Uint32Array.from(wordKeys) };
}

/**
 * Collects fingerprints of paragraphs numbered 0, 1, 2… in output order and finds the
 * candidate pairs: paragraphs that share a band key or a deletion-neighbourhood key. Holds
 * only the 32-bit keys (about 130 bytes a paragraph), never the texts.
 */
export class NearDupCandidates {
  private readonly bandKeys = new GrowableArray((length) => new Uint32Array(length));
  private readonly wordKeys = new GrowableArray((length) => new Uint32Array(length));
  private readonly wordKeyOwners = new GrowableArray((length) => new Uint32Array(length));
  private count = 0;

  /** Paragraphs must be added in output order, numbered 0, 1, 2… */
  add(paragraphIndex: number, fingerprint: NearDupFingerprint): void {
    if (paragraphIndex !== this.count) throw new Error(`near-dup fingerprints must arrive in order: got ${paragraphIndex}, expected ${this.count}`);
    this.bandKeys.pushAll(fingerprint.bandKeys);
    for (const key of fingerprint.wordKeys) {
      this.wordKeys.push(key);
      this.wordKeyOwners.push(paragraphIndex);
    }
    this.count++;
  }

  /**
   * Candidate pairs [earlier, later], each once, sorted; packed as earlier·2^26 + later.
   * A pair must share at least MIN_SHARED_BANDS band keys (or one deletion-neighbourhood
   * key): texts that share a sentence or two collide in one band now and then, near twins
   * in many (32·J⁴ on average: 7.7 at the Jaccard threshold).
   */
  pairs(): Float64Array {
    const bandPairs = new GrowableArray((length) => new Float64Array(length));
    const owners = Uint32Array.from({ length: this.count }, (_, index) => index);
    const keys = new Uint32Array(this.count);
    for (let band = 0; band < BANDS; band++) {
      for (let index = 0; index < this.count; index++) keys[index] = this.bandKeys.at(index * BANDS + band);
      collectBucketPairs(keys, owners, bandPairs);
    }
    const candidates = new GrowableArray((length) => new Float64Array(length));
    const sortedBandPairs = bandPairs.view().sort();
    for (let runStart = 0; runStart < sortedBandPairs.length; ) {
      let runEnd = runStart + 1;
      while (runEnd < sortedBandPairs.length && sortedBandPairs[runEnd] === sortedBandPairs[runStart]) runEnd++;
      if (runEnd - runStart >= MIN_SHARED_BANDS) candidates.push(sortedBandPairs[runStart]!);
      runStart = runEnd;
    }
    collectBucketPairs(this.wordKeys.view(), this.wordKeyOwners.view(), candidates);
    const sorted = candidates.view().sort();
    let unique = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
    return sorted.slice(0, unique);
  }
}

const PAIR_BASE = 2 ** 26;
/**
 * In a bucket, each member is compared with at most this many members before it: a key
 * shared by thousands of paragraphs (a stock sentence) would otherwise ask for millions
 * of comparisons. Near twins of a common text still meet through its other band keys.
 */
const MAX_BUCKET_NEIGHBOURS = 16;

export function unpackPair(packed: number): [number, number] {
  const earlier = Math.floor(packed / PAIR_BASE);
  return [earlier, packed - earlier * PAIR_BASE];
}

/** Sorts (key, owner) by key, stably (a two-pass radix sort), and adds the pairs within each run of equal keys. */
function collectBucketPairs(keys: Uint32Array, owners: Uint32Array, pairs: GrowableArray<Float64Array>): void {
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
        const [a, b] = [owners[order[earlier]!]!, owners[order[later]!]!];
        if (a !== b) pairs.push(Math.min(a, b) * PAIR_BASE + Math.max(a, b));
      }
    }
    runStart = runEnd;
  }
}

/**
 * Verifies candidate pairs and joins near twins with union-find. `keyOf` gives the
 * near-dup key of every paragraph named in a pair. Returns, per paragraph, the index of its
 * cluster's first paragraph (the earlier paragraph always becomes the root).
 */
export function clusterCandidates(count: number, pairs: Float64Array, keyOf: (paragraphIndex: number) => string): Int32Array {
  const parent = Int32Array.from({ length: count }, (_, index) => index);
  const root = (index: number): number => {
    while (parent[index] !== index) {
      parent[index] = parent[parent[index]!]!;
      index = parent[index]!;
    }
    return index;
  };
  const features = new Map<number, NearDupFeatures>();
  const featuresOfParagraph = (index: number) => {
    let found = features.get(index);
    if (!found) features.set(index, (found = featuresOf(keyOf(index))));
    return found;
  };
  for (const packed of pairs) {
    const [a, b] = unpackPair(packed);
    const [rootA, rootB] = [root(a), root(b)];
    if (rootA !== rootB && verify(featuresOfParagraph(a), featuresOfParagraph(b)).nearDuplicate) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  }
  for (let index = 0; index < count; index++) parent[index] = root(index);
  return parent;
}

export interface NearDupInput {
  paragraphId: string;
  normalizedText: string;
}

/** Cluster ids for paragraphs held in memory, in output order: the id of each one's cluster's first paragraph. */
export function clusterNearDuplicates(paragraphs: readonly NearDupInput[]): string[] {
  const candidates = new NearDupCandidates();
  paragraphs.forEach((paragraph, index) => candidates.add(index, nearDupFingerprint(paragraph.normalizedText)));
  const roots = clusterCandidates(paragraphs.length, candidates.pairs(), (index) => nearDupKey(paragraphs[index]!.normalizedText));
  return paragraphs.map((_, index) => paragraphs[roots[index]!]!.paragraphId);
}
