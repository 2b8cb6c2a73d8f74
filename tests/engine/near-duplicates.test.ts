import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { openEngine } from "../../pipeline/engine/database.js";
import { dedupParagraphs } from "../../pipeline/engine/dedup.js";
import { clusterNearDuplicates, findCandidates } from "../../pipeline/engine/near-duplicates.js";
import { registerShards } from "../../pipeline/engine/shards.js";
import { nearDupFingerprint } from "../../pipeline/neardup.js";
import { normalizeText, paragraphIdOf } from "../../pipeline/text.js";
import { shardRowSchema, type ShardRow } from "../../schemas/shard.js";
import { openTableWriter } from "../../pipeline/write.js";
import { tempTree } from "../helpers.js";

const pairs = parse(readFileSync(new URL("../fixtures/near-dup-pairs.csv", import.meta.url), "utf8"), { columns: true }) as Array<{ expected: string; note: string; text_a: string; text_b: string }>;
const bytesOf = (words: Uint32Array) => new Uint8Array(words.buffer, words.byteOffset, words.byteLength).slice();

/** The cluster (the paragraph id of its first text) of each of `texts`, as one blob through the engine's SQL and verification. */
async function clustersOf(texts: string[], rangeBytes?: number): Promise<string[]> {
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
  const engine = await openEngine({ scratchFolder: folder, threads: 2, memoryLimit: "256MB" });
  try {
    await registerShards(engine, [{ ordinal: 0, sourceFile: "blob.txt", blobSha256: "0".repeat(64), parquetPath: `${folder}/blob.parquet` }]);
    const { paragraphs } = await dedupParagraphs(engine);
    await findCandidates(engine);
    const { roots } = await clusterNearDuplicates(engine, paragraphs, folder, rangeBytes);
    const ids = (await engine.all<{ paragraph_id: string }>("SELECT paragraph_id FROM paragraph ORDER BY rank")).map((row) => row.paragraph_id);
    return texts.map((text) => ids[roots[ids.indexOf(paragraphIdOf(normalizeText(text)))]!]!);
  } finally {
    engine.close();
  }
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
    expect(await clustersOf(texts, 2000)).toEqual(inOneRange);
  });

  it("is deterministic, and an exact repeat joins its paragraph", async () => {
    const texts = pairs.flatMap((pair) => [pair.text_a, pair.text_b]);
    const once = await clustersOf(texts);
    expect(await clustersOf(texts)).toEqual(once);
    const withRepeat = await clustersOf([...texts, texts[0]!]);
    expect(withRepeat.at(-1)).toBe(withRepeat[0]);
  });
});
