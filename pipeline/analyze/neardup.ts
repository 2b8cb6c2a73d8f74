/**
 * Near-duplicates, per paragraph: paragraphs that are the same text with small edits
 * (case, spacing, quotes, punctuation, a typo, a changed word) are near twins.
 *
 * This module holds what is computed for one paragraph (its key, shingles, MinHash
 * signature and fingerprint) and the verification of one pair. Candidates come from
 * MinHash over character shingles with LSH banding (as in NeMo Curator), so the method is
 * blind to language and script; the global phase (engine/near-duplicates.ts) finds them
 * across the corpus, verifies them with `isNearDuplicate` and joins them into clusters.
 *
 * The MinHash signature is fast similarity sketching (Dahlgaard, Knudsen & Thorup 2017): a
 * paragraph's shingles are hashed about three times each on average (about 1000 hashes for
 * a paragraph of 360 characters) instead of once per signature row (128 times each):
 * - a shingle's 32-bit hash is FNV-1a over its code points, the hash verification compares,
 *   so the signature estimates exactly the Jaccard similarity that is then verified;
 * - in round r = 0, 1, 2…, every shingle is thrown into one of the 128 bins by
 *   `mix(shingle ^ seed_r)` (murmur3's finaliser, a bijection of 32-bit integers in which
 *   every input bit flips every output bit with probability about 1/2, after a per-round
 *   seed): the top 7 bits pick the bin, the low 23 bits are the shingle's rank, and its value
 *   is r·2²³ + rank. A bin keeps its smallest value. Rounds go on until every bin holds a
 *   value, since a later round's values are all larger and could change nothing;
 * - for one bin of two texts, the smallest value over their union is equally likely to come
 *   from any shingle of the union (each is hashed alike), and the two texts' values are equal
 *   exactly when it comes from a shared shingle: with probability J, the Jaccard similarity,
 *   as for a MinHash function. Within a round a shingle lands in one bin only, so the
 *   number of equal bands varies less than with independent functions, and a short text
 *   gets fresh randomness in every bin where one-permutation hashing with densification
 *   would copy bins. Measured on edited paragraphs of 30-100 characters at J = 0.70±0.02,
 *   pairs sharing fewer than two bands: 0.26% with 128 independent functions, 0.32% with
 *   densified one-permutation hashing, 0.05% with this.
 * LSH needs no more than that: a collision probability that rises steeply with J. The hash
 * family is not min-wise independent in theory, but no adversary chooses the shingles, and a
 * false or missed collision only adds or drops a candidate, never decides a pair.
 */

/** Characters per shingle. Five keeps unrelated texts of one language apart. */
export const SHINGLE_LENGTH = 5;
export const BANDS = 32;
const ROWS_PER_BAND = 4;
/** Signature rows, each a bin of the sketch: a power of two, so a hash's top bits pick the bin. */
const BINS = BANDS * ROWS_PER_BAND;
/** Verified near twins: Jaccard similarity of shingle sets at least this… */
export const JACCARD_THRESHOLD = 0.7;
/** …or one changed (inserted, deleted, replaced) word, in texts of at least this many words. */
export const MIN_WORDS_FOR_WORD_EDIT = 5;
/**
 * Below this many characters one edit is a different text ("Staffel 1" / "Staffel 2",
 * "Sex and the City" / "Sex and the City 2"): short texts are near twins only when they
 * differ in case, punctuation or spacing alone.
 */
export const MIN_CHARACTERS_FOR_FUZZY_MATCH = 30;
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

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Shingle hashes of the key being shingled, reused so that shingling allocates only its result. */
let shingleScratch = new Uint32Array(4096);

/**
 * FNV-1a over each shingle of a key, in text order, repeats kept, into shingleScratch; a
 * key shorter than a shingle is one shingle. Returns a view that the next call overwrites.
 * One pass over the key: the shingle window is unrolled into four variables holding the
 * code points before the current one (so it is written for SHINGLE_LENGTH = 5), which is
 * about three times faster than decoding the code points first and looping over windows.
 */
function hashShingles(key: string): Uint32Array {
  if (shingleScratch.length < key.length) shingleScratch = new Uint32Array(2 * key.length);
  const hashes = shingleScratch;
  let fourBack = 0;
  let threeBack = 0;
  let twoBack = 0;
  let oneBack = 0;
  let codePoints = 0;
  let count = 0;
  for (let unit = 0; unit < key.length; codePoints++) {
    const codePoint = key.codePointAt(unit)!;
    unit += codePoint > 0xffff ? 2 : 1;
    if (codePoints >= SHINGLE_LENGTH - 1) {
      let hash = Math.imul(FNV_OFFSET_BASIS ^ fourBack, FNV_PRIME);
      hash = Math.imul(hash ^ threeBack, FNV_PRIME);
      hash = Math.imul(hash ^ twoBack, FNV_PRIME);
      hash = Math.imul(hash ^ oneBack, FNV_PRIME);
      hashes[count++] = Math.imul(hash ^ codePoint, FNV_PRIME);
    }
    fourBack = threeBack;
    threeBack = twoBack;
    twoBack = oneBack;
    oneBack = codePoint;
  }
  if (codePoints < SHINGLE_LENGTH) {
    let hash = FNV_OFFSET_BASIS;
    for (const character of key) hash = Math.imul(hash ^ character.codePointAt(0)!, FNV_PRIME);
    hashes[count++] = hash;
  }
  return hashes.subarray(0, count);
}

/** How many code points a text has (what `Array.from(text).length` counts), without building an array. */
function codePointCount(text: string): number {
  let count = 0;
  for (let unit = 0; unit < text.length; count++) unit += text.codePointAt(unit)! > 0xffff ? 2 : 1;
  return count;
}

/** A copy of hashes, sorted, each value once. */
function sortedDistinct(hashes: Uint32Array): Uint32Array {
  const sorted = hashes.slice().sort();
  let unique = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
  return sorted.subarray(0, unique);
}

/**
 * The distinct character shingles of a key, each as a 32-bit hash, sorted: compact, and
 * Jaccard similarity becomes one merge of two sorted arrays.
 */
export function shingleHashes(key: string): Uint32Array {
  return sortedDistinct(hashShingles(key));
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const union = a.length + b.length - shared;
  return union === 0 ? 1 : shared / union;
}

/**
 * Whether at most one word was inserted, deleted or replaced (word-level Levenshtein
 * distance ≤ 1), in linear time: after the longest common prefix and the longest common
 * suffix that does not overlap it, what is left of the longer text must be at most one
 * word. (If two or more words were left, the leftovers differ at their first and at their
 * last word, which one edit cannot both repair.)
 */
function withinOneWordEdit(a: Uint32Array, b: Uint32Array): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  const shorter = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < shorter && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return Math.max(a.length, b.length) - prefix - suffix <= 1;
}

export interface NearDupEvidence {
  jaccard: number;
  wordEditWithinLimit: boolean;
  nearDuplicate: boolean;
}

/**
 * What verification needs of one paragraph, computed once: numbers only, so that the
 * global phase can keep them on disk (in the cache's Parquet entries). Words are compared by their
 * 32-bit hashes; two keys are equal when their lengths and word hashes are.
 */
export interface NearDupFeatures {
  characters: number;
  shingles: Uint32Array;
  words: Uint32Array;
}

export function featuresOf(key: string): NearDupFeatures {
  return { characters: codePointCount(key), shingles: shingleHashes(key), words: wordHashes(key) };
}

function wordHashes(key: string): Uint32Array {
  return Uint32Array.from(key.split(" "), (word) => hashString(word));
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

/** murmur3's finaliser: a bijection of 32-bit integers with full avalanche. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BIN_BITS = Math.log2(BINS);
/** Low hash bits that rank shingles within a round: r·2²³ + rank stays below 2³¹ for all 2·BINS rounds. */
const RANK_BITS = 23;
const RANK_MASK = (1 << RANK_BITS) - 1;
/** Above every value a shingle can give. */
const EMPTY_BIN = 0xffffffff;
const ROUND_SEEDS = Uint32Array.from({ length: 2 * BINS }, (_, round) => mix(0x9e3779b9 + round));
const binScratch = new Uint32Array(BINS);

/**
 * A MinHash signature of BINS values from shingle hashes in any order, repeats allowed, by
 * fast similarity sketching (see the top of this file).
 */
export function minHashSignature(shingles: Uint32Array): Uint32Array {
  const bins = binScratch.fill(EMPTY_BIN);
  let filled = 0;
  for (let round = 0; filled < BINS; round++) {
    const seed = ROUND_SEEDS[round]!;
    const roundStart = round * (RANK_MASK + 1);
    for (let i = 0; i < shingles.length; i++) {
      const hash = mix(shingles[i]! ^ seed);
      const bin = round < BINS ? hash >>> (32 - BIN_BITS) : cyclicBin(shingles[i]!, round - BINS);
      const value = roundStart + (hash & RANK_MASK);
      const current = bins[bin]!;
      if (value < current) {
        if (current === EMPTY_BIN) filled++;
        bins[bin] = value;
      }
    }
  }
  return bins.slice();
}

/**
 * The bin of a shingle in round BINS + step: from there on each shingle walks through all
 * bins (an odd stride from its own start), so every bin is filled by round 2·BINS even for
 * a key of one shingle. Random bins would only fill them with probability approaching 1.
 */
function cyclicBin(shingle: number, step: number): number {
  const hash = mix(shingle);
  return ((hash >>> (32 - BIN_BITS)) + Math.imul(step, hash | 1)) & (BINS - 1);
}

/** FNV-1a over the UTF-16 code units text[from, to), continuing from `hash`: a 32-bit bucket key for a string. */
function hashString(text: string, from = 0, to = text.length, hash = FNV_OFFSET_BASIS): number {
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}

/**
 * What the global clustering needs of one paragraph, computed where the paragraph is
 * (in the per-blob stage): one 32-bit bucket key per LSH band, for short texts the keys of
 * its deletion neighbourhood, and what verification compares. Keys that collide by chance
 * only add candidates, which verification then rejects.
 */
export interface NearDupFingerprint {
  bandKeys: Uint32Array;
  wordKeys: Uint32Array;
  features: NearDupFeatures;
}

export function nearDupFingerprint(normalizedText: string): NearDupFingerprint {
  const key = nearDupKey(normalizedText);
  const shingles = hashShingles(key);
  const features = { characters: codePointCount(key), shingles: sortedDistinct(shingles), words: wordHashes(key) };
  const signature = minHashSignature(shingles);
  const bandKeys = new Uint32Array(BANDS);
  for (let band = 0; band < BANDS; band++) {
    let hash = mix(band + 1);
    for (let row = 0; row < ROWS_PER_BAND; row++) hash = mix(hash ^ signature[band * ROWS_PER_BAND + row]!);
    bandKeys[band] = hash;
  }
  return { bandKeys, wordKeys: deletionNeighbourhoodKeys(key), features };
}

/**
 * For a key of MIN_WORDS_FOR_WORD_EDIT - 1 to MAX_WORDS_FOR_DELETION_KEYS words: hashString
 * of the key and of each text made by leaving one word out (words joined by single
 * spaces). FNV-1a runs left to right, so each of those is hashed from the key itself,
 * continuing the hash of what precedes the left-out word, without building the text.
 */
function deletionNeighbourhoodKeys(key: string): Uint32Array {
  const wordEnds: number[] = [];
  for (let at = key.indexOf(" "); at !== -1; at = key.indexOf(" ", at + 1)) wordEnds.push(at);
  wordEnds.push(key.length);
  if (wordEnds.length < MIN_WORDS_FOR_WORD_EDIT - 1 || wordEnds.length > MAX_WORDS_FOR_DELETION_KEYS) return new Uint32Array(0);
  const keys = new Uint32Array(wordEnds.length + 1);
  keys[0] = hashString(key);
  keys[1] = hashString(key, wordEnds[0]! + 1);
  let hashBefore = FNV_OFFSET_BASIS;
  for (let left = 1; left < wordEnds.length; left++) {
    hashBefore = hashString(key, left === 1 ? 0 : wordEnds[left - 2]!, wordEnds[left - 1]!, hashBefore);
    keys[left + 1] = hashString(key, wordEnds[left]!, key.length, hashBefore);
  }
  return keys;
}
