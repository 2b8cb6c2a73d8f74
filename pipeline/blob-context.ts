import { contextWithinBlob, mergeContextAt, NOT_LINKED, type ContextBonus } from "./link/context.js";
import { decideEpisode, type Linker } from "./link/decide.js";
import type { ParagraphEvidence } from "./link/evidence.js";
import { GrowableArray } from "./growable.js";

/**
 * Every paragraph's in-blob context, by its ordinal in the blob (order of first occurrence),
 * compressed-row: the entries of paragraph p are offsets[p] up to offsets[p + 1] in
 * `positions` (episode positions in `CatalogIndex.episodes`, ascending) and `bonuses`.
 */
export interface CompactContext {
  offsets: Int32Array;
  positions: Int16Array;
  bonuses: Float64Array;
}

/** A paragraph's context as AnalyzedParagraph.context holds it. */
export function contextOf({ offsets, positions, bonuses }: CompactContext, ordinal: number): Array<[position: number, bonus: number]> {
  const context: Array<[number, number]> = [];
  for (let entry = offsets[ordinal]!; entry < offsets[ordinal + 1]!; entry++) context.push([positions[entry]!, bonuses[entry]!]);
  return context;
}

/**
 * The in-blob context needs the whole blob's first-pass decisions (its reading order is read
 * from all of them), but the analysis goes to the cache batch by batch. This keeps what the
 * context needs, compactly, while the batches come and go: per occurrence the ordinal of its
 * paragraph; per paragraph its first-pass decision and the catalog positions of its own
 * evidence, the only episodes context may re-weigh.
 */
export class BlobContextRecorder {
  private readonly occurrenceOrdinals = new GrowableArray((length) => new Int32Array(length));
  private readonly firstPassPositions = new GrowableArray((length) => new Int16Array(length));
  private readonly firstPassScores = new GrowableArray((length) => new Float64Array(length));
  private readonly evidenceOffsets = new GrowableArray((length) => new Int32Array(length));
  private readonly evidencePositions = new GrowableArray((length) => new Int16Array(length));

  constructor(private readonly linker: Linker) {
    this.evidenceOffsets.push(0);
  }

  /** The blob's next distinct paragraph (ordinals count up from 0), decided on its own evidence. */
  addParagraph(evidence: ParagraphEvidence): void {
    const firstPass = decideEpisode(evidence, this.linker);
    this.firstPassPositions.push(firstPass.episodeCode === null ? NOT_LINKED : this.positionOf(firstPass.episodeCode));
    this.firstPassScores.push(firstPass.episodeScore ?? 0);
    for (const { code } of evidence.candidates) this.evidencePositions.push(this.positionOf(code));
    this.evidenceOffsets.push(this.evidencePositions.length);
  }

  addOccurrence(ordinal: number): void {
    this.occurrenceOrdinals.push(ordinal);
  }

  /** Each paragraph's context, merged over its occurrences (the larger bonus per episode wins). */
  merged(): CompactContext {
    const ordinals = this.occurrenceOrdinals.view();
    const paragraphs = this.firstPassPositions.length;
    const bonusAt = contextWithinBlob({
      paragraphOrdinals: ordinals,
      firstPassPositions: this.firstPassPositions.view(),
      firstPassScores: this.firstPassScores.view(),
    });
    // Occurrences grouped by paragraph (a counting sort), so that one paragraph is merged at a time.
    const groupStarts = new Int32Array(paragraphs + 1);
    for (const ordinal of ordinals) groupStarts[ordinal + 1]!++;
    for (let ordinal = 0; ordinal < paragraphs; ordinal++) groupStarts[ordinal + 1]! += groupStarts[ordinal]!;
    const grouped = new Int32Array(ordinals.length);
    const filled = groupStarts.slice(0, paragraphs);
    ordinals.forEach((ordinal, at) => (grouped[filled[ordinal]!++] = at));

    const evidencePositions = this.evidencePositions.view();
    const offsets = new Int32Array(paragraphs + 1);
    const positions = new GrowableArray((length) => new Int16Array(length));
    const bonuses = new GrowableArray((length) => new Float64Array(length));
    for (let ordinal = 0; ordinal < paragraphs; ordinal++) {
      const own = evidencePositions.subarray(this.evidenceOffsets.at(ordinal), this.evidenceOffsets.at(ordinal + 1));
      const merged: ContextBonus = new Map();
      // Without evidence of its own a paragraph takes no context: skip the neighbours' arithmetic.
      if (own.length > 0) for (let k = groupStarts[ordinal]!; k < groupStarts[ordinal + 1]!; k++) mergeContextAt(merged, bonusAt(grouped[k]!), own);
      for (const [position, bonus] of [...merged].sort(([a], [b]) => a - b)) {
        positions.push(position);
        bonuses.push(bonus);
      }
      offsets[ordinal + 1] = positions.length;
    }
    return { offsets, positions: positions.view().slice(), bonuses: bonuses.view().slice() };
  }

  private positionOf(code: string): number {
    return this.linker.index.positionOf.get(code)!;
  }
}
