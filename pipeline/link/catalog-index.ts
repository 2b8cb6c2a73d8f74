import { allTerms, type Catalog } from "../../schemas/catalog.js";
import { foldForMatching } from "../text.js";
import { PhraseMatcher } from "./phrase-matcher.js";
import { TermMatcher } from "./term-matcher.js";

/**
 * The catalog as the linker searches it. Every episode is a set of features: its titles, its
 * anchors (distinctive places, objects and events of one storyline, each with words in
 * several languages), its named characters, and the characters of the arcs running through
 * it. A feature's weight is the rarity of the term that matched, ln(N/df), where df counts
 * the episodes listing the term plus those whose synopses show the thing happening there
 * too: a name listed for one episode says much, one listed for forty says little.
 */

/** What kind of fact a feature is; only some kinds are independent support for a link. */
export const enum FeatureKind {
  Title = 1,
  Anchor,
  Character,
  /** A character who is there only because an arc runs through the episode. */
  Arc,
}

/** Weight of a character who is only there because an arc runs through the episode. */
const ARC_WEIGHT = 0.5;
/** A title is a fact about one episode only, and more than any one event. */
const TITLE_WEIGHT = 1.5;
/**
 * Only titles of several words count as a mention of the episode: one-word titles
 * ("Evolution", "Shortcomings", "Splat!") are ordinary words, and a title that is the
 * series' own name ("Sex and the City") names no episode. Scripts without spaces count characters.
 */
const MIN_TITLE_WORDS = 2;
const MIN_TITLE_CHARACTERS_WITHOUT_SPACES = 4;
/** A phrase is matched loosely only when most of its words are at least this long. */
const MIN_LOOSE_WORD_LENGTH = 4;
const SCRIPTS_WITHOUT_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

interface Posting {
  /** Position of the feature in `CatalogIndex.features`. */
  feature: number;
  weight: number;
  /** The term makes its feature a fact on its own (see FACT_SHARE). */
  fact: boolean;
}

/**
 * A feature counts as an independent fact when its term belongs to at most this share of the
 * episodes (8 of 94): a guest of one episode, an event of one storyline; a character of twenty
 * episodes or a word many synopses use does not. Titles always do; arc characters never.
 */
const FACT_SHARE = 0.085;

export interface IndexedEpisode {
  season: number;
  episode: number;
  code: string;
  title: string;
}

export interface IndexedFeature {
  episodeIndex: number;
  kind: FeatureKind;
  label: string;
}

export interface CatalogIndex {
  episodes: IndexedEpisode[];
  /** Every episode's features, episode after episode, each episode's in catalog order. */
  features: IndexedFeature[];
  /** Per term of `matcher.terms`: where it counts as evidence, with its weight (rarity × feature weight). */
  postings: Posting[][];
  matcher: TermMatcher;
  /** Phrases of several words (all but titles), matched loosely, and per phrase of `phraseMatcher.phrases` its postings. */
  phraseMatcher: PhraseMatcher;
  phrasePostings: Posting[][];
  /** Episode code → its position in `episodes` (air order). */
  positionOf: Map<string, number>;
  /** Kinds of framing of texts about something other than one episode, per term of `cueMatcher.terms`. */
  cueKinds: string[][];
  /** Finds the cues' terms in folded text, as whole words or phrases. */
  cueMatcher: TermMatcher;
}

/** What scoring a paragraph's evidence searches: everything in the index but the episodes' order. */
type TermIndex = Omit<CatalogIndex, "episodes" | "positionOf">;

export function indexCatalog(catalog: Catalog): CatalogIndex {
  const episodes = [...catalog.episodes].sort((a, b) => (a.code < b.code ? -1 : 1));
  // The term index takes a second or more to build, and only scoring evidence needs it: the
  // build's own thread decides on evidence its workers found, by the episodes' order alone.
  let terms: TermIndex | undefined;
  const termIndex = () => (terms ??= indexTerms(catalog, episodes));
  return {
    episodes: episodes.map((episode) => ({ season: episode.season, episode: episode.episode, code: episode.code, title: episode.title })),
    positionOf: new Map(episodes.map((episode, position) => [episode.code, position])),
    get features() {
      return termIndex().features;
    },
    get postings() {
      return termIndex().postings;
    },
    get matcher() {
      return termIndex().matcher;
    },
    get phraseMatcher() {
      return termIndex().phraseMatcher;
    },
    get phrasePostings() {
      return termIndex().phrasePostings;
    },
    get cueKinds() {
      return termIndex().cueKinds;
    },
    get cueMatcher() {
      return termIndex().cueMatcher;
    },
  };
}

/** `episodes` in air order. */
function indexTerms(catalog: Catalog, episodes: Catalog["episodes"]): TermIndex {
  const variantsById = new Map(catalog.characters.filter((c) => !c.lead).map((c) => [c.id, c.variants.map(foldTerm)]));
  const seriesName = foldTerm(catalog.series);

  interface DraftFeature {
    kind: FeatureKind;
    label: string;
    terms: string[];
    weight: number;
  }
  const featuresPerEpisode = episodes.map((episode) => {
    const features: DraftFeature[] = [];
    const titles = [episode.title, ...episode.titles].map(foldTerm).filter((title) => title !== seriesName && namesAnEpisode(title));
    if (titles.length > 0) features.push({ kind: FeatureKind.Title, label: `title "${episode.title}"`, terms: [...new Set(titles)], weight: TITLE_WEIGHT });
    for (const anchor of episode.anchors) {
      const storyline = anchor.storyline ? `${anchor.storyline}: ` : "";
      features.push({ kind: FeatureKind.Anchor, label: `${storyline}${anchor.label}`, terms: allTerms(anchor.terms).map(foldTerm), weight: 1 });
    }
    for (const id of episode.characters) {
      const variants = variantsById.get(id);
      if (variants) features.push({ kind: FeatureKind.Character, label: `character ${id}`, terms: variants, weight: 1 });
    }
    for (const arc of catalog.arcs) {
      const variants = variantsById.get(arc.characterId);
      if (variants && arc.from <= episode.code && episode.code <= arc.to && !episode.characters.includes(arc.characterId)) {
        features.push({ kind: FeatureKind.Arc, label: `arc: ${arc.description}`, terms: variants, weight: ARC_WEIGHT });
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
  // The leads' names carry no evidence, but they are in the matcher so that a shorter
  // term cannot match inside one ("mira" inside "Miranda").
  const leadNames = catalog.characters.filter((character) => character.lead).flatMap((character) => character.variants.map(foldTerm));
  // A title is a fixed phrase; other phrases of several words may be inflected and reordered,
  // unless their words are mostly short (Vietnamese syllables, "a drawer"): short words are
  // everywhere, and only their order makes them a phrase.
  const titleTerms = new Set(featuresPerEpisode.flatMap((features) => features.filter((feature) => feature.kind === FeatureKind.Title).flatMap((feature) => feature.terms)));
  const isLoosePhrase = (term: string) => {
    if (!term.includes(" ") || SCRIPTS_WITHOUT_SPACES.test(term) || titleTerms.has(term)) return false;
    const words = term.split(" ");
    return words.filter((word) => word.length >= MIN_LOOSE_WORD_LENGTH).length * 2 > words.length;
  };
  const everyTerm = [...new Set(featuresPerEpisode.flatMap((features) => features.flatMap((feature) => feature.terms)))].filter((term) => term !== "");
  const matcher = new TermMatcher([...new Set([...everyTerm.filter((term) => !isLoosePhrase(term)), ...leadNames])]);
  const phraseMatcher = new PhraseMatcher(everyTerm.filter(isLoosePhrase));
  const backgroundOf = anchorBackground(
    episodes.map((episode) => foldForMatching(episode.synopsis)),
    featuresPerEpisode.map((features) => features.flatMap((feature) => feature.terms)),
    (folded) => {
      const found = new Set<string>();
      matcher.forEachMatch(folded, (term) => found.add(matcher.terms[term]!), true);
      for (const phrase of phraseMatcher.find(folded)) found.add(phraseMatcher.phrases[phrase]!);
      return found;
    },
  );

  // All episodes' features in one sequence, so that scoring keeps its per-feature state in flat arrays.
  const allFeatures: IndexedFeature[] = [];
  const postings = new Map<string, Posting[]>();
  const factRarity = Math.log(1 / FACT_SHARE);
  featuresPerEpisode.forEach((features, episodeIndex) => {
    const claimed = new Set<string>(); // a term is evidence once per episode, for its first feature
    for (const feature of features) {
      const featureIndex = allFeatures.length;
      allFeatures.push({ episodeIndex, kind: feature.kind, label: feature.label });
      const background = feature.kind === FeatureKind.Anchor ? backgroundOf(feature.terms) : 0;
      for (const term of feature.terms) {
        if (term === "" || claimed.has(term)) continue;
        claimed.add(term);
        const rarity = Math.log(episodes.length / (documentFrequency.get(term)! + background));
        if (rarity <= 0) continue;
        const list = postings.get(term) ?? [];
        const fact = feature.kind === FeatureKind.Title || (feature.kind !== FeatureKind.Arc && rarity >= Math.min(factRarity, Math.log(episodes.length)));
        list.push({ feature: featureIndex, weight: rarity * feature.weight, fact });
        postings.set(term, list);
      }
    }
  });

  const kindsOfCueTerm = new Map<string, Set<string>>();
  for (const cue of catalog.nonEpisodeCues) {
    for (const term of allTerms(cue.terms).map(foldTerm)) kindsOfCueTerm.set(term, (kindsOfCueTerm.get(term) ?? new Set()).add(cue.kind));
  }
  const cueMatcher = new TermMatcher([...kindsOfCueTerm.keys()].filter((term) => term !== ""), "whole-words");
  return {
    features: allFeatures,
    postings: matcher.terms.map((term) => postings.get(term) ?? []),
    matcher,
    phraseMatcher,
    phrasePostings: phraseMatcher.phrases.map((phrase) => postings.get(phrase)!),
    cueKinds: cueMatcher.terms.map((term) => [...kindsOfCueTerm.get(term)!]),
    cueMatcher,
  };
}

/**
 * A catalog lists a word for the episodes where it is distinctive, but the thing it names may
 * happen in others too (a waiter, shoes, a confession). The synopses say what happens in every
 * episode, so an anchor whose words also occur in the synopses of episodes that do not list
 * them names something common. An anchor's terms are one thing in several languages, so what
 * the English synopses show for one of its terms holds for all of them: the anchor's
 * background is the most such episodes any term has. Terms are found in the synopses by the
 * linker's own matchers, by the rules that find them in paragraphs.
 */
function anchorBackground(foldedSynopses: string[], termsPerEpisode: string[][], termsIn: (folded: string) => Set<string>): (terms: string[]) => number {
  const listedIn = new Map<string, Set<number>>();
  termsPerEpisode.forEach((terms, episodeIndex) => {
    for (const term of terms) listedIn.set(term, (listedIn.get(term) ?? new Set()).add(episodeIndex));
  });
  const synopsesWith = new Map<string, number[]>();
  foldedSynopses.forEach((synopsis, episodeIndex) => {
    for (const term of termsIn(synopsis)) synopsesWith.set(term, [...(synopsesWith.get(term) ?? []), episodeIndex]);
  });
  return (terms) => Math.max(0, ...terms.map((term) => (synopsesWith.get(term) ?? []).filter((episodeIndex) => !listedIn.get(term)?.has(episodeIndex)).length));
}

function namesAnEpisode(foldedTitle: string): boolean {
  return SCRIPTS_WITHOUT_SPACES.test(foldedTitle) ? foldedTitle.length >= MIN_TITLE_CHARACTERS_WITHOUT_SPACES : foldedTitle.split(" ").length >= MIN_TITLE_WORDS;
}

export function foldTerm(term: string): string {
  return foldForMatching(term).trim();
}
