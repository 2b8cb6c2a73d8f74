import { contextWithinBlob, mergeContextAt, type ContextBonus } from "../link/context.js";
import type { CatalogIndex } from "../link/catalog-index.js";
import type { ParagraphEvidence } from "../link/evidence.js";
import type { Engine } from "./database.js";

/**
 * Context from neighbouring paragraphs (pipeline/link/context.ts), blob by blob: each blob's
 * occurrences in line order, with every paragraph's first-pass decision (made in the per-blob
 * stage), give what its neighbours lend to each paragraph's own candidate episodes. The table
 * `context` (paragraph_id, position, bonus) holds the larger bonus per episode over all the
 * paragraph's occurrences, in whichever blobs.
 */
export async function computeContext(engine: Engine, index: CatalogIndex): Promise<number> {
  await engine.run("CREATE TABLE context_in_blob (paragraph_id VARCHAR, position INTEGER, bonus DOUBLE)");
  const appender = await engine.appender("context_in_blob", ["VARCHAR", "INTEGER", "DOUBLE"]);
  const finish = (blob: BlobSequenceBuilder) => {
    for (const [paragraphId, bonus] of blob.contexts()) {
      for (const [position, lent] of bonus) appender.row([paragraphId, position, lent]);
    }
  };
  let current: BlobSequenceBuilder | undefined;
  const occurrences = engine.stream<SequenceRow>("SELECT blob, paragraph_id, first_pass, first_pass_score, evidence FROM shard ORDER BY blob, ordinal");
  for await (const rows of occurrences) {
    for (const row of rows) {
      if (current?.ordinal !== row.blob) {
        if (current) finish(current);
        current = new BlobSequenceBuilder(row.blob, index);
      }
      current.add(row);
    }
  }
  if (current) finish(current);
  appender.close();
  await engine.run(`
    CREATE TABLE context AS
    SELECT paragraph_id, list({'position': position, 'bonus': bonus} ORDER BY position) AS context
    FROM (SELECT paragraph_id, position, max(bonus) AS bonus FROM context_in_blob GROUP BY paragraph_id, position)
    GROUP BY paragraph_id`);
  const [{ paragraphs }] = (await engine.all<{ paragraphs: bigint }>("SELECT count(*) AS paragraphs FROM context")) as [{ paragraphs: bigint }];
  return Number(paragraphs);
}

interface SequenceRow {
  blob: number;
  paragraph_id: string;
  /** Set at the paragraph's first occurrence in the blob, null at its repeats there. */
  first_pass: number | null;
  first_pass_score: number | null;
  evidence: string | null;
}

/** One blob's sequence, compactly, and then each of its paragraphs' context. */
class BlobSequenceBuilder {
  private readonly ordinalOf = new Map<string, number>();
  private readonly paragraphIds: string[] = [];
  private readonly firstPassPositions: number[] = [];
  private readonly firstPassScores: number[] = [];
  private readonly ownPositions: number[][] = [];
  private readonly paragraphOrdinals: number[] = [];

  constructor(
    readonly ordinal: number,
    private readonly index: CatalogIndex,
  ) {}

  add(row: SequenceRow): void {
    let ordinal = this.ordinalOf.get(row.paragraph_id);
    if (ordinal === undefined) {
      ordinal = this.paragraphIds.length;
      this.ordinalOf.set(row.paragraph_id, ordinal);
      this.paragraphIds.push(row.paragraph_id);
      this.firstPassPositions.push(row.first_pass!);
      this.firstPassScores.push(row.first_pass_score!);
      const { candidates } = JSON.parse(row.evidence!) as ParagraphEvidence;
      this.ownPositions.push(candidates.map((candidate) => this.index.positionOf.get(candidate.code)!));
    }
    this.paragraphOrdinals.push(ordinal);
  }

  /** Per paragraph with context, its bonus per episode position, the larger over its occurrences in the blob. */
  *contexts(): Generator<[string, ContextBonus]> {
    const bonusAt = contextWithinBlob({ paragraphOrdinals: this.paragraphOrdinals, firstPassPositions: this.firstPassPositions, firstPassScores: this.firstPassScores });
    const merged = this.paragraphIds.map((): ContextBonus | null => null);
    this.paragraphOrdinals.forEach((ordinal, at) => {
      // Without evidence of its own a paragraph takes no context: skip the neighbours' arithmetic.
      if (this.ownPositions[ordinal]!.length === 0) return;
      merged[ordinal] = mergeContextAt(merged[ordinal] ?? new Map(), bonusAt(at), this.ownPositions[ordinal]!);
    });
    for (const [ordinal, bonus] of merged.entries()) if (bonus && bonus.size > 0) yield [this.paragraphIds[ordinal]!, bonus];
  }
}
