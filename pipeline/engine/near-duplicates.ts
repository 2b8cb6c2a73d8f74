import { isNearDuplicate, JACCARD_THRESHOLD, MIN_CHARACTERS_FOR_FUZZY_MATCH, MIN_WORDS_FOR_WORD_EDIT, type NearDupFeatures } from "../analyze/neardup.js";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { bucketPairTable, candidateTable, clusterTable, verifiedTable } from "../../schemas/engine-tables.js";
import { sqlString, type Engine } from "./database.js";
import { writePart } from "./work.js";

/**
 * Near-duplicate clusters across the corpus, staged as in NeMo Curator's fuzzy dedup:
 * LSH buckets → candidate pairs (SQL) → verification of each pair on its features
 * (pipeline/analyze/neardup.ts, in TypeScript on streamed batches) → connected components.
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
 * Candidate pairs, in two stages. `buckets`: each task takes the LSH buckets whose key falls in
 * its partition (band keys and deletion-neighbourhood keys, modulo the partitions) and pairs
 * each member with at most the MAX_BUCKET_NEIGHBOURS before it (by rank; a paragraph's deletion
 * keys in the order they were made), counting the band keys each pair shares there.
 * `candidates`: each task takes the pairs whose first paragraph falls in its partition and keeps
 * those that share at least MIN_SHARED_BANDS band keys in all, or one deletion-neighbourhood key.
 */
export function bucketPairsPartition(engine: Engine, work: string, rank: number, partitions: number): Promise<number> {
  // The members before each one in its bucket, as one window pass of lags: a self-join on
  // positions held both sides of every bucket at once and ran out of memory at 100 MB.
  const earlier = `[${Array.from({ length: MAX_BUCKET_NEIGHBOURS }, (_, step) => `lag(rank, ${step + 1}) OVER bucket`).join(", ")}]`;
  return writePart(
    engine,
    work,
    "bucket_pair",
    rank,
    `WITH canonical AS (
       SELECT p.rank, s.band_keys, s.deletion_keys
       FROM paragraph p JOIN shard s ON s.blob = p.blob AND s.ordinal = p.ordinal
     ),
     band_member AS (
       SELECT * FROM (SELECT rank, unnest(range(len(band_keys))) AS band, unnest(band_keys) AS key FROM canonical)
       WHERE key % ${partitions} = ${rank}
     ),
     band_pair AS (
       SELECT a, b FROM (
         SELECT unnest(${earlier}) AS a, rank AS b FROM band_member WINDOW bucket AS (PARTITION BY band, key ORDER BY rank)
       ) WHERE a IS NOT NULL
     ),
     deletion_member AS (
       SELECT * FROM (SELECT rank, unnest(range(len(deletion_keys))) AS made, unnest(deletion_keys) AS key FROM canonical WHERE len(deletion_keys) > 0)
       WHERE key % ${partitions} = ${rank}
     ),
     deletion_pair AS (
       SELECT a, b FROM (
         SELECT unnest(${earlier}) AS a, rank AS b FROM deletion_member WINDOW bucket AS (PARTITION BY key ORDER BY rank, made)
       ) WHERE a IS NOT NULL AND a <> b
     ),
     found AS (
       SELECT a, b, 1 AS bands, false AS deletion FROM band_pair
       UNION ALL
       SELECT a, b, 0 AS bands, true AS deletion FROM deletion_pair
     )
     SELECT a, b, sum(bands)::INTEGER AS bands, bool_or(deletion) AS deletion FROM found GROUP BY a, b ORDER BY a, b`,
    bucketPairTable,
  );
}

export function candidatesPartition(engine: Engine, work: string, rank: number, partitions: number): Promise<number> {
  return writePart(
    engine,
    work,
    "candidate",
    rank,
    `SELECT a, b FROM bucket_pair WHERE a % ${partitions} = ${rank}
     GROUP BY a, b HAVING sum(bands) >= ${MIN_SHARED_BANDS} OR bool_or(deletion)
     ORDER BY a, b`,
    candidateTable,
  );
}

/**
 * Verifies the candidate pairs of one partition (those whose first paragraph falls in it) and
 * keeps the near twins. Pairs cross the engine boundary as two integers; features do not travel
 * with every pair. The features of the paragraphs in these pairs are written by DuckDB to
 * Parquet in rank ranges of at most `rangeBytes` each, read back column by column into typed
 * arrays, and each pair is verified with the features of its two ranges in memory: one range
 * for most corpora, two at a time for very large ones, so memory stays bounded.
 */
export async function verifyPartition(engine: Engine, work: string, rank: number, partitions: number, folder: string, rangeBytes = FEATURE_RANGE_BYTES): Promise<number> {
  await engine.run(`CREATE TEMP TABLE pair AS SELECT a, b FROM candidate WHERE a % ${partitions} = ${rank}`);
  await engine.run(`
    CREATE TEMP TABLE feature AS
    SELECT p.rank, s.key_characters AS characters, s.shingles, s.words,
           (sum(octet_length(s.shingles) + octet_length(s.words)) OVER (ORDER BY p.rank) // ${rangeBytes})::INTEGER AS range
    FROM paragraph p JOIN shard s ON s.blob = p.blob AND s.ordinal = p.ordinal
    WHERE p.rank IN (SELECT a FROM pair UNION SELECT b FROM pair)`);
  await engine.run("CREATE TEMP TABLE twin (a INTEGER, b INTEGER)");
  const twins = await engine.appender("twin", ["INTEGER", "INTEGER"]);
  const ranges = (await engine.all<{ range: number }>("SELECT DISTINCT range FROM feature ORDER BY range")).map((row) => row.range);
  const loaded = new Map<number, FeatureRange>();
  const load = async (range: number) => {
    const file = path.join(folder, `features-${range}.parquet`);
    await engine.run(`COPY (SELECT rank, characters, shingles, words FROM feature WHERE range = ${range} ORDER BY rank) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION uncompressed)`);
    const features = FeatureRange.read(await readFile(file));
    await rm(file);
    return features;
  };
  for (const [i, rangeA] of ranges.entries()) {
    for (const rangeB of ranges.slice(i)) {
      // At most two ranges in memory: the one of `a`, kept while `b` moves on.
      for (const range of loaded.keys()) if (range !== rangeA && range !== rangeB) loaded.delete(range);
      for (const range of [rangeA, rangeB]) if (!loaded.has(range)) loaded.set(range, await load(range));
      const [featuresA, featuresB] = [loaded.get(rangeA)!, loaded.get(rangeB)!];
      const pairs = engine.stream<{ a: number; b: number }>(`
        SELECT c.a, c.b FROM pair c JOIN feature fa ON fa.rank = c.a JOIN feature fb ON fb.rank = c.b
        WHERE fa.range = ${rangeA} AND fb.range = ${rangeB} AND ${couldBeNearTwins("fa", "fb")}`);
      for await (const batch of pairs) {
        for (const { a, b } of batch) if (isNearDuplicate(featuresA.of(a), featuresB.of(b))) twins.row([a, b]);
      }
    }
  }
  twins.close();
  return writePart(engine, work, "verified", rank, "SELECT a, b FROM twin ORDER BY a, b", verifiedTable);
}

/**
 * The connected components of the near twins: per paragraph rank, the rank of its cluster's
 * first paragraph (itself when it has no near twin), kept for the paragraphs that are not
 * their cluster's first. Components do not depend on the order pairs come in, and every
 * cluster is named after its smallest rank.
 */
export async function clusterNearTwins(engine: Engine, work: string, paragraphs: number): Promise<number> {
  const parent = Int32Array.from({ length: paragraphs }, (_, rank) => rank);
  const find = (rank: number): number => {
    let root = rank;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[rank] !== root) [rank, parent[rank]] = [parent[rank]!, root];
    return root;
  };
  for await (const batch of engine.stream<{ a: number; b: number }>("SELECT a, b FROM verified")) {
    for (const { a, b } of batch) {
      const [rootA, rootB] = [find(a), find(b)];
      if (rootA !== rootB) parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
    }
  }
  await engine.run("CREATE TEMP TABLE member (rank INTEGER, root INTEGER)");
  const members = await engine.appender("member", ["INTEGER", "INTEGER"]);
  for (let rank = 0; rank < paragraphs; rank++) if (find(rank) !== rank) members.row([rank, find(rank)]);
  members.close();
  return writePart(engine, work, "cluster", 0, "SELECT rank, root FROM member ORDER BY rank", clusterTable);
}

/** Features of a rank range, read from Parquet: each hash column's values in one aligned buffer, with every row's start. */
class FeatureRange {
  private constructor(
    private readonly rowOf: Map<number, number>,
    private readonly characters: Int32Array,
    private readonly shingles: { hashes: Uint32Array; offsets: Int32Array },
    private readonly words: { hashes: Uint32Array; offsets: Int32Array },
  ) {}

  static read(parquetBytes: Uint8Array): FeatureRange {
    const table = tableFromIPC(readParquet(parquetBytes).intoIPCStream());
    const column = (name: string) => table.getChild(name)!.data;
    const ints = (name: string) => Int32Array.from(column(name).flatMap((data) => [...(data.values as Int32Array).subarray(0, data.length)]));
    const ranks = ints("rank");
    const hashes = (name: string) => {
      const chunks = column(name);
      const total = chunks.reduce((sum, data) => sum + Number(data.valueOffsets[data.length]) - Number(data.valueOffsets[0]), 0);
      const bytes = new Uint8Array(total);
      const offsets = new Int32Array(ranks.length + 1);
      let row = 0;
      let at = 0;
      for (const data of chunks) {
        const start = Number(data.valueOffsets[0]);
        const end = Number(data.valueOffsets[data.length]);
        bytes.set((data.values as Uint8Array).subarray(start, end), at);
        for (let i = 0; i < data.length; i++) offsets[row++] = (at + Number(data.valueOffsets[i]) - start) / 4;
        at += end - start;
      }
      offsets[row] = at / 4;
      return { hashes: new Uint32Array(bytes.buffer), offsets };
    };
    return new FeatureRange(new Map(Array.from(ranks, (rank, row) => [rank, row])), ints("characters"), hashes("shingles"), hashes("words"));
  }

  of(rank: number): NearDupFeatures {
    const row = this.rowOf.get(rank)!;
    const slice = ({ hashes, offsets }: { hashes: Uint32Array; offsets: Int32Array }) => hashes.subarray(offsets[row]!, offsets[row + 1]!);
    return { characters: this.characters[row]!, shingles: slice(this.shingles), words: slice(this.words) };
  }
}

/** Features of at most this many bytes are in one range; two ranges are in memory at once. */
const FEATURE_RANGE_BYTES = 128 * 1024 * 1024;

/**
 * What isNearDuplicate (pipeline/analyze/neardup.ts) can only accept, on sizes alone: equal keys (same
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
