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

export function minHashSignature(shingles: Uint32Array): Uint32Array {
  const signature = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  for (const base of shingles) {
    for (let i = 0; i < PERMUTATIONS; i++) {
      const value = mix(base ^ SEEDS[i]!);
      if (value < signature[i]!) signature[i] = value;
    }
  }
  return signature;
}

export interface NearDupInput {
  paragraphId: string;
  normalizedText: string;
}

/**
 * Cluster ids for paragraphs given in output order: a paragraph without a near twin is
 * its own cluster. Returns, per paragraph, the id of its cluster's first paragraph.
 */
export function clusterNearDuplicates(paragraphs: readonly NearDupInput[]): string[] {
  const features = paragraphs.map((paragraph) => featuresOf(nearDupKey(paragraph.normalizedText)));
  const parent = paragraphs.map((_, index) => index);
  const root = (index: number): number => {
    while (parent[index] !== index) {
      parent[index] = parent[parent[index]!]!;
      index = parent[index]!;
    }
    return index;
  };
  // The earlier paragraph always becomes the root, so a cluster's root is its first member.
  const join = (a: number, b: number) => {
    const [rootA, rootB] = [root(a), root(b)];
    if (rootA !== rootB) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  };

  const buckets = new Map<string, number[]>();
  const addToBucket = (bucketKey: string, index: number) => {
    const members = buckets.get(bucketKey) ?? [];
    if (members[members.length - 1] !== index) members.push(index);
    buckets.set(bucketKey, members);
  };
  features.forEach(({ key, shingles }, index) => {
    const signature = minHashSignature(shingles);
    for (let band = 0; band < BANDS; band++) {
      addToBucket(`band ${band}:${signature.subarray(band * ROWS_PER_BAND, (band + 1) * ROWS_PER_BAND).join(",")}`, index);
    }
    const words = key.split(" ");
    if (words.length >= MIN_WORDS_FOR_WORD_EDIT - 1 && words.length <= MAX_WORDS_FOR_DELETION_KEYS) {
      addToBucket(`words:${key}`, index);
      words.forEach((_, left) => addToBucket(`words:${words.filter((__, i) => i !== left).join(" ")}`, index));
    }
  });

  const compared = new Set<string>();
  for (const members of buckets.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const [a, b] = [members[i]!, members[j]!];
        const pairKey = `${a}:${b}`;
        if (compared.has(pairKey)) continue;
        compared.add(pairKey);
        if (root(a) !== root(b) && verify(features[a]!, features[b]!).nearDuplicate) join(a, b);
      }
    }
  }
  return paragraphs.map((_, index) => paragraphs[root(index)]!.paragraphId);
}
