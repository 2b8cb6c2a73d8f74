import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { getLIDModel } from "fasttext.wasm.js";
import type { LanguageFields } from "../schemas/records.js";
import { sha256Hex } from "./text.js";

/**
 * Below this top-label probability a paragraph is `und`. Chosen on the seeds: every
 * correct label there scores above 0.85, and lid.176 returns spread-out probabilities
 * (< 0.5) on text that mixes languages or is mostly names and numbers.
 */
export const LANGUAGE_CONFIDENCE_THRESHOLD = 0.5;

export interface LanguageIdentifier {
  /** Model name and the SHA-256 of its weights, recorded in the manifest. */
  version: string;
  identify(text: string): Promise<{ language: string; score: number }>;
}

/** Model name, the SHA-256 of its weights and the package version: known without loading the model. */
export function languageModelVersion(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("fasttext.wasm.js/package.json");
  const weights = readFileSync(new URL("dist/models/language-identification/assets/lid.176.ftz", `file://${packageJson}`));
  const packageVersion = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
  return `lid.176.ftz sha256:${sha256Hex(weights).slice(0, 16)} (fasttext.wasm.js ${packageVersion})`;
}

/** fastText lid.176 (compressed), as shipped inside the fasttext.wasm.js npm package. */
export async function loadLanguageIdentifier(): Promise<LanguageIdentifier> {
  const model = await getLIDModel();
  await model.load();
  return {
    version: languageModelVersion(),
    async identify(text) {
      const result = await model.identify(text);
      return { language: result.alpha2 ?? result.alpha3, score: result.possibility };
    },
  };
}

/** The language fields of one paragraph; fastText reads one line, and normalised text has no line breaks. */
export async function identifyLanguage(normalizedText: string, identifier: LanguageIdentifier): Promise<LanguageFields> {
  const { language, score } = await identifier.identify(normalizedText);
  const languageScore = Math.round(score * 1e4) / 1e4;
  return { language: languageScore >= LANGUAGE_CONFIDENCE_THRESHOLD ? language : "und", languageScore };
}
