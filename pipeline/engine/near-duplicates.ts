import { isNearDuplicate, JACCARD_THRESHOLD, MIN_CHARACTERS_FOR_FUZZY_MATCH, MIN_WORDS_FOR_WORD_EDIT, type NearDupFeatures } from "../neardup.js";
import type { Engine } from "./database.js";

/**
 * Near-duplicate clusters across the corpus, staged as in NeMo Curator's fuzzy dedup:
 * LSH buckets → candidate pairs (SQL) → verification of each pair on its features
 * (pipeline/neardup.ts, in TypeScript on streamed batches) → connected components.
 */

/** Band keys a pair must share to be a candidate (or one deletion-neighbourhood key). */
const MIN_SHARED_BANDS = 2;
/**
 * In a bucket, each member is compared with at most this many members before it: a key
 * shared by thousands of paragraphs (a stock sentence) would otherwise ask for millions
 * of comparisons. Near twins of a common text still meet through its other band keys.
 */
const MAX_BUCKET_NEIGHBOURS = 16;

/**
 * The table `candidate` (a, b), a < b by rank: pairs of canonical paragraphs that share at least
 * MIN_SHARED_BANDS band keys or one deletion-neighbourhood key, each member of a bucket paired
 * with at most the MAX_BUCKET_NEIGHBOURS before it (by rank; a paragraph's deletion keys in the
 * order they were made).
 */
export async function findCandidates(engine: Engine): Promise<number> {
  const neighbours = `range(1, ${MAX_BUCKET_NEIGHBOURS + 1}) step(back)`;
  await engine.run(`
    CREATE TABLE candidate AS
    WITH canonical AS (
      SELECT p.rank, s.band_keys, s.deletion_keys
      FROM paragraph p JOIN shard s ON s.blob = p.blob AND s.ordinal = p.ordinal
    ),
    band_member AS (
      SELECT rank, unnest(range(len(band_keys))) AS band, unnest(band_keys) AS key FROM canonical
    ),
    band_bucket AS (
      SELECT band, key, rank,
             row_number() OVER (PARTITION BY band, key ORDER BY rank) AS position,
             count(*) OVER (PARTITION BY band, key) AS size
      FROM band_member
    ),
    shared_bucket AS (SELECT * FROM band_bucket WHERE size > 1),
    band_pair AS (
      SELECT earlier.rank AS a, later.rank AS b
      FROM shared_bucket later, ${neighbours}
      JOIN shared_bucket earlier ON earlier.band = later.band AND earlier.key = later.key AND earlier.position = later.position - step.back
    ),
    deletion_member AS (
      SELECT rank, unnest(range(len(deletion_keys))) AS made, unnest(deletion_keys) AS key FROM canonical WHERE len(deletion_keys) > 0
    ),
    deletion_bucket AS (
      SELECT key, rank,
             row_number() OVER (PARTITION BY key ORDER BY rank, made) AS position,
             count(*) OVER (PARTITION BY key) AS size
      FROM deletion_member
    ),
    shared_deletion AS (SELECT * FROM deletion_bucket WHERE size > 1),
    deletion_pair AS (
      SELECT least(earlier.rank, later.rank) AS a, greatest(earlier.rank, later.rank) AS b
      FROM shared_deletion later, ${neighbours}
      JOIN shared_deletion earlier ON earlier.key = later.key AND earlier.position = later.position - step.back
      WHERE earlier.rank <> later.rank
    )
    SELECT a, b FROM band_pair GROUP BY a, b HAVING count(*) >= ${MIN_SHARED_BANDS}
    UNION
    SELECT a, b FROM deletion_pair`);
  const [{ pairs }] = (await engine.all<{ pairs: bigint }>("SELECT count(*) AS pairs FROM candidate")) as [{ pairs: bigint }];
  return Number(pairs);
}

/**
 * Verifies every candidate pair and joins the near twins: per paragraph rank, the rank of its
 * cluster's first paragraph (itself when it has no near twin). A pair is sent to verification
 * only when it could pass (see `couldBeNearTwins`); the components do not depend on the order
 * pairs come in, and every cluster is named after its smallest rank.
 */
export async function clusterNearDuplicates(engine: Engine, paragraphs: number): Promise<{ verified: number; roots: Int32Array }> {
  const parent = Int32Array.from({ length: paragraphs }, (_, rank) => rank);
  const find = (rank: number): number => {
    let root = rank;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[rank] !== root) [rank, parent[rank]] = [parent[rank]!, root];
    return root;
  };
  let verified = 0;
  const features = `(SELECT p.rank, s.key_characters AS characters, s.shingles, s.words FROM paragraph p JOIN shard s ON s.blob = p.blob AND s.ordinal = p.ordinal
                     WHERE p.rank IN (SELECT a FROM candidate UNION SELECT b FROM candidate))`;
  const pairs = engine.stream<PairFeatures>(`
    WITH feature AS ${features}
    SELECT c.a, c.b, fa.characters AS a_characters, fa.shingles AS a_shingles, fa.words AS a_words,
           fb.characters AS b_characters, fb.shingles AS b_shingles, fb.words AS b_words
    FROM candidate c JOIN feature fa ON fa.rank = c.a JOIN feature fb ON fb.rank = c.b
    WHERE ${couldBeNearTwins("fa", "fb")}`);
  for await (const batch of pairs) {
    for (const pair of batch) {
      if (!isNearDuplicate(featuresOf(pair.a_characters, pair.a_shingles, pair.a_words), featuresOf(pair.b_characters, pair.b_shingles, pair.b_words))) continue;
      verified++;
      const [rootA, rootB] = [find(pair.a), find(pair.b)];
      if (rootA !== rootB) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
    }
  }
  return { verified, roots: Int32Array.from({ length: paragraphs }, (_, rank) => find(rank)) };
}

interface PairFeatures {
  a: number;
  b: number;
  a_characters: number;
  a_shingles: Buffer;
  a_words: Buffer;
  b_characters: number;
  b_shingles: Buffer;
  b_words: Buffer;
}

/**
 * What isNearDuplicate (pipeline/neardup.ts) can only accept, on sizes alone: equal keys (same
 * length and word count), or texts long enough for fuzzy matching whose word counts allow one
 * word edit, or whose shingle counts allow the Jaccard threshold (the shared shingles are at most
 * the smaller set, the union at least the larger; half a shingle of slack keeps floating point
 * from refusing a pair exactly at the threshold). Sizes are bytes of 4-byte hashes.
 */
function couldBeNearTwins(a: string, b: string): string {
  const words = (side: string) => `octet_length(${side}.words) // 4`;
  const shingles = (side: string) => `octet_length(${side}.shingles) // 4`;
  return `(
    (${a}.characters = ${b}.characters AND ${words(a)} = ${words(b)})
    OR (least(${a}.characters, ${b}.characters) >= ${MIN_CHARACTERS_FOR_FUZZY_MATCH} AND (
      (least(${words(a)}, ${words(b)}) >= ${MIN_WORDS_FOR_WORD_EDIT} AND abs(${words(a)} - ${words(b)}) <= 1)
      OR least(${shingles(a)}, ${shingles(b)}) >= ${JACCARD_THRESHOLD} * greatest(${shingles(a)}, ${shingles(b)}) - 0.5)))`;
}

/** Features from their stored form: hashes as little-endian uint32 bytes (copied, since a Buffer may sit at any offset). */
function featuresOf(characters: number, shingles: Buffer, words: Buffer): NearDupFeatures {
  const wordsOf = (bytes: Buffer) => new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { characters, shingles: wordsOf(shingles), words: wordsOf(words) };
}
