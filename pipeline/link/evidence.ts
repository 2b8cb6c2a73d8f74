import { foldForMatching } from "../text.js";
import { FeatureKind, type CatalogIndex, type IndexedFeature } from "./catalog-index.js";

/**
 * One paragraph's own evidence: which episodes its words point to, how strongly, and how many
 * independent facts of each episode it names. Context from neighbouring paragraphs and the
 * decision come later (context.ts, decide.ts).
 */

/** An episode the paragraph's own words point to. */
export interface Candidate {
  code: string;
  /** Sum of the weights of the episode's features found in the text. */
  evidence: number;
  /**
   * Independent facts of the episode found: each title, anchor or guest character whose weight
   * shows it belongs to a few episodes only, and an explicit episode number. Synonyms of one
   * fact (one anchor's terms) are one fact.
   */
  facts: number;
  /** The text names the episode itself: its title or its season and episode number. */
  named: boolean;
  /** What matched, for review and lineage. */
  matched: string[];
}

export interface ParagraphEvidence {
  /** Best first; episodes without evidence are left out. */
  candidates: Candidate[];
  /** Kinds of framing found that mark texts about something other than one episode (the films, a podcast…). */
  framing: string[];
}

/** Evidence an explicit season mention ("2. Staffel", "season 2") lends to that season's episodes. */
const SEASON_MENTION_WEIGHT = 1.5;
/** Evidence of an explicit season and episode number ("S03E05", "season 3, episode 5"). */
const NUMBERING_WEIGHT = 6;

/** Words for "season" in the languages summaries come in, folded; a number before or after names the season. */
const SEASON_WORDS = "staffel|season|saison|temporada|stagione|seizoen|sezon|sezona|sezonul|sasong|saeson|sæson|sesong|kausi|evad|sezoni|sezonie";
const EPISODE_WORDS = "episode|episodio|epizod|epizoda|epizodu|epizodi|folge|aflevering|afl|odcinek|avsnitt|jakso|resz|bolum|seriia|seriya|epeisodio|afsnit|osa|cast|dil";
const SEASON_MENTION = new RegExp(`(?<= )(?:(\\d) (?:${SEASON_WORDS})|(?:${SEASON_WORDS})[a-z]* (\\d))(?= )`, "g");
/**
 * Explicit numbering: "s03e05", "3x05", "season 3 episode 5", "staffel 3 folge 5", and the CJK
 * forms "シーズン3第5話", "第3季第5集", "시즌 3 5화". Applied to folded text (lower case, punctuation
 * gone), so "Season 3, Episode 5" reads "season 3 episode 5".
 */
const NUMBERING = [
  / s0?(\d) ?e(\d{1,2}) /g,
  / (\d)x(\d{1,2}) /g,
  new RegExp(`(?:${SEASON_WORDS})[a-z]* 0?(\\d)(?: [a-z]+){0,2} (?:${EPISODE_WORDS})[a-z]* (\\d{1,2}) `, "g"),
  new RegExp(` 0?(\\d)(?: [a-z]+)? (?:${SEASON_WORDS})[a-z]*(?: [a-z]+){0,2} (\\d{1,2})(?: [a-z]+)? (?:${EPISODE_WORDS})`, "g"),
  /シーズン ?(\d) ?第? ?(\d{1,2}) ?[話回]/g,
  /第 ?(\d) ?季 ?第 ?(\d{1,2}) ?[集话話]/g,
  /시즌 ?(\d) ?(?:에피소드 ?)?(\d{1,2}) ?[화회]?/g,
];

/** Seasons a text names explicitly ("in der 2. Staffel", "season 3"). */
export function seasonsMentioned(folded: string): Set<number> {
  const seasons = new Set<number>();
  for (const match of folded.matchAll(SEASON_MENTION)) seasons.add(Number(match[1] ?? match[2]));
  return seasons;
}

/** Episode codes a text gives by number ("S03E05", "season 3, episode 5"). */
export function episodesNumbered(folded: string): Set<string> {
  const codes = new Set<string>();
  for (const pattern of NUMBERING) {
    for (const match of folded.matchAll(pattern)) codes.add(`S${match[1]!.padStart(2, "0")}E${match[2]!.padStart(2, "0")}`);
  }
  return codes;
}

/** Evidence per episode for one paragraph, best first. */
export function scoreParagraph(text: string, index: CatalogIndex): ParagraphEvidence {
  const folded = foldForMatching(text);
  const weights = new FeatureWeights(index.features);
  index.matcher.forEachMatch(folded, (term) => {
    for (const { feature, weight, fact } of index.postings[term]!) weights.raise(feature, weight, fact);
  });
  for (const phrase of index.phraseMatcher.find(folded)) {
    for (const { feature, weight, fact } of index.phrasePostings[phrase]!) weights.raise(feature, weight, fact);
  }
  const cueTermsFound: number[] = [];
  index.cueMatcher.forEachMatch(folded, (term) => cueTermsFound.push(term));
  const framing = [...new Set(cueTermsFound.flatMap((term) => index.cueKinds[term]!))].sort();
  // A season named inside framing ("in season 5, Carrie…", "all six seasons") is what the
  // framing is about, not a pointer to one of its episodes.
  const unframed = cueTermsFound.reduce((text, term) => text.replaceAll(` ${index.cueMatcher.terms[term]!} `, " "), folded);
  const seasons = seasonsMentioned(unframed);
  const numbered = episodesNumbered(folded);

  const candidates = new Map<number, Candidate>();
  for (const { episodeIndex, weight, facts, matched } of weights.perEpisode()) {
    candidates.set(episodeIndex, { code: index.episodes[episodeIndex]!.code, evidence: weight, facts, named: matched.some(isTitle), matched: matched.map(labelOf) });
  }
  for (const code of numbered) {
    const position = index.positionOf.get(code);
    if (position === undefined) continue;
    const candidate = candidates.get(position) ?? { code, evidence: 0, facts: 0, named: false, matched: [] };
    candidate.evidence += NUMBERING_WEIGHT;
    candidate.facts++;
    candidate.named = true;
    candidate.matched.push(`numbered ${code}`);
    candidates.set(position, candidate);
  }
  for (const [position, candidate] of candidates) {
    if (!seasons.has(index.episodes[position]!.season)) continue;
    candidate.evidence += SEASON_MENTION_WEIGHT;
    candidate.matched.push(`season ${index.episodes[position]!.season} named`);
  }
  const ranked = [...candidates.values()].sort((a, b) => b.evidence - a.evidence || (a.code < b.code ? -1 : 1));
  return { candidates: ranked, framing };
}

const isTitle = ({ feature }: { feature: IndexedFeature }) => feature.kind === FeatureKind.Title;
const labelOf = ({ feature, weight }: { feature: IndexedFeature; weight: number }) => `${feature.label} (${weight.toFixed(2)})`;

/** The best weight each catalog feature got from one paragraph's terms. */
class FeatureWeights {
  private readonly best = new Map<number, number>();
  private readonly facts = new Set<number>();

  constructor(private readonly features: readonly IndexedFeature[]) {}

  raise(feature: number, weight: number, fact: boolean): void {
    if (weight > (this.best.get(feature) ?? 0)) this.best.set(feature, weight);
    if (fact) this.facts.add(feature);
  }

  /**
   * Per episode with a matched feature: the sum of its features' weights, the facts among them,
   * and the features in catalog order. Weights are added in catalog order: floating-point
   * addition depends on the order, and a different sum could break or make a tie.
   */
  perEpisode(): Array<{ episodeIndex: number; weight: number; facts: number; matched: Array<{ feature: IndexedFeature; weight: number }> }> {
    const episodes: ReturnType<FeatureWeights["perEpisode"]> = [];
    for (const featureIndex of [...this.best.keys()].sort((a, b) => a - b)) {
      const feature = this.features[featureIndex]!;
      const weight = this.best.get(featureIndex)!;
      let last = episodes.at(-1);
      if (last?.episodeIndex !== feature.episodeIndex) {
        last = { episodeIndex: feature.episodeIndex, weight: 0, facts: 0, matched: [] };
        episodes.push(last);
      }
      last.weight += weight;
      if (this.facts.has(featureIndex)) last.facts++;
      last.matched.push({ feature, weight });
    }
    return episodes;
  }
}
