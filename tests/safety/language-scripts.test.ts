import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { identifyLanguage, loadLanguageIdentifier, type LanguageIdentifier } from "../../pipeline/analyze/language.js";
import { normalizeText } from "../../pipeline/text.js";
import { languageFields, paragraphRowSchema } from "../../schemas/records.js";
import { build } from "../build.js";
import { tempTree } from "../helpers.js";
import { readCsvRows } from "../readers.js";
import { SCRIPT_SAMPLES } from "./scripts.js";

/**
 * Issue 11.4: lid.176 returns probabilities a hair above 1 for confident predictions (Korean,
 * Japanese, Tibetan), which once failed language_score's schema and stopped the whole build.
 */

let identifier: LanguageIdentifier;
beforeAll(async () => {
  identifier = await loadLanguageIdentifier();
});

describe("language identification over every script the model knows", () => {
  it.each(SCRIPT_SAMPLES)("[11.4a] $script: the real model gives fields the schema accepts", async ({ text, language }) => {
    const fields = await identifyLanguage(normalizeText(text), identifier);
    expect(languageFields.safeParse(fields).success, JSON.stringify(fields)).toBe(true);
    if (language !== null) expect(fields.language).toBe(language);
  });

  it("[11.4h] the samples include what broke the build: raw model probabilities above 1", async () => {
    const rawScores = await Promise.all(SCRIPT_SAMPLES.map(async ({ text }) => (await identifier.identify(normalizeText(text))).score));
    expect(Math.max(...rawScores)).toBeGreaterThan(1);
  });
});

describe("identifyLanguage", () => {
  const scoring = (score: number): LanguageIdentifier => ({ version: "fixed", identify: async () => ({ language: "ko", score }) });

  it.each([
    [1.0000697, { language: "ko", languageScore: 1 }],
    [1.5, { language: "ko", languageScore: 1 }],
    [-0.00001, { language: "und", languageScore: 0 }],
    [Number.NaN, { language: "und", languageScore: 0 }],
    [0.99996, { language: "ko", languageScore: 1 }],
    [0.00004, { language: "und", languageScore: 0 }],
  ])("[11.4b] holds a model probability of %s inside [0, 1]", async (score, expected) => {
    const fields = await identifyLanguage("캐리", scoring(score));
    expect(fields).toEqual(expected);
    expect(languageFields.safeParse(fields).success).toBe(true);
  });
});

describe("a build over a paragraph in every script", () => {
  it("[11.4c] succeeds, with every paragraph row inside its schema", async () => {
    const raw = await tempTree({ "scripts.txt": `${SCRIPT_SAMPLES.map(({ text }) => text).join("\n")}\n` });
    const out = path.join(raw, "..", `${path.basename(raw)}-out`);
    const summary = await build({ rawDir: raw, outDir: out, threads: 1 });
    expect(summary.rejects).toEqual([]);
    expect(summary.occurrences).toBe(SCRIPT_SAMPLES.length);
    const rows = readCsvRows(path.join(out, "paragraphs.csv"), new Set(["language_score", "line_start", "occurrence_count"]));
    for (const row of rows) expect(row.language_score).toBeLessThanOrEqual(1);
    const korean = rows.find((row) => String(row.text).startsWith("캐리"))!;
    expect(korean).toMatchObject({ language: "ko", language_score: 1 });
    expect(readFileSync(path.join(out, "paragraphs.csv"), "utf8")).toContain("캐리는 뉴욕에서");
    expect(paragraphRowSchema.shape.languageScore.safeParse(korean.language_score).success).toBe(true);
  });
});
