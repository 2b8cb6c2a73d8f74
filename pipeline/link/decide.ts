import type { EpisodeFields } from "../../schemas/records.js";
import { roundedProbability } from "../probability.js";
import { probability, type Calibration, type Signals } from "./calibration.js";
import type { CatalogIndex } from "./catalog-index.js";
import type { Candidate, ParagraphEvidence } from "./evidence.js";

/**
 * The decision: a paragraph is linked to its best episode only when that episode's evidence
 * is corroborated (the episode is named, by title or number, or at least two independent facts
 * of it are found, a confidently linked neighbour counting as one) and the calibrated
 * probability that the link is right reaches the threshold. Otherwise every episode column is
 * null and the best guess is shown as the runner-up, for review.
 */

/** Context this strong (a confidently linked neighbour next to it) counts as one more fact. */
const CONTEXT_FACT = 1;
/** Caps keep the model's inputs in the range it was fitted on. */
const MAX_EVIDENCE = 20;
const MAX_MARGIN = 10;
const MAX_FACTS = 4;
const MAX_FRAMING = 3;
const MAX_CONTEXT = 5;
const MAX_RIVALS = 4;

export interface Linker {
  index: CatalogIndex;
  calibration: Calibration;
}

export type EpisodeDecision = EpisodeFields;

export const NO_EPISODE: EpisodeFields = {
  season: null,
  episode: null,
  episodeCode: null,
  episodeTitle: null,
  episodeScore: null,
  episodeRunnerUp: null,
  episodeRunnerUpScore: null,
  episodeEvidence: null,
};

/** How one candidate stands: what the calibration reads, and whether the evidence is corroborated. */
export interface Standing {
  code: string;
  signals: Signals;
  corroborated: boolean;
}

/** The best candidate and the runner-up after context, before the threshold is applied. */
export interface Assessment {
  best: Standing;
  runnerUp: Standing | null;
  /** The runner-up has exactly the best's evidence: no evidence for either. */
  tied: boolean;
  /** What decided: the best candidate's matched features, its context and the framing found. */
  evidence: string;
}

/** Ranks a paragraph's candidates on their own evidence plus the context its neighbours lend (by position in `index.episodes`). */
export function assess(own: ParagraphEvidence, index: CatalogIndex, bonus: ReadonlyMap<number, number> = new Map()): Assessment | null {
  const ranked = own.candidates
    .map((candidate) => {
      const context = bonus.get(index.positionOf.get(candidate.code)!) ?? 0;
      return { candidate, context, total: candidate.evidence + context };
    })
    .sort((a, b) => b.total - a.total || (a.candidate.code < b.candidate.code ? -1 : 1));
  const [best, second] = ranked;
  if (!best) return null;
  const standingOf = ({ candidate, context, total }: (typeof ranked)[number], rival: number): Standing => ({
    code: candidate.code,
    signals: {
      bias: 1,
      evidence: Math.min(total, MAX_EVIDENCE),
      margin: Math.max(-MAX_MARGIN, Math.min(total - rival, MAX_MARGIN)),
      facts: Math.min(factsOf(candidate, context), MAX_FACTS),
      named: candidate.named ? 1 : 0,
      framing: Math.min(own.framing.length, MAX_FRAMING),
      context: Math.min(context, MAX_CONTEXT),
      // Texts about several episodes (overviews, rankings) name facts of many: each other
      // episode with a fact of its own is a rival.
      rivals: Math.min(ranked.filter((other) => other.candidate !== candidate && other.candidate.facts > 0).length, MAX_RIVALS),
    },
    corroborated: candidate.named || factsOf(candidate, context) >= 2,
  });
  return {
    best: standingOf(best, second?.total ?? 0),
    runnerUp: second ? standingOf(second, best.total) : null,
    tied: second !== undefined && second.total === best.total,
    evidence: describe(best.candidate, best.context, own.framing),
  };
}

/** The decision on a paragraph's own evidence plus its context. */
export function decideEpisode(own: ParagraphEvidence, linker: Linker, bonus?: ReadonlyMap<number, number>): EpisodeDecision {
  return decideAssessed(assess(own, linker.index, bonus), linker);
}

export function decideAssessed(assessment: Assessment | null, { index, calibration }: Linker): EpisodeDecision {
  if (!assessment) return NO_EPISODE;
  const { best, runnerUp, tied, evidence } = assessment;
  const bestProbability = roundedProbability(probability(calibration, best.signals));
  if (!best.corroborated || tied || bestProbability < calibration.threshold) {
    return { ...NO_EPISODE, episodeRunnerUp: best.code, episodeRunnerUpScore: bestProbability, episodeEvidence: evidence };
  }
  const episode = index.episodes[index.positionOf.get(best.code)!]!;
  return {
    season: episode.season,
    episode: episode.episode,
    episodeCode: episode.code,
    episodeTitle: episode.title,
    episodeScore: bestProbability,
    episodeRunnerUp: runnerUp?.code ?? null,
    episodeRunnerUpScore: runnerUp ? roundedProbability(probability(calibration, runnerUp.signals)) : null,
    episodeEvidence: evidence,
  };
}

function factsOf(candidate: Candidate, context: number): number {
  return candidate.facts + (context >= CONTEXT_FACT ? 1 : 0);
}

function describe(candidate: Candidate, context: number, framing: readonly string[]): string {
  return [
    ...candidate.matched,
    ...(context > 0 ? [`context from neighbouring paragraphs (${context.toFixed(2)})`] : []),
    ...framing.map((kind) => `framing: ${kind}`),
  ].join("; ");
}
