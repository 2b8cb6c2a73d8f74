import { describe, expect, it } from "vitest";
import { ExactDedup } from "../../pipeline/analyze/dedup.js";
import { normalizeText, paragraphIdOf } from "../../pipeline/text.js";

const idOf = (text: string) => paragraphIdOf(normalizeText(text));

describe("ExactDedup", () => {
  it("numbers paragraphs in first-occurrence order and counts every occurrence", () => {
    const dedup = new ExactDedup();
    const seen = ["Carrie zieht nach Paris.", "Miranda zieht nach Brooklyn.", "Carrie  zieht nach Paris. "].map((text) => dedup.add(idOf(text)));
    expect(seen).toEqual([
      { paragraphNumber: 0, first: true },
      { paragraphNumber: 1, first: true },
      { paragraphNumber: 0, first: false },
    ]);
    expect(dedup.paragraphs).toBe(2);
    expect([dedup.occurrenceCountOf(0), dedup.occurrenceCountOf(1)]).toEqual([2, 1]);
    expect(dedup.idOf(dedup.numberOf(idOf("Miranda zieht nach Brooklyn.")))).toBe(idOf("Miranda zieht nach Brooklyn."));
  });

  it("treats NFKC-equal texts (composed, decomposed, full-width) as one paragraph", () => {
    expect(idOf("Caf\u00e9 Größe ＡＢＣ")).toBe(idOf("Cafe\u0301 Gro\u0308ße ABC"));
  });

  it("keeps texts apart that differ in case or punctuation (those are near-duplicates, not exact ones)", () => {
    expect(idOf("Carrie trifft Big.")).not.toBe(idOf("carrie trifft Big!"));
  });

  it("keeps every id apart as its table grows, and gives ids back with their leading zeros", () => {
    const dedup = new ExactDedup();
    const ids = Array.from({ length: 20_000 }, (_, i) => idOf(`paragraph ${i}`));
    ids.push("0000000000000001", "0000000100000000");
    ids.forEach((id, i) => expect(dedup.add(id)).toEqual({ paragraphNumber: i, first: true }));
    ids.forEach((id, i) => expect(dedup.add(id)).toEqual({ paragraphNumber: i, first: false }));
    expect(dedup.paragraphs).toBe(ids.length);
    expect(ids.every((id, i) => dedup.numberOf(id) === i && dedup.idOf(i) === id && dedup.occurrenceCountOf(i) === 2)).toBe(true);
  });

  it("refuses an id that is not a paragraph id", () => {
    expect(() => new ExactDedup().add("Carrie")).toThrow(/16 lower-case hex digits/);
  });

  it("refuses a number for a paragraph it never saw", () => {
    expect(() => new ExactDedup().numberOf("0123456789abcdef")).toThrow(/never added/);
  });
});
