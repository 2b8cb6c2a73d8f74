import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { seasonFileSchema, seriesFileSchema, type Catalog } from "../../schemas/catalog.js";
import { parseJsonFile } from "../runtime/json-file.js";
import { sha256Hex } from "../text.js";
import { PipelineError } from "../validate.js";

/** Where the curated catalog lives: series.json and one season-<n>.json per season. */
export const CATALOG_DIRECTORY = fileURLToPath(new URL("../../catalog/", import.meta.url));
const EPISODES_PER_SEASON = [12, 18, 18, 18, 8, 20];
const SEASON_FILE = /^season-(\d+)\.json$/;

export interface LoadedCatalogFiles {
  catalog: Catalog;
  /** The catalog's own version plus a hash of its files, recorded in the manifest. */
  version: string;
}

/** Reads, checks and joins the catalog files; any problem is one line naming the file and the field. */
export async function readCatalog(directory: string = CATALOG_DIRECTORY): Promise<LoadedCatalogFiles> {
  const seasonFiles = (await readdir(directory)).filter((name) => SEASON_FILE.test(name)).sort();
  const hash: string[] = [];
  const read = async <S extends z.ZodType>(name: string, schema: S): Promise<z.infer<S>> => {
    const file = path.join(directory, name);
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new PipelineError(`${file}: cannot be read (${error.code}); restore it from version control (git checkout -- catalog/).`);
    });
    hash.push(`${name}:${sha256Hex(bytes)}`);
    return parseJsonFile(bytes, file, schema) as z.infer<S>;
  };
  const series = await read("series.json", seriesFileSchema);
  const seasons = [];
  for (const name of seasonFiles) seasons.push(await read(name, seasonFileSchema));
  const catalog: Catalog = {
    ...series,
    characters: [...series.characters, ...seasons.flatMap((season) => season.characters)],
    episodes: seasons.flatMap((season) => season.episodes).sort((a, b) => (a.code < b.code ? -1 : 1)),
  };
  const problems = seasons.flatMap((season, index) =>
    season.episodes.filter((episode) => episode.season !== season.season).map((episode) => `${seasonFiles[index]} holds ${episode.code}`),
  );
  checkCatalogIntegrity(catalog, problems);
  return { catalog, version: `${catalog.version} sha256:${sha256Hex(hash.join("\n")).slice(0, 16)}` };
}

/** What the schema alone cannot say: completeness, consistent codes, references that resolve. */
export function checkCatalogIntegrity(catalog: Catalog, problems: string[] = []): void {
  const characterIds = new Set(catalog.characters.map((character) => character.id));
  if (characterIds.size !== catalog.characters.length) problems.push("duplicate character ids");
  const codes = new Set<string>();
  for (const episode of catalog.episodes) {
    const expectedCode = episodeCode(episode.season, episode.episode);
    if (episode.code !== expectedCode) problems.push(`${episode.code}: code should be ${expectedCode}`);
    if (codes.has(episode.code)) problems.push(`${episode.code}: listed twice`);
    codes.add(episode.code);
    for (const id of episode.characters) if (!characterIds.has(id)) problems.push(`${episode.code}: unknown character "${id}"`);
  }
  EPISODES_PER_SEASON.forEach((count, seasonIndex) => {
    for (let episode = 1; episode <= count; episode++) {
      if (!codes.has(episodeCode(seasonIndex + 1, episode))) problems.push(`${episodeCode(seasonIndex + 1, episode)}: missing`);
    }
  });
  if (codes.size !== 94) problems.push(`${codes.size} episodes; the series has 94`);
  for (const arc of catalog.arcs) {
    if (!characterIds.has(arc.characterId)) problems.push(`arc "${arc.description}": unknown character "${arc.characterId}"`);
    if (!codes.has(arc.from) || !codes.has(arc.to) || arc.from > arc.to) problems.push(`arc "${arc.description}": bad range ${arc.from}–${arc.to}`);
  }
  if (problems.length > 0) throw new PipelineError(`the catalog in catalog/ is inconsistent: ${problems.join("; ")}.`);
}

export function episodeCode(season: number, episode: number): string {
  return `S${String(season).padStart(2, "0")}E${String(episode).padStart(2, "0")}`;
}
