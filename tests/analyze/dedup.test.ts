import { describe, expect, it } from "vitest";
import { SeenParagraphs } from "../../pipeline/analyze/dedup.js";
import { normalizeText, paragraphIdOf } from "../../pipeline/text.js";

const idOf = (text: string) => paragraphIdOf(normalizeText(text));

describe("SeenParagraphs (exact dedup within a blob)", () => {
  it("says which occurrence is a paragraph's first", () => {
    const seen = new SeenParagraphs();
    expect(["Carrie zieht nach Paris.", "Miranda zieht nach Brooklyn.", "Carrie  zieht nach Paris. "].map((text) => seen.add(idOf(text)))).toEqual([true, true, false]);
    expect(seen.size).toBe(2);
  });

  it("treats NFKC-equal texts (composed, decomposed, full-width) as one paragraph", () => {
    expect(idOf("Caf\u00e9 Größe ＡＢＣ")).toBe(idOf("Cafe\u0301 Gro\u0308ße ABC"));
  });

  it("keeps texts apart that differ in case or punctuation (those are near-duplicates, not exact ones)", () => {
    expect(idOf("Carrie trifft Big.")).not.toBe(idOf("carrie trifft Big!"));
  });

  it("keeps every id apart as its table grows, ids with leading zeros and equal halves included", () => {
    const seen = new SeenParagraphs();
    const ids = Array.from({ length: 20_000 }, (_, i) => idOf(`paragraph ${i}`));
    ids.push("0000000000000001", "0000000100000000", "0000000100000001");
    expect(ids.every((id) => seen.add(id))).toBe(true);
    expect(ids.some((id) => seen.add(id))).toBe(false);
    expect(seen.size).toBe(ids.length);
  });

  it("refuses an id that is not a paragraph id", () => {
    expect(() => new SeenParagraphs().add("Carrie")).toThrow(/16 lower-case hex digits/);
  });
});
