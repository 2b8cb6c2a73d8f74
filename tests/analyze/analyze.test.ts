import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeBlob, type AnalysisTools } from "../../pipeline/analyze/analyze.js";
import { chunksOf } from "../../pipeline/ingest/chunks.js";
import { loadLanguageIdentifier } from "../../pipeline/analyze/language.js";
import { loadLinker } from "../../pipeline/link/linker.js";
import type { ShardRow } from "../../schemas/shard.js";
import { scannedBlob } from "../helpers.js";

let tools: AnalysisTools;
beforeAll(async () => {
  const [identifier, linker] = await Promise.all([loadLanguageIdentifier(), loadLinker()]);
  tools = { identifier, linker };
});

/** The analysis of a seed blob and its batches of rows. */
async function analyse(chunkBytes: number, batchOccurrences?: number) {
  const blob = scannedBlob("004.txt", await readFile(new URL("../../raw/004_a58078538e24c6c1.txt", import.meta.url)));
  const batches: ShardRow[][] = [];
  const chunks = (async function* () {
    yield* chunksOf(blob.bytes, chunkBytes);
  })();
  const record = await analyzeBlob(blob, chunks, tools, async (batch) => void batches.push(batch), { ...(batchOccurrences && { batchOccurrences }) });
  return { record, batches, rows: batches.flat() };
}

describe("analyzeBlob", () => {
  it("gives the same rows whatever the chunk and batch sizes, with a paragraph's columns at its first occurrence in the blob only", async () => {
    const whole = await analyse(1 << 20);
    const small = await analyse(7, 4);
    expect(whole.batches).toHaveLength(1);
    expect(small.batches.length).toBeGreaterThan(10);
    expect(small.rows).toEqual(whole.rows);
    expect(small.record).toEqual(whole.record);
    expect(small.record.lineRejects).toEqual([]);
    expect(whole.rows.map((row) => row.ordinal)).toEqual(whole.rows.map((_, index) => index));

    // Lines 40 and 41 of the seed are one paragraph: the second occurrence carries none of its columns.
    const [first, repeated] = [40, 41].map((line) => whole.rows.find((row) => row.lineStart === line)!);
    expect(repeated!.paragraphId).toBe(first!.paragraphId);
    expect(first!.text).not.toBeNull();
    expect(repeated).toMatchObject({ text: null, evidence: null, bandKeys: null, shingles: null });
    // Every paragraph row carries what the global phase needs: evidence, a first-pass decision, fingerprints and features.
    for (const row of whole.rows.filter((row) => row.text !== null)) {
      expect(JSON.parse(row.evidence!)).toHaveProperty("candidates");
      expect(row.firstPass).toBeGreaterThanOrEqual(-1);
      expect(row.bandKeys).toHaveLength(32);
      expect(row.shingles!.length % 4).toBe(0);
    }
  });
});
