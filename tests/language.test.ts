import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LANGUAGE_CONFIDENCE_THRESHOLD, loadLanguageIdentifier, tagLanguages, type LanguageIdentifier } from "../pipeline/language.js";
import type { DistinctParagraph } from "../schemas/records.js";

const paragraph = (text: string, lineStart = 1): DistinctParagraph => ({
  paragraphId: "0".repeat(16),
  text,
  normalizedText: text,
  sourceFile: "x.txt",
  lineStart,
  occurrenceCount: 1,
});

describe("language identification with lid.176", () => {
  it("names all nine languages of seed 000 correctly", async () => {
    const identifier = await loadLanguageIdentifier();
    const lines = readFileSync(new URL("../raw/000_2c8cc0b03077b88f.txt", import.meta.url), "utf8").split("\n");
    const tagged = await tagLanguages(lines.map((line, index) => paragraph(line, index + 1)), identifier);
    expect(tagged.map((p) => p.language)).toEqual(["de", "en", "fi", "fr", "hu", "it", "es", "pt", "el"]);
    for (const p of tagged) expect(p.languageScore).toBeGreaterThanOrEqual(LANGUAGE_CONFIDENCE_THRESHOLD);
    expect(identifier.version).toMatch(/^lid\.176\.ftz sha256:[0-9a-f]{16}/);
  });

  it("returns a three-letter code where ISO 639-1 has none", async () => {
    const identifier = await loadLanguageIdentifier();
    const [tagged] = await tagLanguages([paragraph("Ang mga babaye miadto sa merkado aron mopalit og isda ug utanon alang sa panihapon.")], identifier);
    expect(tagged!.language).toMatch(/^[a-z]{2,3}$/);
  });
});

describe("tagLanguages", () => {
  const fixed = (language: string, score: number): LanguageIdentifier => ({ version: "fixed", identify: async () => ({ language, score }) });

  it("says `und` below the confidence threshold and keeps the model's score", async () => {
    const [unsure] = await tagLanguages([paragraph("Carrie!")], fixed("en", 0.31234));
    expect(unsure).toMatchObject({ language: "und", languageScore: 0.3123 });
    const [sure] = await tagLanguages([paragraph("Carrie geht.")], fixed("de", 0.97));
    expect(sure).toMatchObject({ language: "de", languageScore: 0.97 });
  });
});
