import { z } from "zod";

/**
 * The curated episode catalog (catalog/episodes.json): reference data written by hand,
 * reviewed and versioned; the build only reads it.
 *
 * Surface forms ("terms" and character "variants") are matched against paragraph text
 * after the same normalisation (see pipeline/text.ts `foldForMatching`): NFKC, lower case,
 * diacritics removed, Greek and Cyrillic transliterated to Latin. A term matches at the
 * start of a word and may be followed by more letters (so a term is a stem: "feuerwehr"
 * matches "Feuerwehrkalender"); see pipeline/episode.ts for the exact rule.
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

export const anchorSchema = z.object({
  /** What the anchor stands for, in English, for reviewers. */
  label: z.string().min(3),
  /** Words and stems for it in several languages; any one matching counts as the anchor matching. */
  terms: z.array(surfaceForm).min(1),
});

export const episodeCodeSchema = z.string().regex(/^S\d{2}E\d{2}$/, "episode codes look like S06E18");

export const episodeSchema = z.object({
  season: z.number().int().min(1).max(6),
  episode: z.number().int().min(1).max(20),
  code: episodeCodeSchema,
  title: z.string().min(1),
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

export const catalogSchema = z.object({
  version: z.string().min(1),
  series: z.string().min(1),
  characters: z.array(characterSchema),
  arcs: z.array(arcSchema),
  episodes: z.array(episodeSchema),
  /**
   * What texts about something other than one episode say: the series as a whole, the films
   * and the other series, podcast and review framing, the cast, overviews of a whole season.
   * Each cue's terms match as whole words or phrases (after the same folding) and make linking
   * to an episode harder.
   */
  nonEpisodeCues: z.array(anchorSchema).default([]),
});

export type Character = z.infer<typeof characterSchema>;
export type Anchor = z.infer<typeof anchorSchema>;
export type Episode = z.infer<typeof episodeSchema>;
export type Arc = z.infer<typeof arcSchema>;
export type Catalog = z.infer<typeof catalogSchema>;
