import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { openEngine, type Engine } from "../../pipeline/engine/database.js";
import { dedupPartition, rankParagraphs } from "../../pipeline/engine/dedup.js";
import { bucketPairsPartition, candidatesPartition, clusterNearTwins, featuresPartition, verifyPartition } from "../../pipeline/engine/near-duplicates.js";
import { registerShards } from "../../pipeline/engine/shards.js";
import { registerTables } from "../../pipeline/engine/work.js";
import { nearDupFingerprint } from "../../pipeline/analyze/neardup.js";
import { normalizeText, paragraphIdOf } from "../../pipeline/text.js";
import { shardRowSchema, type ShardRow } from "../../schemas/shard.js";
import { openTableWriter } from "../../pipeline/output/write.js";
import { tempTree } from "../helpers.js";

const pairs = parse(readFileSync(new URL("../fixtures/near-dup-pairs.csv", import.meta.url), "utf8"), { columns: true }) as Array<{ expected: string; note: string; text_a: string; text_b: string }>;
const bytesOf = (words: Uint32Array) => new Uint8Array(words.buffer, words.byteOffset, words.byteLength).slice();

/** The cluster (the paragraph id of its first text) of each of `texts`, as one blob through the engine's SQL and verification. */
async function clustersOf(texts: string[], { rangeBytes, partitions = 1 }: { rangeBytes?: number; partitions?: number } = {}): Promise<string[]> {
  const folder = await tempTree({});
  const seen = new Set<string>();
  const rows = texts.map((text, ordinal): ShardRow => {
    const normalized = normalizeText(text);
    const paragraphId = paragraphIdOf(normalized);
    const { bandKeys, wordKeys, features } = nearDupFingerprint(normalized);
    const first = !seen.has(paragraphId);
    seen.add(paragraphId);
    return {
      ordinal,
      lineStart: ordinal + 1,
      lineEnd: ordinal + 1,
      byteStart: 0,
      byteEnd: 1,
      paragraphId,
      text: first ? text : null,
      language: first ? "en" : null,
      languageScore: first ? 1 : null,
      evidence: first ? '{"candidates":[],"framing":[]}' : null,
      firstPass: first ? -1 : null,
      firstPassScore: first ? 0 : null,
      bandKeys: first ? bandKeys : null,
      deletionKeys: first ? wordKeys : null,
      keyCharacters: first ? features.characters : null,
      shingles: first ? bytesOf(features.shingles) : null,
      words: first ? bytesOf(features.words) : null,
    };
  });
  const writer = await openTableWriter<ShardRow>(shardRowSchema, folder, "blob", ["parquet"]);
  await writer.write(rows);
  await writer.close();
  const shards = [{ ordinal: 0, sourceFile: "blob.txt", blobSha256: "0".repeat(64), parquetPath: path.join(folder, "blob.parquet") }];
  const work = path.join(folder, "work");
  // Each step as a task runs it: a fresh engine over the cache entry and the parts before it.
  const step = async <T>(run: (engine: Engine) => Promise<T>): Promise<T> => {
    const engine = await openEngine({ spillFolder: path.join(folder, "spill"), threads: 2, memoryLimit: "256MB" });
    try {
      await registerShards(engine, shards);
      await registerTables(engine, work);
      return await run(engine);
    } finally {
      engine.close();
    }
  };
  const eachPartition = async (run: (engine: Engine, rank: number) => Promise<unknown>) => {
    for (let rank = 0; rank < partitions; rank++) await step((engine) => run(engine, rank));
  };
  await eachPartition((engine, rank) => dedupPartition(engine, work, rank, partitions));
  const paragraphs = await step((engine) => rankParagraphs(engine, work, rangeBytes));
  await eachPartition((engine, rank) => bucketPairsPartition(engine, work, rank, partitions));
  await eachPartition((engine, rank) => candidatesPartition(engine, work, rank, partitions));
  await eachPartition((engine, rank) => featuresPartition(engine, work, rank, partitions));
  await eachPartition((engine, rank) => verifyPartition(engine, work, rank, partitions));
  await step((engine) => clusterNearTwins(engine, work, paragraphs));
  const clusterOf = await step(async (engine) => {
    const rows = await engine.all<{ id: string; cluster: string }>(
      "SELECT p.paragraph_id AS id, f.paragraph_id AS cluster FROM paragraph p LEFT JOIN cluster c ON c.rank = p.rank JOIN paragraph f ON f.rank = coalesce(c.root, p.rank)",
    );
    return new Map(rows.map((row) => [row.id, row.cluster]));
  });
  return texts.map((text) => clusterOf.get(paragraphIdOf(normalizeText(text)))!);
}

describe("near-duplicate clusters in the engine", () => {
  const twins = pairs.filter((pair) => pair.expected === "true");
  const others = pairs.filter((pair) => pair.expected === "false");

  it("finds each near twin among all fixture texts and names the cluster after its first paragraph", async () => {
    const texts = [...new Set([...twins.map((pair) => pair.text_a), ...others.flatMap((pair) => [pair.text_a, pair.text_b]), ...twins.map((pair) => pair.text_b)])];
    const clusters = await clustersOf(texts);
    const clusterOf = (text: string) => clusters[texts.indexOf(text)];
    for (const pair of twins) expect(clusterOf(pair.text_b), pair.note).toBe(clusterOf(pair.text_a));
    for (const pair of others) if (clusterOf(pair.text_a) === clusterOf(pair.text_b)) expect(twins.length, `joined: ${pair.note}`).toBe(-1);
    for (const [index, cluster] of clusters.entries()) {
      const first = clusters.indexOf(cluster);
      expect(first).toBeLessThanOrEqual(index);
      expect(cluster).toBe(paragraphIdOf(normalizeText(texts[first]!)));
    }
  });

  it("gives every paragraph without a near twin its own cluster, short texts included", async () => {
    const shortTexts = ["Staffel 1", "Staffel 2", "Staffel 3", "Folge 1", "Ja.", "Nein.", "Sex and the City", "Sex and the City 2"];
    expect(await clustersOf(shortTexts)).toEqual(shortTexts.map((text) => paragraphIdOf(normalizeText(text))));
  });

  it("finds the same clusters when only a few paragraphs' features are in memory at a time", async () => {
    const texts = pairs.flatMap((pair) => [pair.text_a, pair.text_b]);
    const inOneRange = await clustersOf(texts);
    expect(new Set(inOneRange).size).toBeLessThan(texts.length);
    expect(await clustersOf(texts, { rangeBytes: 2000 })).toEqual(inOneRange);
  });

  it("finds the same clusters whatever the number of partitions the stages split into", async () => {
    const texts = pairs.flatMap((pair) => [pair.text_a, pair.text_b]);
    const inOnePartition = await clustersOf(texts);
    expect(await clustersOf(texts, { partitions: 3 })).toEqual(inOnePartition);
    expect(await clustersOf(texts, { partitions: 7, rangeBytes: 2000 })).toEqual(inOnePartition);
  });

  it("is deterministic, and an exact repeat joins its paragraph", async () => {
    const texts = pairs.flatMap((pair) => [pair.text_a, pair.text_b]);
    const once = await clustersOf(texts);
    expect(await clustersOf(texts)).toEqual(once);
    const withRepeat = await clustersOf([...texts, texts[0]!]);
    expect(withRepeat.at(-1)).toBe(withRepeat[0]);
  });
});
