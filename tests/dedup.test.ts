import { describe, expect, it } from "vitest";
import { dedupExact } from "../pipeline/dedup.js";
import type { Occurrence } from "../schemas/records.js";

const at = (sourceFile: string, lineStart: number, text: string): Occurrence => ({
  sourceFile,
  lineStart,
  lineEnd: lineStart,
  byteStart: 0,
  byteEnd: Buffer.byteLength(text),
  blobSha256: "0".repeat(64),
  text,
});

describe("dedupExact", () => {
  it("merges equal texts across files, keeps the first occurrence canonical and every occurrence listed", () => {
    const { paragraphs, occurrenceRows } = dedupExact([
      at("a.txt", 1, "Carrie zieht nach Paris."),
      at("a.txt", 2, "Miranda zieht nach Brooklyn."),
      at("b.txt", 7, "Carrie  zieht nach Paris. "),
    ]);
    expect(paragraphs.map((p) => [p.sourceFile, p.lineStart, p.occurrenceCount])).toEqual([
      ["a.txt", 1, 2],
      ["a.txt", 2, 1],
    ]);
    expect(occurrenceRows).toHaveLength(3);
    expect(occurrenceRows[2]!.paragraphId).toBe(paragraphs[0]!.paragraphId);
    expect(occurrenceRows[2]).toMatchObject({ sourceFile: "b.txt", lineStart: 7 });
  });

  it("treats NFKC-equal texts (composed, decomposed, full-width) as one paragraph", () => {
    const { paragraphs } = dedupExact([
      at("a.txt", 1, "Caf\u00e9 Größe ＡＢＣ"),
      at("a.txt", 2, "Cafe\u0301 Gro\u0308ße ABC"),
    ]);
    expect(paragraphs).toHaveLength(1);
    expect(paragraphs[0]!.occurrenceCount).toBe(2);
  });

  it("keeps texts apart that differ in case or punctuation (those are near-duplicates, not exact ones)", () => {
    const { paragraphs } = dedupExact([at("a.txt", 1, "Carrie trifft Big."), at("a.txt", 2, "carrie trifft Big!")]);
    expect(paragraphs).toHaveLength(2);
  });
});
