import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AnalyzedOccurrence, AnalyzedParagraph, BlobAnalysisTrailer } from "../pipeline/analyze.js";
import { AnalysisCache } from "../pipeline/cache.js";
import { tempTree } from "./helpers.js";

function paragraph(paragraphId: string, text: string): AnalyzedParagraph {
  return {
    paragraphId,
    text,
    language: "de",
    languageScore: 0.99,
    evidence: { candidates: [{ code: "S01E01", evidence: 2.5, facts: 1, named: false, matched: ["an anchor (2.50)"] }], framing: [] },
    context: [],
    fingerprint: { bandKeys: new Uint32Array([1, 2, 3]), wordKeys: new Uint32Array([]) },
  };
}

const at = (line: number, paragraphId: string, first?: AnalyzedParagraph): AnalyzedOccurrence => ({
  lineStart: line,
  lineEnd: line,
  byteStart: 10 * line,
  byteEnd: 10 * line + 5,
  paragraphId,
  ...(first && { paragraph: first }),
});

// Paragraph a occurs in the first frame and again in the third; c has no context.
const [a, b, c] = [paragraph("a".repeat(16), "Carrie schreibt."), paragraph("b".repeat(16), "Big ruft an."), paragraph("c".repeat(16), "Samantha zieht um.")];
// Frames store fields column by column; uneven evidence and deletion keys check the offsets.
b.evidence = {
  candidates: [
    { code: "S02E03", evidence: 4, facts: 2, named: true, matched: ["title \"X\" (6.81)"] },
    { code: "S01E01", evidence: 1.5, facts: 0, named: false, matched: [] },
  ],
  framing: ["film"],
};
b.fingerprint.wordKeys = new Uint32Array([7, 8]);
c.evidence = { candidates: [], framing: [] };
const frames: AnalyzedOccurrence[][] = [[at(1, a.paragraphId, a), at(2, b.paragraphId, b)], [at(4, c.paragraphId, c)], [at(5, a.paragraphId)]];
const trailer: BlobAnalysisTrailer = {
  blob: { blobSha256: "f".repeat(64), sizeBytes: 60, bomStripped: false },
  lineRejects: [{ lineStart: 3, lineEnd: 3, reason: "paragraph of 2000000 bytes exceeds the limit" }],
  context: { offsets: new Int32Array([0, 2, 3, 3]), positions: new Int16Array([0, 5, 0]), bonuses: new Float64Array([1.25, 0.5, 2]) },
};

async function written(directory: string): Promise<AnalysisCache> {
  const cache = new AnalysisCache(directory, "test-version");
  const entry = await cache.create(cache.keyOf("f".repeat(64)));
  for (const frame of frames) await entry.append(frame);
  await entry.commit(trailer);
  return cache;
}

describe("AnalysisCache entries", () => {
  it("give back the blob and line rejects from the trailer, and the frames in order with each paragraph's context", async () => {
    const cache = await written(await tempTree({}));
    const key = cache.keyOf("f".repeat(64));
    expect(await cache.check(key)).toBe("valid");
    const analysis = await cache.open(key);
    expect(analysis.blob).toEqual(trailer.blob);
    expect(analysis.lineRejects).toEqual(trailer.lineRejects);
    const batches: AnalyzedOccurrence[][] = [];
    for await (const batch of analysis.batches()) batches.push(batch);
    const withContext = (first: AnalyzedParagraph, context: Array<[number, number]>) => ({ ...first, context });
    expect(batches).toEqual([
      [at(1, a.paragraphId, withContext(a, [[0, 1.25], [5, 0.5]])), at(2, b.paragraphId, withContext(b, [[0, 2]]))],
      [at(4, c.paragraphId, withContext(c, []))],
      [at(5, a.paragraphId)],
    ]);
    // Batches can be read again, each time from the start.
    let occurrences = 0;
    for await (const batch of analysis.batches()) occurrences += batch.length;
    expect(occurrences).toBe(4);
  });

  it("exist only once committed, and leave nothing behind when discarded", async () => {
    const directory = await tempTree({});
    const cache = new AnalysisCache(directory, "test-version");
    const key = cache.keyOf("e".repeat(64));
    const entry = await cache.create(key);
    await entry.append(frames[0]!);
    expect(await cache.check(key)).toBe("missing");
    await entry.discard();
    expect(await readdir(path.join(directory, key.slice(0, 2)))).toEqual([]);
  });

  it("refuse an entry whose footer is damaged, naming the file", async () => {
    const directory = await tempTree({});
    const cache = await written(directory);
    const key = cache.keyOf("f".repeat(64));
    const file = path.join(directory, key.slice(0, 2), `${key}.v8`);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 1));
    await expect(cache.open(key)).rejects.toThrow(file);
  });
});
