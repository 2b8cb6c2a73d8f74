import { isNearDuplicate, type NearDupFeatures } from "../analyze/neardup.js";
import { readFile } from "node:fs/promises";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { bucketPairTable, candidateTable, clusterTable, featureTable, verifiedTable } from "../../schemas/engine-tables.js";
import { sqlString, type Engine } from "./database.js";
import { partPath, writePart } from "./work.js";

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
 * `candidates`: each task takes the pairs whose first paragraph falls in its run of ranks and keeps
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

export async function candidatesPartition(engine: Engine, work: string, rank: number, partitions: number): Promise<number> {
  // A run of first ranks, not ranks modulo the partitions: every bucket pair part is sorted by
  // rank, so the task reads only the row groups that hold its run (Parquet's min/max statistics).
  const [{ paragraphs }] = (await engine.all<{ paragraphs: bigint }>("SELECT count(*) AS paragraphs FROM paragraph")) as [{ paragraphs: bigint }];
  const runStart = (partition: number) => Math.floor((Number(paragraphs) * partition) / partitions);
  return writePart(
    engine,
    work,
    "candidate",
    rank,
    `SELECT c.a, c.b, pa.feature_range AS range_a, pb.feature_range AS range_b
     FROM (
       SELECT a, b FROM bucket_pair WHERE a >= ${runStart(rank)} AND a < ${runStart(rank + 1)}
       GROUP BY a, b HAVING sum(bands) >= ${MIN_SHARED_BANDS} OR bool_or(deletion)
     ) c
     JOIN paragraph pa ON pa.rank = c.a JOIN paragraph pb ON pb.rank = c.b
     ORDER BY c.a, c.b`,
    candidateTable,
  );
}

/**
 * The verification features of the feature ranges in this partition (range modulo the
 * partitions), one part per range, from the cache entries of the blobs that hold its paragraphs'
 * first occurrences: ranks follow (blob, ordinal), so a range reads only a few entries.
 */
export async function featuresPartition(engine: Engine, work: string, rank: number, partitions: number): Promise<number> {
  const sources = await engine.all<{ range: number; blob: number; parquet_path: string }>(`
    SELECT DISTINCT p.feature_range AS range, p.blob, b.parquet_path
    FROM paragraph p JOIN blob b ON b.ordinal = p.blob
    WHERE p.feature_range % ${partitions} = ${rank}
    ORDER BY range, p.blob`);
  let rows = 0;
  for (const range of new Set(sources.map((source) => source.range))) {
    const perBlob = sources
      .filter((source) => source.range === range)
      .map(
        (source) => `SELECT p.rank, s.key_characters AS characters, s.shingles, s.words
          FROM paragraph p JOIN read_parquet(${sqlString(source.parquet_path)}) s ON s.ordinal = p.ordinal
          WHERE p.blob = ${source.blob} AND p.feature_range = ${range}`,
      );
    rows += await writePart(engine, work, "feature", range, `${perBlob.join(" UNION ALL ")} ORDER BY rank`, featureTable);
  }
  return rows;
}

/**
 * Verifies the candidate pairs of one partition and keeps the near twins. Pairs are grouped in
 * blocks by the feature ranges of their two paragraphs; the blocks, in (range a, range b) order,
 * are cut into runs of about equal numbers of pairs, one per partition, so a task reads only the
 * ranges of its own blocks and holds two at a time: the one of `a`, kept while `b` moves on.
 * Pairs cross the engine boundary as integers; features are read from the ranges' Parquet parts
 * into typed arrays.
 */
export async function verifyPartition(engine: Engine, work: string, rank: number, partitions: number): Promise<number> {
  const blocks = await engine.all<{ range_a: number; range_b: number; pairs: bigint }>(
    "SELECT range_a, range_b, count(*) AS pairs FROM candidate GROUP BY range_a, range_b ORDER BY range_a, range_b",
  );
  const own = blocksOfPartition(blocks, rank, partitions);
  await engine.run("CREATE TABLE own_block (range_a INTEGER, range_b INTEGER)");
  const ownBlocks = await engine.appender("own_block", ["INTEGER", "INTEGER"]);
  for (const block of own) ownBlocks.row([block.range_a, block.range_b]);
  ownBlocks.close();
  await engine.run("CREATE TABLE twin (a INTEGER, b INTEGER)");
  const twins = await engine.appender("twin", ["INTEGER", "INTEGER"]);
  // At most two ranges in memory: the one of `a`, kept while `b` moves on.
  const loaded = new Map<number, FeatureRange>();
  let block: { rangeA: number; rangeB: number; featuresA: FeatureRange; featuresB: FeatureRange } | undefined;
  // The bounds on range_a let the scan skip the row groups of other runs (candidate parts are sorted by a, and ranges follow ranks).
  const pairs = engine.stream<{ a: number; b: number; range_a: number; range_b: number }>(`
    SELECT c.a, c.b, c.range_a, c.range_b FROM candidate c JOIN own_block USING (range_a, range_b)
    WHERE c.range_a BETWEEN ${own[0]?.range_a ?? 0} AND ${own.at(-1)?.range_a ?? -1}
    ORDER BY c.range_a, c.range_b`);
  let verified = 0;
  for await (const batch of pairs) {
    verified += batch.length;
    for (const { a, b, range_a: rangeA, range_b: rangeB } of batch) {
      if (rangeA !== block?.rangeA || rangeB !== block.rangeB) {
        block = undefined;
        for (const range of loaded.keys()) if (range !== rangeA && range !== rangeB) loaded.delete(range);
        for (const range of [rangeA, rangeB]) if (!loaded.has(range)) loaded.set(range, FeatureRange.read(await readFile(partPath(work, "feature", range))));
        block = { rangeA, rangeB, featuresA: loaded.get(rangeA)!, featuresB: loaded.get(rangeB)! };
      }
      if (isNearDuplicate(block.featuresA.of(a), block.featuresB.of(b))) twins.row([a, b]);
    }
  }
  twins.close();
  const expected = own.reduce((sum, block) => sum + Number(block.pairs), 0);
  if (verified !== expected) throw new Error(`verify task ${rank} read ${verified} candidate pairs of the ${expected} in its blocks; the engine's stream ended early, which is a bug to report`);
  return writePart(engine, work, "verified", rank, "SELECT a, b FROM twin ORDER BY a, b", verifiedTable);
}

/** The blocks of partition `rank`: block k goes to the partition its first pair falls in when all pairs are cut into equal runs. */
function blocksOfPartition<Block extends { pairs: bigint }>(blocks: readonly Block[], rank: number, partitions: number): Block[] {
  const total = blocks.reduce((sum, block) => sum + Number(block.pairs), 0);
  let before = 0;
  return blocks.filter((block) => {
    const partition = Math.min(partitions - 1, Math.floor((before * partitions) / total));
    before += Number(block.pairs);
    return partition === rank;
  });
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
  await engine.run("CREATE TABLE member (rank INTEGER, root INTEGER)");
  const members = await engine.appender("member", ["INTEGER", "INTEGER"]);
  for (let rank = 0; rank < paragraphs; rank++) if (find(rank) !== rank) members.row([rank, find(rank)]);
  members.close();
  return writePart(engine, work, "cluster", 0, "SELECT rank, root FROM member ORDER BY rank", clusterTable);
}

/** Features of a feature range (a run of ranks), read from Parquet: each hash column's values in one aligned buffer, with every row's start. */
class FeatureRange {
  private constructor(
    private readonly firstRank: number,
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
    return new FeatureRange(ranks[0] ?? 0, ints("characters"), hashes("shingles"), hashes("words"));
  }

  of(rank: number): NearDupFeatures {
    const row = rank - this.firstRank;
    const slice = ({ hashes, offsets }: { hashes: Uint32Array; offsets: Int32Array }) => hashes.subarray(offsets[row]!, offsets[row + 1]!);
    return { characters: this.characters[row]!, shingles: slice(this.shingles), words: slice(this.words) };
  }
}
