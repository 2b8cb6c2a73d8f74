import type { CatalogIndex } from "./catalog-index.js";
import type { Candidate } from "./evidence.js";

/**
 * Context: episode guides run in order (sometimes backwards) and one episode may span several
 * paragraphs. Each blob's confidently linked paragraphs (first pass, own evidence only) show its
 * direction and how often the next paragraph moves on to the next episode; a linked neighbour
 * k paragraphs away lends evidence to the episodes it predicts for this paragraph (its own, or
 * up to k further in the blob's direction, with binomial odds). Context only re-weighs episodes
 * the paragraph itself has evidence for: it never links a paragraph on its own.
 */

/** Evidence a confidently linked neighbour lends (times its probability)… */
const CONTEXT_WEIGHT = 2.5;
/** …for neighbours this many paragraphs away or closer. */
const CONTEXT_REACH = 2;

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
 * repeated next to itself lends nothing to itself. Blob-local: the global phase
 * (engine/context.ts) computes it for each blob's sequence apart from the others.
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
export function mergeContext(into: ContextBonus, from: ReadonlyMap<number, number>, own: readonly Pick<Candidate, "code">[], index: CatalogIndex): ContextBonus {
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

