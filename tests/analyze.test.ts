import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzeBlob, type AnalysisTools, type AnalyzedOccurrence } from "../pipeline/analyze.js";
import { contextOf } from "../pipeline/blob-context.js";
import { chunksOf } from "../pipeline/chunks.js";
import { loadLanguageIdentifier } from "../pipeline/language.js";
import { loadLinker } from "../pipeline/link/linker.js";
import { scannedBlob } from "./helpers.js";

let tools: AnalysisTools;
beforeAll(async () => {
  const [identifier, linker] = await Promise.all([loadLanguageIdentifier(), loadLinker()]);
  tools = { identifier, linker };
});

/** The analysis of a seed blob, its batches and its occurrences with their contexts filled in as the cache does. */
async function analyse(chunkBytes: number, batchOccurrences?: number) {
  const blob = scannedBlob("004.txt", await readFile(new URL("../raw/004_a58078538e24c6c1.txt", import.meta.url)));
  const batches: AnalyzedOccurrence[][] = [];
  const chunks = (async function* () {
    yield* chunksOf(blob.bytes, chunkBytes);
  })();
  const trailer = await analyzeBlob(blob, chunks, tools, async (batch) => void batches.push(batch), { ...(batchOccurrences && { batchOccurrences }) });
  let ordinal = 0;
  const occurrences = batches.flat().map((occurrence) => {
    if (!occurrence.paragraph) return occurrence;
    return { ...occurrence, paragraph: { ...occurrence.paragraph, context: contextOf(trailer.context, ordinal++) } };
  });
  return { trailer, batches, occurrences };
}

describe("analyzeBlob", () => {
  it("gives the same analysis whatever the chunk and batch sizes, with a repeated paragraph's context merged across batches", async () => {
    const whole = await analyse(1 << 20);
    const small = await analyse(7, 4);
    expect(whole.batches).toHaveLength(1);
    expect(small.batches.length).toBeGreaterThan(10);
    expect(small.occurrences).toEqual(whole.occurrences);
    expect(small.trailer.blob).toEqual(whole.trailer.blob);
    expect(small.trailer.lineRejects).toEqual([]);

    // Lines 40 and 41 of the seed are one paragraph: the second occurrence carries no paragraph, and lands in a later batch.
    const batchOfLine = (line: number) => small.batches.findIndex((batch) => batch.some((occurrence) => occurrence.lineStart === line));
    expect(batchOfLine(41)).toBeGreaterThan(batchOfLine(40));
    const [first, repeated] = [40, 41].map((line) => small.occurrences.find((occurrence) => occurrence.lineStart === line)!);
    expect(repeated!.paragraphId).toBe(first!.paragraphId);
    expect(repeated!.paragraph).toBeUndefined();
    expect(whole.occurrences.filter((occurrence) => occurrence.paragraph?.context.length).length).toBeGreaterThan(10);
  });
});
