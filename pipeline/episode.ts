import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { catalogSchema, type Catalog } from "../schemas/catalog.js";
import type { EpisodeFields, EpisodeRow } from "../schemas/records.js";
import { CharacterTrie, SubstringFinder } from "./char-trie.js";
import { parseJsonFile } from "./json-file.js";
import { roundedProbability } from "./probability.js";
import { foldForMatching, sha256Hex } from "./text.js";
import { PipelineError } from "./validate.js";

/**
 * Episode linking: weighted entity and anchor matching against the curated catalog.
 *
 * Every episode is a set of features: its anchors (distinctive places, objects, events,
 * each with words in several languages), its named characters, and the characters of the
 * arcs running through it. A feature counts when any of its terms occurs in the folded
 * paragraph; it contributes the rarity of that term across the catalog (ln N/df, so a
 * name that appears in one episode says much and one that appears in forty says little).
 * An anchor whose words the synopses show happening in other episodes too counts those
 * episodes in its df (see indexCatalog). Framing that marks a text as about something other
 * than one episode (the series as a whole, the films, a podcast) takes evidence from every
 * episode. The episodes' evidence then competes in a softmax with a "none" candidate of fixed
 * evidence: the paragraph is linked only when one episode takes most of the probability.
 *
 * Context: episode guides run in order (sometimes backwards) and one episode may span
 * several paragraphs. Each blob's confidently linked paragraphs show its direction and how
 * often the next paragraph moves on to the next episode; a linked neighbour k paragraphs away
 * lends evidence to the episodes it predicts for this paragraph (its own, or up to k further
 * in the blob's direction, with binomial odds). Context only re-weighs episodes the paragraph
 * itself has evidence for: it never links a paragraph on its own.
 */

/** Weight of a character who is only there because an arc runs through the episode. */
const ARC_WEIGHT = 0.5;
/** Evidence of the "none" candidate: what an episode must clearly beat to be linked. */
const NONE_EVIDENCE = 3;
/** Softmax temperature: how sharply more evidence turns into more confidence. */
const TEMPERATURE = 0.5;
/** The best episode is linked when its probability is at least this. */
const LINK_THRESHOLD = 0.5;
/** Evidence an explicit season mention ("2. Staffel", "season 2") lends to that season's episodes. */
const SEASON_MENTION_WEIGHT = 1.5;
/**
 * Only titles of several words count as a mention of the episode: one-word titles
 * ("Evolution", "Shortcomings", "Splat!") are ordinary words, and a title that is the
 * series' own name ("Sex and the City") names no episode.
 */
const MIN_TITLE_WORDS = 2;
/** Words for "season" in the languages summaries come in, folded; a number before or after names the season. */
const SEASON_WORDS = "staffel|season|saison|temporada|stagione|seizoen|sezon|sasong|kausi|evad";
const SEASON_MENTION = new RegExp(`(?<= )(?:(\\d) (?:${SEASON_WORDS})|(?:${SEASON_WORDS})[a-z]* (\\d))(?= )`, "g");
/**
 * Evidence each kind of non-episode framing (the series as a whole, the films, a podcast, the
 * cast) takes from every episode: a comment on the show needs much more episode evidence to be
 * linked than a synopsis does, but a synopsis that mentions "the series" in passing still is.
 */
const NON_EPISODE_CUE_WEIGHT = 2;
/** Evidence a confidently linked neighbour lends (times its probability)… */
const CONTEXT_WEIGHT = 2.5;
/** …for neighbours this many paragraphs away or closer. */
const CONTEXT_REACH = 2;
/** Terms shorter than this must match a whole word; longer ones are stems. */
const MIN_STEM_LENGTH = 4;
/** Single-word terms at least this long also match inside a word (the second half of a German compound). */
const MIN_INFIX_LENGTH = 7;
const SCRIPTS_WITHOUT_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

interface Posting {
  /** Position of the feature in `CatalogIndex.features`. */
  feature: number;
  weight: number;
}

interface IndexedEpisode {
  season: number;
  episode: number;
  code: string;
  title: string;
}

export interface CatalogIndex {
  episodes: IndexedEpisode[];
  /** Every episode's features, episode after episode, each episode's in catalog order. */
  features: Array<{ episodeIndex: number; label: string }>;
  /** Per term of `matcher.terms`: where it counts as evidence, with its weight (rarity × feature weight). */
  postings: Posting[][];
  matcher: TermMatcher;
  /** Episode code → its position in `episodes` (air order), where context lends evidence. */
  positionOf: Map<string, number>;
  /** Framing of texts about something other than one episode, with folded whole-word terms padded with spaces. */
  nonEpisodeCues: Array<{ label: string; terms: string[] }>;
  /** Finds the cues' terms in folded text. */
  cueTermFinder: SubstringFinder;
  /** Where scoreEpisodes collects one paragraph's feature weights. */
  featureWeights: FeatureWeights;
}

export interface LoadedCatalog {
  catalog: Catalog;
  index: CatalogIndex;
  /** The catalog's own version plus a hash of the file, recorded in the manifest. */
  version: string;
}

const CATALOG_PATH = new URL("../catalog/episodes.json", import.meta.url);
const EPISODES_PER_SEASON = [12, 18, 18, 18, 8, 20];

export async function loadCatalog(catalogPath: URL | string = CATALOG_PATH): Promise<LoadedCatalog> {
  const file = catalogPath instanceof URL ? fileURLToPath(catalogPath) : catalogPath;
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new PipelineError(`${file}: cannot be read (${error.code}); restore it from version control (git checkout -- catalog/episodes.json).`);
  });
  const catalog = parseJsonFile(bytes, file, catalogSchema);
  checkCatalogIntegrity(catalog, file);
  return { catalog, index: indexCatalog(catalog), version: `${catalog.version} sha256:${sha256Hex(bytes).slice(0, 16)}` };
}

/** What the schema alone cannot say: completeness, consistent codes, references that resolve. */
function checkCatalogIntegrity(catalog: Catalog, file: string): void {
  const problems: string[] = [];
  const characterIds = new Set(catalog.characters.map((character) => character.id));
  if (characterIds.size !== catalog.characters.length) problems.push("duplicate character ids");
  const codes = new Set<string>();
  for (const episode of catalog.episodes) {
    const expectedCode = codeOf(episode.season, episode.episode);
    if (episode.code !== expectedCode) problems.push(`${episode.code}: code should be ${expectedCode}`);
    if (codes.has(episode.code)) problems.push(`${episode.code}: listed twice`);
    codes.add(episode.code);
    for (const id of episode.characters) if (!characterIds.has(id)) problems.push(`${episode.code}: unknown character "${id}"`);
  }
  EPISODES_PER_SEASON.forEach((count, seasonIndex) => {
    for (let episode = 1; episode <= count; episode++) {
      if (!codes.has(codeOf(seasonIndex + 1, episode))) problems.push(`${codeOf(seasonIndex + 1, episode)}: missing`);
    }
  });
  if (codes.size !== 94) problems.push(`${codes.size} episodes; the series has 94`);
  for (const arc of catalog.arcs) {
    if (!characterIds.has(arc.characterId)) problems.push(`arc "${arc.description}": unknown character "${arc.characterId}"`);
    if (!codes.has(arc.from) || !codes.has(arc.to) || arc.from > arc.to) problems.push(`arc "${arc.description}": bad range ${arc.from}–${arc.to}`);
  }
  if (problems.length > 0) throw new PipelineError(`${file} is inconsistent: ${problems.join("; ")}; fix these entries.`);
}

export function indexCatalog(catalog: Catalog): CatalogIndex {
  const variantsById = new Map(catalog.characters.filter((c) => !c.lead).map((c) => [c.id, c.variants.map(foldTerm)]));
  const episodes = [...catalog.episodes].sort((a, b) => (a.code < b.code ? -1 : 1));

  // Per episode: its features, each a list of folded terms with a feature weight.
  const featuresPerEpisode = episodes.map((episode) => {
    const features: Array<{ label: string; terms: string[]; weight: number; anchor?: boolean }> = [];
    const title = foldTerm(episode.title);
    if (title.split(" ").length >= MIN_TITLE_WORDS && title !== foldTerm(catalog.series)) {
      features.push({ label: `title "${episode.title}"`, terms: [title], weight: 1 });
    }
    for (const anchor of episode.anchors) features.push({ label: anchor.label, terms: anchor.terms.map(foldTerm), weight: 1, anchor: true });
    for (const id of episode.characters) {
      const variants = variantsById.get(id);
      if (variants) features.push({ label: `character ${id}`, terms: variants, weight: 1 });
    }
    for (const arc of catalog.arcs) {
      const variants = variantsById.get(arc.characterId);
      if (variants && arc.from <= episode.code && episode.code <= arc.to && !episode.characters.includes(arc.characterId)) {
        features.push({ label: `arc: ${arc.description}`, terms: variants, weight: ARC_WEIGHT });
      }
    }
    return features;
  });

  const documentFrequency = new Map<string, number>();
  for (const features of featuresPerEpisode) {
    for (const term of new Set(features.flatMap((feature) => feature.terms))) {
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }

  // Background: a catalog lists a word for the episodes where it is distinctive, but the
  // thing it names may happen in others too (a waiter, shoes, a confession). The synopses
  // say what happens in every episode, so an anchor whose words also occur in the synopses
  // of episodes that do not list them names something common. An anchor's terms are one
  // thing in several languages, so what the English synopses show for one of its terms
  // holds for all of them: the anchor's background is the most such episodes any term has.
  const listedIn = new Map<string, Set<number>>();
  featuresPerEpisode.forEach((features, episodeIndex) => {
    for (const term of features.flatMap((feature) => feature.terms)) listedIn.set(term, (listedIn.get(term) ?? new Set()).add(episodeIndex));
  });
  const wordStartOf = (term: string) => (term.length < MIN_STEM_LENGTH ? ` ${term} ` : ` ${term}`);
  // Every anchor term against every synopsis: found in one pass per synopsis, not a search per term.
  const anchorTerms = featuresPerEpisode.flatMap((features) => features.filter((feature) => feature.anchor).flatMap((feature) => feature.terms));
  const wordStartFinder = new SubstringFinder([...new Set(anchorTerms.map(wordStartOf))]);
  const synopsesWith = new Map<string, number[]>();
  episodes.forEach((episode, episodeIndex) => {
    for (const wordStart of wordStartFinder.find(foldForMatching(episode.synopsis))) synopsesWith.set(wordStart, [...(synopsesWith.get(wordStart) ?? []), episodeIndex]);
  });
  const backgroundOf = (terms: string[]) =>
    Math.max(
      0,
      ...terms.map((term) => (synopsesWith.get(wordStartOf(term)) ?? []).filter((episodeIndex) => !listedIn.get(term)!.has(episodeIndex)).length),
    );

  // All episodes' features in one sequence, so that scoring keeps its per-feature state in flat arrays.
  const allFeatures: CatalogIndex["features"] = [];
  const firstFeatureOf = featuresPerEpisode.map((features, episodeIndex) => {
    const first = allFeatures.length;
    for (const { label } of features) allFeatures.push({ episodeIndex, label });
    return first;
  });
  const postings = new Map<string, Posting[]>();
  featuresPerEpisode.forEach((features, episodeIndex) => {
    const claimed = new Set<string>(); // a term is evidence once per episode, for its first feature
    features.forEach((feature, featureIndex) => {
      const background = feature.anchor ? backgroundOf(feature.terms) : 0;
      for (const term of feature.terms) {
        if (term.trim() === "" || claimed.has(term)) continue;
        claimed.add(term);
        const rarity = Math.log(episodes.length / (documentFrequency.get(term)! + background));
        if (rarity <= 0) continue;
        const list = postings.get(term) ?? [];
        list.push({ feature: firstFeatureOf[episodeIndex]! + featureIndex, weight: rarity * feature.weight });
        postings.set(term, list);
      }
    });
  });

  // The leads' names carry no evidence, but they are in the matcher so that a shorter
  // term cannot match inside one ("mira" inside "Miranda").
  const leadNames = catalog.characters.filter((character) => character.lead).flatMap((character) => character.variants.map(foldTerm));
  const matcher = new TermMatcher([...new Set([...postings.keys(), ...leadNames])]);
  // Padded with spaces, as folded text is, so that a cue matches whole words only.
  const nonEpisodeCues = catalog.nonEpisodeCues.map((cue) => ({ label: cue.label, terms: cue.terms.map((term) => ` ${foldTerm(term)} `) }));
  return {
    episodes: episodes.map((episode) => ({ season: episode.season, episode: episode.episode, code: episode.code, title: episode.title })),
    features: allFeatures,
    postings: matcher.terms.map((term) => postings.get(term) ?? []),
    positionOf: new Map(episodes.map((episode, position) => [episode.code, position])),
    matcher,
    nonEpisodeCues,
    cueTermFinder: new SubstringFinder(nonEpisodeCues.flatMap((cue) => cue.terms)),
    featureWeights: new FeatureWeights(allFeatures, episodes.length),
  };
}

export interface EpisodeEvidence {
  code: string;
  evidence: number;
  /** Labels of the features that matched, for review and lineage. */
  matched: string[];
}

/** What a decision needs of a candidate episode (the cache keeps no feature labels). */
export type EpisodeScore = Pick<EpisodeEvidence, "code" | "evidence">;

/** Seasons a text names explicitly ("in der 2. Staffel", "season 3"). */
export function seasonsMentioned(folded: string): Set<number> {
  const seasons = new Set<number>();
  for (const match of folded.matchAll(SEASON_MENTION)) seasons.add(Number(match[1] ?? match[2]));
  return seasons;
}

/** Evidence per episode for one paragraph, best first; episodes without evidence are left out. */
export function scoreEpisodes(text: string, index: CatalogIndex): EpisodeEvidence[] {
  const folded = foldForMatching(text);
  const weights = index.featureWeights;
  weights.clear();
  index.matcher.forEachMatch(folded, (term) => {
    for (const { feature, weight } of index.postings[term]!) weights.raise(feature, weight);
  });
  // Lowering every episode is raising the "none" candidate: the softmax sees only differences.
  const cueTermsFound = index.cueTermFinder.find(folded);
  const framingTerms =
    cueTermsFound.size === 0 ? [] : index.nonEpisodeCues.map((cue) => ({ label: cue.label, found: cue.terms.filter((term) => cueTermsFound.has(term)) }));
  const framing = framingTerms.filter(({ found }) => found.length > 0).map(({ label }) => `framing: ${label}`);
  // A season named inside framing ("in season 5, Carrie…", "all six seasons") is what the
  // framing is about, not a pointer to one of its episodes.
  const seasons = seasonsMentioned(framingTerms.flatMap(({ found }) => found).reduce((text, term) => text.replaceAll(term, " "), folded));
  const scored = weights.perEpisode().map(({ episodeIndex, weight, matched }): EpisodeEvidence => {
    const episode = index.episodes[episodeIndex]!;
    const seasonNamed = seasons.has(episode.season);
    if (seasonNamed) matched.push(`season ${episode.season} named`);
    matched.push(...framing);
    return {
      code: episode.code,
      evidence: weight + (seasonNamed ? SEASON_MENTION_WEIGHT : 0) - NON_EPISODE_CUE_WEIGHT * framing.length,
      matched,
    };
  });
  return scored.sort((a, b) => b.evidence - a.evidence || (a.code < b.code ? -1 : 1));
}

/**
 * The best weight each catalog feature got from one paragraph's terms. An index holds one and
 * every scoreEpisodes call reuses it (a call runs to its end before the next starts), so that
 * scoring a paragraph allocates little beyond its result.
 */
class FeatureWeights {
  private readonly best: Float64Array;
  /** Features with a weight, in the order they first got one. */
  private readonly matched: Int32Array;
  private matchedCount = 0;
  private readonly sumPerEpisode: Float64Array;

  constructor(private readonly features: CatalogIndex["features"], episodeCount: number) {
    this.best = new Float64Array(features.length);
    this.matched = new Int32Array(features.length);
    this.sumPerEpisode = new Float64Array(episodeCount);
  }

  clear(): void {
    for (let i = 0; i < this.matchedCount; i++) {
      const feature = this.matched[i]!;
      this.best[feature] = 0;
      this.sumPerEpisode[this.features[feature]!.episodeIndex] = 0;
    }
    this.matchedCount = 0;
  }

  /** Weights are positive, so 0 means "not matched yet". */
  raise(feature: number, weight: number): void {
    if (this.best[feature] === 0) this.matched[this.matchedCount++] = feature;
    if (weight > this.best[feature]!) this.best[feature] = weight;
  }

  /**
   * Per episode with a matched feature: the sum of its features' weights and their labels in
   * catalog order. The weights are added in the order the features first matched: floating-point
   * addition depends on the order, and a different sum could break or make a tie.
   */
  perEpisode(): Array<{ episodeIndex: number; weight: number; matched: string[] }> {
    const matched = this.matched.subarray(0, this.matchedCount);
    for (const feature of matched) {
      const { episodeIndex } = this.features[feature]!;
      this.sumPerEpisode[episodeIndex] = this.sumPerEpisode[episodeIndex]! + this.best[feature]!;
    }
    const episodes: Array<{ episodeIndex: number; weight: number; matched: string[] }> = [];
    // Features are numbered episode by episode in catalog order, so sorted they come grouped.
    for (const feature of matched.sort()) {
      const { episodeIndex, label } = this.features[feature]!;
      const last = episodes.at(-1);
      if (last?.episodeIndex === episodeIndex) last.matched.push(label);
      else episodes.push({ episodeIndex, weight: this.sumPerEpisode[episodeIndex]!, matched: [label] });
    }
    return episodes;
  }
}

/** Turns evidence into probabilities against the "none" candidate and decides. */
export function decideEpisode(scored: readonly EpisodeScore[], index: CatalogIndex): EpisodeFields {
  const [best, runnerUp] = scored;
  // Shifted by the largest evidence so that no exponential overflows (a shift cancels out in
  // the ratio): with it, any finite evidence gives probabilities in [0, 1].
  const shift = Math.max(NONE_EVIDENCE, ...scored.map((candidate) => candidate.evidence));
  const weightOf = (evidence: number) => Math.exp((evidence - shift) / TEMPERATURE);
  const partition = weightOf(NONE_EVIDENCE) + scored.reduce((sum, candidate) => sum + weightOf(candidate.evidence), 0);
  const probability = (candidate: EpisodeScore) => roundedProbability(weightOf(candidate.evidence) / partition);
  const runnerUpFields = {
    episodeRunnerUp: runnerUp?.code ?? null,
    episodeRunnerUpScore: runnerUp ? probability(runnerUp) : null,
  };
  // An exact tie is no evidence for either episode.
  if (!best || probability(best) < LINK_THRESHOLD || (runnerUp && runnerUp.evidence === best.evidence)) {
    // Abstaining: the best guess is still shown as the runner-up, for review.
    return {
      ...NO_EPISODE,
      episodeRunnerUp: best?.code ?? null,
      episodeRunnerUpScore: best ? probability(best) : null,
    };
  }
  const episode = index.episodes.find((candidate) => candidate.code === best.code)!;
  return {
    season: episode.season,
    episode: episode.episode,
    episodeCode: episode.code,
    episodeTitle: episode.title,
    episodeScore: probability(best),
    ...runnerUpFields,
  };
}

export const NO_EPISODE: EpisodeFields = {
  season: null,
  episode: null,
  episodeCode: null,
  episodeTitle: null,
  episodeScore: null,
  episodeRunnerUp: null,
  episodeRunnerUpScore: null,
};

/** Context evidence for one paragraph: episode position in `CatalogIndex.episodes` → evidence its neighbours lend. */
export type ContextBonus = Map<number, number>;

/** In a BlobSequence: the paragraph was not linked in the first pass. */
export const NOT_LINKED = -1;

/** A blob's paragraphs in line order, compactly: what its context needs. */
export interface BlobSequence {
  /** Per occurrence, in line order: the ordinal of its distinct paragraph within the blob. */
  paragraphOrdinals: ArrayLike<number>;
  /** Per paragraph ordinal: the position in `CatalogIndex.episodes` of its first-pass episode, or NOT_LINKED. */
  firstPassPositions: ArrayLike<number>;
  /** Per paragraph ordinal: the first-pass probability of that episode. */
  firstPassScores: ArrayLike<number>;
}

/**
 * Context within one blob: for an occurrence of its paragraph sequence, what the
 * confidently linked neighbours (first-pass decisions, CONTEXT_REACH lines either side)
 * lend to the episodes they predict for it, given the blob's reading order, which is read
 * from the whole sequence once. Contributions of different neighbours add up. A paragraph
 * repeated next to itself lends nothing to itself. Blob-local, so each blob's context is
 * computed (and cached) alone.
 */
export function contextWithinBlob({ paragraphOrdinals, firstPassPositions, firstPassScores }: BlobSequence): (at: number) => ContextBonus {
  const { direction, advanceRate } = readingOrder(paragraphOrdinals.length, (at) => firstPassPositions[paragraphOrdinals[at]!]!);
  return (at) => {
    const bonus: ContextBonus = new Map();
    for (let offset = -CONTEXT_REACH; offset <= CONTEXT_REACH; offset++) {
      const neighbourAt = at + offset;
      if (offset === 0 || neighbourAt < 0 || neighbourAt >= paragraphOrdinals.length) continue;
      const neighbour = paragraphOrdinals[neighbourAt]!;
      const order = firstPassPositions[neighbour]!;
      if (order === NOT_LINKED || neighbour === paragraphOrdinals[at]) continue;
      const distance = Math.abs(offset);
      // Reading on from a neighbour before, the guide has moved `steps` episodes on;
      // reading back from a neighbour after, it has moved `steps` episodes back.
      const towards = offset < 0 ? 1 : -1;
      for (let steps = 0; steps <= distance; steps++) {
        const lent = (CONTEXT_WEIGHT * firstPassScores[neighbour]! * binomial(distance, steps, advanceRate)) / distance;
        // Without a known direction, either way is as likely.
        const signs = steps === 0 ? [1] : direction === 0 ? [1, -1] : [direction];
        for (const sign of signs) {
          const near = order + sign * towards * steps;
          bonus.set(near, (bonus.get(near) ?? 0) + lent / signs.length);
        }
      }
    }
    return bonus;
  };
}

/**
 * Joins the context of another occurrence of the same paragraph into `into` (the larger
 * bonus per episode wins), keeping only episodes in `own`: context re-weighs the episodes a
 * paragraph has evidence for and never adds new ones.
 */
export function mergeContext(into: ContextBonus, from: ReadonlyMap<number, number>, own: readonly EpisodeScore[], index: CatalogIndex): ContextBonus {
  return mergeContextAt(into, from, own.map((candidate) => index.positionOf.get(candidate.code)!));
}

/** mergeContext with the paragraph's own episodes given by their positions in `CatalogIndex.episodes`. */
export function mergeContextAt(into: ContextBonus, from: ReadonlyMap<number, number>, ownPositions: Iterable<number>): ContextBonus {
  for (const position of ownPositions) {
    const lent = from.get(position);
    if (lent !== undefined) into.set(position, Math.max(into.get(position) ?? 0, lent));
  }
  return into;
}

/** The final decision: the paragraph's own evidence plus its context. */
export function decideInContext(own: readonly EpisodeScore[], bonus: ReadonlyMap<number, number>, index: CatalogIndex): EpisodeFields {
  const withContext = own
    .map((candidate) => ({ ...candidate, evidence: candidate.evidence + (bonus.get(index.positionOf.get(candidate.code)!) ?? 0) }))
    .sort((a, b) => b.evidence - a.evidence || (a.code < b.code ? -1 : 1));
  return decideEpisode(withContext, index);
}

/** How many paragraphs were linked to each episode, per language: the catalog as a dataset. */
export class EpisodeTally {
  /** Episode code → language → linked paragraphs. */
  readonly counts = new Map<string, Map<string, number>>();

  add({ episodeCode, language }: { episodeCode: string | null; language: string }): void {
    if (episodeCode === null) return;
    const byLanguage = this.counts.get(episodeCode) ?? new Map<string, number>();
    this.counts.set(episodeCode, byLanguage);
    byLanguage.set(language, (byLanguage.get(language) ?? 0) + 1);
  }

  rows(catalog: Catalog): EpisodeRow[] {
    return [...catalog.episodes]
      .sort((a, b) => (a.code < b.code ? -1 : 1))
      .map((episode) => {
        const byLanguage = [...(this.counts.get(episode.code) ?? new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1));
        return {
          season: episode.season,
          episode: episode.episode,
          episodeCode: episode.code,
          title: episode.title,
          airDate: episode.airDate,
          paragraphCount: byLanguage.reduce((sum, [, count]) => sum + count, 0),
          paragraphsByLanguage: byLanguage.length === 0 ? null : byLanguage.map(([language, count]) => `${language}:${count}`).join(" "),
        };
      });
  }
}

/**
 * How a blob runs through the series, read from its confidently linked paragraphs: the
 * direction (1 forward, -1 backward, 0 unknown) from whether later paragraphs name later
 * or earlier episodes, and the chance that the next paragraph describes the next episode
 * rather than more of the same one (one paragraph per episode in a guide, several in a
 * retelling), from adjacent linked paragraphs, smoothed towards one half. `decidedAt(at)` is
 * the position of the episode the paragraph at `at` was linked to in the first pass, or NOT_LINKED.
 */
function readingOrder(length: number, decidedAt: (at: number) => number): { direction: number; advanceRate: number } {
  let forward = 0;
  let advances = 0;
  let adjacentPairs = 0;
  let previous: { at: number; order: number } | null = null;
  for (let at = 0; at < length; at++) {
    const order = decidedAt(at);
    if (order === NOT_LINKED) continue;
    if (previous) {
      forward += Math.sign(order - previous.order);
      if (at === previous.at + 1) {
        adjacentPairs++;
        if (order !== previous.order) advances++;
      }
    }
    previous = { at, order };
  }
  return { direction: Math.sign(forward), advanceRate: (advances + 1) / (adjacentPairs + 2) };
}

/** Probability of `successes` in `trials` independent trials that each succeed with `rate`. */
function binomial(trials: number, successes: number, rate: number): number {
  let ways = 1;
  for (let k = 1; k <= successes; k++) ways = (ways * (trials - successes + k)) / k;
  return ways * rate ** successes * (1 - rate) ** (trials - successes);
}

function codeOf(season: number, episode: number): string {
  return `S${String(season).padStart(2, "0")}E${String(episode).padStart(2, "0")}`;
}

function foldTerm(term: string): string {
  return foldForMatching(term).trim();
}

/**
 * Finds which catalog terms occur in folded text, by the rules in the module comment:
 * short terms as whole words, longer ones as word-start stems, long single words (compound
 * parts) and terms in scripts written without spaces anywhere. Where several terms match at one place, only
 * the longest counts, so "alexa" does not fire inside "Alexandr" when "alexandr" is a term.
 * All terms sit in one character trie, so each text position costs a walk as deep as the
 * longest term that starts there, not a look-up per term.
 */
export class TermMatcher {
  private readonly trie: CharacterTrie;
  /** Per trie node: the position in `terms` of the term that ends there, or -1. */
  private readonly termAt: Int32Array;
  /** Per trie node: where the term that ends there may match. */
  private readonly placeAt: Uint8Array;

  constructor(readonly terms: readonly string[]) {
    this.trie = new CharacterTrie(terms);
    this.termAt = new Int32Array(this.trie.nodeIdLimit).fill(-1);
    this.placeAt = new Uint8Array(this.trie.nodeIdLimit);
    terms.forEach((term, termIndex) => {
      const cjk = SCRIPTS_WITHOUT_SPACES.test(term);
      const place =
        term.length < MIN_STEM_LENGTH && !cjk ? Place.WholeWord : (term.length >= MIN_INFIX_LENGTH && !term.includes(" ")) || cjk ? Place.Anywhere : Place.WordStart;
      // A whole word has no space in it, so such a term can never match.
      if (place === Place.WholeWord && term.includes(" ")) return;
      const node = this.trie.endNodes[termIndex]!;
      this.termAt[node] = termIndex;
      this.placeAt[node] = place;
    });
  }

  /** `folded` must come from foldForMatching: words separated by single spaces, padded. */
  find(folded: string): Set<string> {
    const found = new Set<string>();
    this.forEachMatch(folded, (term) => found.add(this.terms[term]!));
    return found;
  }

  /** Calls `visit` with the position in `terms` of the longest term matching at each text position, in text order; a term may come more than once. */
  forEachMatch(folded: string, visit: (term: number) => void): void {
    for (let position = 1; position < folded.length; position++) {
      const atWordStart = folded.charCodeAt(position - 1) === SPACE;
      // Deeper nodes end longer terms, so the last allowed one on the walk is the longest.
      let longest = -1;
      let node = 0;
      for (let at = position; at < folded.length; at++) {
        node = this.trie.child(node, folded.charCodeAt(at));
        if (node < 0) break;
        const place = this.placeAt[node];
        if (
          place === Place.Anywhere ||
          (atWordStart && (place === Place.WordStart || (place === Place.WholeWord && folded.charCodeAt(at + 1) === SPACE)))
        ) {
          longest = node;
        }
      }
      if (longest >= 0) visit(this.termAt[longest]!);
    }
  }
}

const SPACE = 0x20;

/** Where a term may match (0 in `placeAt`: no term ends at that node). */
const enum Place {
  WholeWord = 1,
  WordStart,
  Anywhere,
}
