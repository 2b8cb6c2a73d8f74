import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { getLIDModel } from "fasttext.wasm.js";
import type { LanguageFields } from "../../schemas/records.js";
import { roundedProbability } from "../probability.js";
import { sha256Hex } from "../text.js";

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

const require = createRequire(import.meta.url);
const LID_ASSETS = "fasttext.wasm.js/dist/models/language-identification/assets";

/** Model name, the SHA-256 of its weights and the package version: known without loading the model. */
export function languageModelVersion(): string {
  const packageJson = require.resolve("fasttext.wasm.js/package.json");
  const weights = readFileSync(require.resolve(`${LID_ASSETS}/lid.176.ftz`));
  const packageVersion = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
  // eld exports no package.json; its version is pinned exactly in ours.
  const eldVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> }).dependencies.eld;
  return `lid.176.ftz sha256:${sha256Hex(weights).slice(0, 16)} (fasttext.wasm.js ${packageVersion}) + eld ${eldVersion} small`;
}

/**
 * eld's small database (1.6 MB of n-grams) tells the groups below apart as well as its large one
 * on our texts, and loads in a third of the time. Imported on first need, not at the top: its
 * tables take a second or more to evaluate, and threads that never meet such a text skip them.
 */
let detector: Promise<(text: string) => string> | undefined;
const eldLanguage = () => (detector ??= import("eld/small").then(({ eld }) => (text: string) => eld.detect(text).language));

/**
 * Languages lid.176 (the compressed model) tells apart poorly on short text, while it is sure
 * the text is one of them: Croatian, Serbian, Bosnian, Serbo-Croatian and Slovene; Czech and
 * Slovak; the Scandinavian languages; Chinese and Japanese written in Han only. Within such a
 * group the Efficient Language Detector (eld, n-gram statistics per language) decides.
 */
const CONFUSABLE = [["hr", "sr", "bs", "sh", "sl"], ["cs", "sk"], ["no", "nn", "da", "sv"], ["zh", "ja", "wuu", "yue"]];
/** How many of lid.176's labels are summed into a group's probability. */
const GROUP_LABELS = 5;

/** fastText lid.176 (compressed), as shipped inside the fasttext.wasm.js npm package. */
export async function loadLanguageIdentifier(): Promise<LanguageIdentifier> {
  const model = await (await getLIDModel()).load();
  const [labels, labelCounts] = model.getLabels();
  const languageOfLabel = languagesByLabel(labels);
  labels.delete();
  labelCounts.delete();
  /** The top `k` labels as language codes with their probabilities. */
  const predict = (text: string, k: number): Array<[string, number]> => {
    const predictions = model.predict(text, k, 0);
    try {
      return Array.from({ length: predictions.size() }, (_, i) => {
        const [score, label] = predictions.get(i);
        return [languageOfLabel.get(label)!, score];
      });
    } finally {
      predictions.delete();
    }
  };
  return {
    version: languageModelVersion(),
    // The model's own predict, with what the package's identify(text) would pass it (the top
    // label, no threshold), rather than identify itself: that awaits the loaded model again on
    // every call and leaves each result vector in the wasm heap until the garbage collector
    // finalizes it, which together cost about a tenth of the time per paragraph.
    async identify(text) {
      const [[language, score]] = predict(text, 1) as [[string, number]];
      const group = CONFUSABLE.find((members) => members.includes(language));
      if (!group) return { language, score };
      const decided = (await eldLanguage())(text);
      if (!group.includes(decided)) return { language, score };
      // The group's probability: how sure lid.176 is of the group, whichever member eld chose.
      const groupScore = predict(text, GROUP_LABELS).reduce((sum, [label, p]) => sum + (group.includes(label) ? p : 0), 0);
      return { language: decided, score: Math.min(1, groupScore) };
    },
  };
}

/**
 * The package's code for each of the model's labels (`__label__de` → "de"): ISO 639-1, or
 * ISO 639-3 where there is none, from the table its identify() uses.
 */
function languagesByLabel(labels: { size(): number; get(index: number): string }): Map<string, string> {
  const table = require(`${LID_ASSETS}/languages.json`) as Record<string, { alpha2: string | null; alpha3: string }>;
  const languages = new Map<string, string>();
  for (let i = 0; i < labels.size(); i++) {
    const label = labels.get(i);
    const entry = table[label.replace("__label__", "")];
    if (!entry) throw new Error(`fasttext.wasm.js has no language code for the model's label ${label}`);
    languages.set(label, entry.alpha2 ?? entry.alpha3);
  }
  return languages;
}

/** The language fields of one paragraph; fastText reads one line, and normalised text has no line breaks. */
export async function identifyLanguage(normalizedText: string, identifier: LanguageIdentifier): Promise<LanguageFields> {
  const { language, score } = await identifier.identify(normalizedText);
  const languageScore = roundedProbability(score);
  return { language: languageScore >= LANGUAGE_CONFIDENCE_THRESHOLD ? language : "und", languageScore };
}
