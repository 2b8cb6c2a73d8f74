import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { identifyLanguage, LANGUAGE_CONFIDENCE_THRESHOLD, loadLanguageIdentifier, type LanguageIdentifier } from "../../pipeline/analyze/language.js";

describe("language identification with lid.176", () => {
  it("names all nine languages of seed 000 correctly", async () => {
    const identifier = await loadLanguageIdentifier();
    const lines = readFileSync(new URL("../../raw/000_2c8cc0b03077b88f.txt", import.meta.url), "utf8").trim().split("\n");
    const tagged = await Promise.all(lines.map((line) => identifyLanguage(line, identifier)));
    expect(tagged.map((p) => p.language)).toEqual(["de", "en", "fi", "fr", "hu", "it", "es", "pt", "el"]);
    for (const p of tagged) expect(p.languageScore).toBeGreaterThanOrEqual(LANGUAGE_CONFIDENCE_THRESHOLD);
    expect(identifier.version).toMatch(/^lid\.176\.ftz sha256:[0-9a-f]{16}/);
  });

  it("returns a three-letter code where ISO 639-1 has none", async () => {
    const identifier = await loadLanguageIdentifier();
    const tagged = await identifyLanguage("Ang mga babaye miadto sa merkado aron mopalit og isda ug utanon alang sa panihapon.", identifier);
    expect(tagged.language).toMatch(/^[a-z]{2,3}$/);
  });
});

describe("identifyLanguage", () => {
  const fixed = (language: string, score: number): LanguageIdentifier => ({ version: "fixed", identify: async () => ({ language, score }) });

  it("says `und` below the confidence threshold and keeps the model's score", async () => {
    expect(await identifyLanguage("Carrie!", fixed("en", 0.31234))).toEqual({ language: "und", languageScore: 0.3123 });
    expect(await identifyLanguage("Carrie geht.", fixed("de", 0.97))).toEqual({ language: "de", languageScore: 0.97 });
  });
});
