import { parseArgs } from "node:util";
import { allTerms, type Catalog } from "../schemas/catalog.js";
import { readCatalog } from "../pipeline/link/catalog.js";
import { isMain } from "../pipeline/runtime/bundles.js";

/**
 * How completely the catalog covers what TV text about the series is written in: per episode,
 * the storylines its anchors are tagged with, the languages of its anchors' terms, and the
 * scripts its characters' names are written in. `make catalog-coverage [SEASON=n]`.
 */

export const TERM_LANGUAGES = "en de fr es it pt nl sv da no fi pl cs sk hu ro hr sl bg ru uk el tr he ar ja ko zh id vi th hi".split(" ");
export const SCRIPTS: Record<string, RegExp> = {
  latin: /\p{Script=Latin}/u,
  cyrillic: /\p{Script=Cyrillic}/u,
  greek: /\p{Script=Greek}/u,
  hebrew: /\p{Script=Hebrew}/u,
  arabic: /\p{Script=Arabic}/u,
  kana: /[\p{Script=Katakana}\p{Script=Hiragana}]/u,
  han: /\p{Script=Han}/u,
  hangul: /\p{Script=Hangul}/u,
  thai: /\p{Script=Thai}/u,
  devanagari: /\p{Script=Devanagari}/u,
};

export interface EpisodeCoverage {
  code: string;
  storylines: string[];
  anchors: number;
  /** Anchors whose terms are recorded by language, and the fewest languages any of them has. */
  anchorsByLanguage: number;
  fewestLanguages: number;
  missingLanguages: string[];
  titles: number;
  /** Characters of the episode whose names lack a script. */
  charactersMissingScripts: Array<{ id: string; missing: string[] }>;
}

export function coverageOf(catalog: Catalog): EpisodeCoverage[] {
  const characters = new Map(catalog.characters.map((character) => [character.id, character]));
  return catalog.episodes.map((episode) => {
    const keyed = episode.anchors.filter((anchor) => !Array.isArray(anchor.terms));
    const languagesOf = (terms: object) => Object.entries(terms).filter(([, list]) => (list as string[]).length > 0).map(([language]) => language);
    const present = new Set(keyed.flatMap((anchor) => languagesOf(anchor.terms)));
    return {
      code: episode.code,
      storylines: [...new Set(episode.anchors.flatMap((anchor) => (anchor.storyline ? [anchor.storyline] : [])))].sort(),
      anchors: episode.anchors.length,
      anchorsByLanguage: keyed.length,
      fewestLanguages: keyed.length === 0 ? 0 : Math.min(...keyed.map((anchor) => languagesOf(anchor.terms).length)),
      missingLanguages: TERM_LANGUAGES.filter((language) => !present.has(language)),
      titles: episode.titles.length,
      charactersMissingScripts: episode.characters.flatMap((id) => {
        const names = characters.get(id)?.variants ?? [];
        const missing = Object.keys(SCRIPTS).filter((script) => !names.some((name) => SCRIPTS[script]!.test(name)));
        return missing.length > 0 ? [{ id, missing }] : [];
      }),
    };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { season: { type: "string" } } });
  const { catalog } = await readCatalog();
  const season = values.season ? Number(values.season) : null;
  const rows = coverageOf(catalog).filter((row) => season === null || row.code.startsWith(`S${String(season).padStart(2, "0")}`));
  for (const row of rows) {
    console.log(
      `${row.code}  storylines ${row.storylines.join(",") || "-"}  anchors ${row.anchors} (${row.anchorsByLanguage} by language, fewest ${row.fewestLanguages} languages)  titles ${row.titles}` +
        (row.missingLanguages.length > 0 ? `\n    languages with no term: ${row.missingLanguages.join(" ")}` : "") +
        row.charactersMissingScripts.map(({ id, missing }) => `\n    ${id} has no name in: ${missing.join(" ")}`).join(""),
    );
  }
  const terms = catalog.episodes.reduce((sum, episode) => sum + episode.anchors.reduce((s, anchor) => s + allTerms(anchor.terms).length, 0), 0);
  console.log(`${catalog.episodes.length} episodes, ${terms} anchor terms, ${catalog.characters.length} characters`);
}

if (isMain(import.meta.url)) await main();
