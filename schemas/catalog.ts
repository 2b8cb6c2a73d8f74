import { z } from "zod";

/**
 * The curated episode catalog (catalog/): reference data written by hand, reviewed and
 * versioned; the build only reads it. `catalog/series.json` holds what spans the series (the
 * leads, recurring characters, arcs, the framing of texts about something other than one
 * episode); `catalog/season-<n>.json` holds a season's episodes and the characters met only in it.
 *
 * Surface forms ("terms", "titles" and character "variants") are matched against paragraph
 * text after the same normalisation (pipeline/text.ts `foldForMatching`): NFKC, lower case,
 * diacritics removed, Greek and Cyrillic transliterated to Latin. A term matches at the start
 * of a word and may be followed by more letters (a term is a stem: "feuerwehr" matches
 * "Feuerwehrkalender"); see pipeline/link/term-matcher.ts for the exact rule.
 */

const surfaceForm = z
  .string()
  .trim()
  .min(2, "a surface form needs at least two characters");

export const characterSchema = z.object({
  /** Stable kebab-case id, referenced by episodes and arcs. */
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "character ids are kebab-case"),
  name: z.string().min(1),
  /** Spellings, nicknames and transliterations (any script) by which a text may name the character. */
  variants: z.array(surfaceForm).min(1),
  /** The four leads appear in every episode and carry no evidence about which one a text describes. */
  lead: z.boolean().default(false),
});

/** Whose storyline an anchor belongs to: one of the four leads, or the friends together. */
export const storylineSchema = z.enum(["carrie", "samantha", "charlotte", "miranda", "together"]);

/** ISO 639-1 code of the language a term is written in. */
export const termLanguageSchema = z.string().regex(/^[a-z]{2}$/, "term languages are ISO 639-1 codes like de");

/**
 * Words and stems for one thing, by language ({ "en": [...], "de": [...] }), or as one list
 * where the language was not recorded; any one matching counts.
 */
export const termsSchema = z.union([z.array(surfaceForm).min(1), z.record(termLanguageSchema, z.array(surfaceForm))]);

export const anchorSchema = z.object({
  /** What the anchor stands for, in English, for reviewers. */
  label: z.string().min(3),
  /** Whose storyline it belongs to. */
  storyline: storylineSchema.optional(),
  terms: termsSchema,
});

/** Every term of an anchor or cue, whatever its language. */
export function allTerms(terms: z.infer<typeof termsSchema>): string[] {
  return Array.isArray(terms) ? terms : Object.values(terms).flat();
}

export const episodeCodeSchema = z.string().regex(/^S\d{2}E\d{2}$/, "episode codes look like S06E18");

export const episodeSchema = z.object({
  season: z.number().int().min(1).max(6),
  episode: z.number().int().min(1).max(20),
  code: episodeCodeSchema,
  title: z.string().min(1),
  /** The title as broadcast or published in other languages (German, French, Japanese, …). */
  titles: z.array(surfaceForm).default([]),
  airDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "air dates are ISO dates"),
  /** Two or three sentences in our own words. */
  synopsis: z.string().min(20),
  /** Ids of the non-lead characters who matter in this episode. */
  characters: z.array(z.string()).default([]),
  /** Distinctive places, objects and events of this episode. */
  anchors: z.array(anchorSchema).min(3, "an episode needs at least three anchors to be recognisable"),
});

/** A relationship or storyline that spans several episodes: "Carrie dates Aidan, S3E05-S3E12". */
export const arcSchema = z.object({
  characterId: z.string(),
  description: z.string().min(3),
  from: episodeCodeSchema,
  to: episodeCodeSchema,
});

/** Kinds of text about something other than one episode. */
export const nonEpisodeKindSchema = z.enum([
  "series",
  "film",
  "other-series",
  "season-overview",
  "character-profile",
  "review",
  "ranking",
  "cast",
  "podcast",
  "home-media",
]);

export const nonEpisodeCueSchema = z.object({
  kind: nonEpisodeKindSchema,
  label: z.string().min(3),
  /** Whole words or phrases (after the same folding). */
  terms: termsSchema,
});

/** catalog/series.json */
export const seriesFileSchema = z.object({
  version: z.string().min(1),
  series: z.string().min(1),
  characters: z.array(characterSchema),
  arcs: z.array(arcSchema),
  /**
   * What texts about something other than one episode say: the series as a whole, the films
   * and the other series, podcast and review framing, the cast, overviews of a whole season.
   * Each cue makes linking to an episode harder.
   */
  nonEpisodeCues: z.array(nonEpisodeCueSchema).default([]),
});

/** catalog/season-<n>.json */
export const seasonFileSchema = z.object({
  season: z.number().int().min(1).max(6),
  /** Characters met only in this season (the rest are in series.json). */
  characters: z.array(characterSchema).default([]),
  episodes: z.array(episodeSchema),
});

/** The whole catalog, as the linker sees it once the files are read. */
export const catalogSchema = seriesFileSchema.extend({ episodes: z.array(episodeSchema) });

export type Character = z.infer<typeof characterSchema>;
export type Anchor = z.infer<typeof anchorSchema>;
export type Episode = z.infer<typeof episodeSchema>;
export type Arc = z.infer<typeof arcSchema>;
export type NonEpisodeCue = z.infer<typeof nonEpisodeCueSchema>;
export type Catalog = z.infer<typeof catalogSchema>;

/**
 * catalog/quality.json: how the linker (this catalog and its calibration) measured on the
 * blind set, written by `make evaluate ... RECORD=catalog/quality.json`; the report shows it.
 */
export const linkQualitySchema = z.object({
  measuredOn: z.string(),
  precision: z.number().min(0).max(1),
  recall: z.number().min(0).max(1),
  noneAbstained: z.number().min(0).max(1),
  languageAccuracy: z.number().min(0).max(1),
  /** Links by stated episode_score band: how many were right. */
  bands: z.array(z.object({ from: z.number(), to: z.number(), links: z.number().int(), right: z.number().int(), meanScore: z.number() })),
  languages: z.array(z.object({ language: z.string(), episodeParagraphs: z.number().int(), right: z.number().int(), wrong: z.number().int() })),
});
export type LinkQuality = z.infer<typeof linkQualitySchema>;
