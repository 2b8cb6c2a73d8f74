import { describe, expect, it } from "vitest";
import { foldForMatching, normalizeText, paragraphIdOf } from "../pipeline/text.js";

describe("normalizeText", () => {
  it("applies NFKC, drops invisible format characters and collapses whitespace", () => {
    expect(normalizeText("  Carrie\u200b  und\u00a0\tBig\u202e \n")).toBe("Carrie und Big");
    expect(normalizeText("ﬁn")).toBe("fin");
  });
});

describe("paragraphIdOf", () => {
  it("is 16 hex digits derived from the text alone", () => {
    expect(paragraphIdOf("Carrie")).toMatch(/^[0-9a-f]{16}$/);
    expect(paragraphIdOf("Carrie")).toBe(paragraphIdOf("Carrie"));
    expect(paragraphIdOf("Carrie")).not.toBe(paragraphIdOf("Carrie."));
  });
});

describe("foldForMatching", () => {
  it("lower-cases, strips Latin diacritics and transliterates Greek and Cyrillic", () => {
    expect(foldForMatching("Größe, Café!")).toBe(" grosse cafe ");
    expect(foldForMatching("Αλεξάντερ")).toBe(" alexander ");
    expect(foldForMatching("Μπιγκ")).toBe(" big ");
    expect(foldForMatching("Александр Петровский")).toBe(" aleksandr petrovskii ");
  });

  it("keeps the marks that belong to other scripts' letters", () => {
    expect(foldForMatching("ビッグ")).toBe(" ビッグ ");
  });
});
