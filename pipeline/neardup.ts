/**
 * Near-duplicates, per paragraph: paragraphs that are the same text with small edits
 * (case, spacing, quotes, punctuation, a typo, a changed word) are near twins.
 *
 * This module holds what is computed for one paragraph (its key, shingles, MinHash
 * signature and fingerprint) and the verification of one pair. Candidates come from
 * MinHash over character shingles with LSH banding (as in NeMo Curator), so the method is
 * blind to language and script; neardup-index.ts finds them across the corpus and
 * neardup-clusters.ts verifies and joins them.
 */

/** Characters per shingle. Five keeps unrelated texts of one language apart. */
export const SHINGLE_LENGTH = 5;
export const BANDS = 32;
const ROWS_PER_BAND = 4;
const PERMUTATIONS = BANDS * ROWS_PER_BAND;
/** Verified near twins: Jaccard similarity of shingle sets at least this, or one changed word in texts of at least MIN_WORDS_FOR_WORD_EDIT words. */
export const JACCARD_THRESHOLD = 0.7;
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

/** Whether two word sequences differ by at most one inserted, deleted or replaced word: one linear scan. */
function withinOneWordEdit(a: Uint32Array, b: Uint32Array): boolean {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  if (longer.length - shorter.length > 1) return false;
  let prefix = 0;
  while (prefix < shorter.length && shorter[prefix] === longer[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shorter.length - prefix && shorter[shorter.length - 1 - suffix] === longer[longer.length - 1 - suffix]) suffix++;
  // What is left unmatched between the common prefix and suffix is the edit.
  return longer.length - prefix - suffix <= 1;
}

export interface NearDupEvidence {
  jaccard: number;
  wordEditWithinLimit: boolean;
  nearDuplicate: boolean;
}

/**
 * What verification needs of one paragraph, computed once: numbers only, so that the
 * global phase can keep them on disk (neardup-features.ts). Words are compared by their
 * 32-bit hashes; two keys are equal when their lengths and word hashes are.
 */
export interface NearDupFeatures {
  characters: number;
  shingles: Uint32Array;
  words: Uint32Array;
}

export function featuresOf(key: string): NearDupFeatures {
  return { characters: Array.from(key).length, shingles: shingleHashes(key), words: Uint32Array.from(key.split(" "), hashString) };
}

function sameKey(a: NearDupFeatures, b: NearDupFeatures): boolean {
  return a.characters === b.characters && a.words.length === b.words.length && a.words.every((word, i) => word === b.words[i]);
}

/** The verification of one candidate pair of near-duplicate keys, with its evidence (for lineage). */
export function compareNearDup(keyA: string, keyB: string): NearDupEvidence {
  return verify(featuresOf(keyA), featuresOf(keyB));
}

/** The verification of a pair with its evidence (for lineage). */
export function verify(a: NearDupFeatures, b: NearDupFeatures): NearDupEvidence {
  return { jaccard: jaccard(a.shingles, b.shingles), wordEditWithinLimit: wordEditWithinLimit(a, b), nearDuplicate: isNearDuplicate(a, b) };
}

/** The verdict alone, as `verify` gives it, stopping as soon as it is known (most candidate pairs are far from the threshold). */
export function isNearDuplicate(a: NearDupFeatures, b: NearDupFeatures): boolean {
  if (sameKey(a, b)) return true;
  if (Math.min(a.characters, b.characters) < MIN_CHARACTERS_FOR_FUZZY_MATCH) return false;
  return wordEditWithinLimit(a, b) || jaccardReaches(a.shingles, b.shingles, JACCARD_THRESHOLD);
}

function wordEditWithinLimit(a: NearDupFeatures, b: NearDupFeatures): boolean {
  return Math.min(a.words.length, b.words.length) >= MIN_WORDS_FOR_WORD_EDIT && withinOneWordEdit(a.words, b.words);
}

/** Whether jaccard(a, b) >= threshold, merging only until the shared count decides it either way. */
function jaccardReaches(a: Uint32Array, b: Uint32Array, threshold: number): boolean {
  const total = a.length + b.length;
  const reaches = (shared: number) => shared / (total - shared) >= threshold;
  // The fewest shared shingles that reach the threshold, by the same floating-point test as jaccard().
  let needed = Math.ceil((threshold * total) / (1 + threshold));
  while (needed > 0 && reaches(needed - 1)) needed--;
  while (!reaches(needed)) needed++;
  let shared = 0;
  for (let i = 0, j = 0; shared < needed; ) {
    if (shared + Math.min(a.length - i, b.length - j) < needed) return false;
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return true;
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
