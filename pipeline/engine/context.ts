import { contextWithinBlob, mergeContextAt, type ContextBonus } from "../link/context.js";
import type { CatalogIndex } from "../link/catalog-index.js";
import type { ParagraphEvidence } from "../link/evidence.js";
import { contextTable } from "../../schemas/engine-tables.js";
import type { Engine } from "./database.js";
import { writePart } from "./work.js";

/**
 * Context from neighbouring paragraphs (pipeline/link/context.ts), blob by blob: each blob's
 * occurrences in line order, with every paragraph's first-pass decision (made in the per-blob
 * stage), give what its neighbours lend to each paragraph's own candidate episodes. Each task
 * takes the blobs of its partition (ordinal modulo the partitions) and writes, per paragraph and
 * episode, the larger bonus over the paragraph's occurrences in each blob; the publishing stage
 * takes the larger over blobs.
 */
export async function contextPartition(engine: Engine, work: string, rank: number, partitions: number, index: CatalogIndex): Promise<number> {
  await engine.run("CREATE TABLE lent (paragraph_id VARCHAR, position INTEGER, bonus DOUBLE)");
  const appender = await engine.appender("lent", ["VARCHAR", "INTEGER", "DOUBLE"]);
  const finish = (blob: BlobSequenceBuilder) => {
    for (const [paragraphId, bonus] of blob.contexts()) {
      for (const [position, lent] of bonus) appender.row([paragraphId, position, lent]);
    }
  };
  let current: BlobSequenceBuilder | undefined;
  const occurrences = engine.stream<SequenceRow>(
    `SELECT blob, paragraph_id, first_pass, first_pass_score, evidence FROM shard WHERE blob % ${partitions} = ${rank} ORDER BY blob, ordinal`,
  );
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
  return writePart(engine, work, "context", rank, "SELECT paragraph_id, position, max(bonus) AS bonus FROM lent GROUP BY paragraph_id, position ORDER BY paragraph_id, position", contextTable);
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
