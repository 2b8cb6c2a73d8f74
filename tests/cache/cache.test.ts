import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AnalysisCache } from "../../pipeline/cache/cache.js";
import type { ShardRow } from "../../schemas/shard.js";
import { tempTree } from "../helpers.js";
import { readParquetRows } from "../readers.js";

const repeat = { text: null, language: null, languageScore: null, evidence: null, firstPass: null, firstPassScore: null, bandKeys: null, deletionKeys: null, keyCharacters: null, shingles: null, words: null };
const paragraph = (ordinal: number, line: number, id: string, text: string): ShardRow => ({
  ordinal,
  lineStart: line,
  lineEnd: line,
  byteStart: 10 * line,
  byteEnd: 10 * line + 5,
  paragraphId: id.repeat(16),
  text,
  language: "de",
  languageScore: 0.99,
  evidence: JSON.stringify({ candidates: [{ code: "S01E01", evidence: 2.5, facts: 1, named: false, matched: ["an anchor (2.50)"] }], framing: [] }),
  firstPass: -1,
  firstPassScore: 0,
  bandKeys: new Uint32Array([1, 2, 4294967295]),
  deletionKeys: new Uint32Array(ordinal),
  keyCharacters: text.length,
  shingles: new Uint8Array([1, 0, 0, 0, 255, 255, 255, 255]),
  words: new Uint8Array(4 * ordinal),
});
// Paragraph a occurs in the first batch and again in the third.
const batches: ShardRow[][] = [
  [paragraph(0, 1, "a", "Carrie schreibt."), paragraph(1, 2, "b", "Big ruft an.")],
  [paragraph(2, 4, "c", "Samantha zieht um.")],
  [{ ordinal: 3, lineStart: 5, lineEnd: 5, byteStart: 50, byteEnd: 55, paragraphId: "a".repeat(16), ...repeat }],
];
const record = {
  blob: { blobSha256: "f".repeat(64), sizeBytes: 60, bomStripped: false },
  lineRejects: [{ lineStart: 3, lineEnd: 3, reason: "paragraph of 2000000 bytes exceeds the limit" }],
};

async function written(directory: string): Promise<AnalysisCache> {
  const cache = new AnalysisCache(directory, "test-version");
  const entry = await cache.create(cache.keyOf("f".repeat(64)));
  for (const batch of batches) await entry.append(batch);
  await entry.commit(record);
  return cache;
}

describe("AnalysisCache entries", () => {
  it("give back the blob and line rejects from the record, and every row from a Parquet file DuckDB reads", async () => {
    const cache = await written(await tempTree({}));
    const key = cache.keyOf("f".repeat(64));
    expect(await cache.check(key)).toBe("valid");
    const analysis = await cache.open(key);
    expect(analysis.blob).toEqual(record.blob);
    expect(analysis.lineRejects).toEqual(record.lineRejects);
    expect(analysis.rows).toBe(4);
    const rows = await readParquetRows(analysis.parquetPath);
    expect(rows.map((row) => [row.ordinal, row.line_start, row.paragraph_id, row.text])).toEqual([
      [0, 1, "a".repeat(16), "Carrie schreibt."],
      [1, 2, "b".repeat(16), "Big ruft an."],
      [2, 4, "c".repeat(16), "Samantha zieht um."],
      [3, 5, "a".repeat(16), null],
    ]);
    expect(rows[0]!.band_keys).toEqual([1, 2, 4294967295]);
    expect(rows[2]!.deletion_keys).toEqual([0, 0]);
    expect([...(rows[0]!.shingles as unknown as Uint8Array)]).toEqual([1, 0, 0, 0, 255, 255, 255, 255]);
    expect(rows[3]!.band_keys).toBeNull();
  });

  it("exist only once committed, and leave nothing behind when discarded", async () => {
    const directory = await tempTree({});
    const cache = new AnalysisCache(directory, "test-version");
    const key = cache.keyOf("e".repeat(64));
    const entry = await cache.create(key);
    await entry.append(batches[0]!);
    expect(await cache.check(key)).toBe("missing");
    await entry.discard();
    expect(await readdir(path.join(directory, key.slice(0, 2)))).toEqual([]);
  });
});
