import { sqlString, type Engine } from "./database.js";
import type { BlobShard } from "./shards.js";

/**
 * The output tables' rows, straight from the engine in output order (full sort keys: a
 * paragraph's rank is unique, and so is an occurrence's (blob, ordinal)).
 */

/** A distinct paragraph as the final decision needs it. */
export interface ParagraphSource {
  rank: number;
  paragraph_id: string;
  text: string;
  language: string;
  language_score: number;
  /** ParagraphEvidence as JSON. */
  evidence: string;
  occurrence_count: number;
  source_file: string;
  line_start: number;
  near_dup_cluster: string;
  /** What its neighbours lend to its own episodes, or null. */
  context: Array<{ position: number; bonus: number }> | null;
}

/**
 * The paragraphs in rank order, one blob at a time: ranks follow (blob, ordinal), so each blob's
 * canonical paragraphs are a run of ranks, and a query per blob reads only its cache entry and
 * sorts only its rows. One query over all blobs sorted every text and evidence at once, which
 * did not fit DuckDB's memory at 100 MB.
 */
export async function* paragraphSources(engine: Engine, blobs: readonly BlobShard[]): AsyncGenerator<ParagraphSource[]> {
  await engine.run(`
    CREATE TEMP TABLE paragraph_context AS
    SELECT paragraph_id, list({'position': position, 'bonus': bonus} ORDER BY position) AS context
    FROM (SELECT paragraph_id, position, max(bonus) AS bonus FROM context GROUP BY paragraph_id, position)
    GROUP BY paragraph_id`);
  for (const blob of blobs) {
    yield* engine.stream<ParagraphSource>(`
      SELECT p.rank, p.paragraph_id, s.text, s.language, s.language_score, s.evidence, p.occurrence_count, ${sqlString(blob.sourceFile)} AS source_file, s.line_start,
             coalesce(root.paragraph_id, p.paragraph_id) AS near_dup_cluster, c.context
      FROM paragraph p
      JOIN read_parquet(${sqlString(blob.parquetPath)}) s ON s.ordinal = p.ordinal
      LEFT JOIN cluster k ON k.rank = p.rank
      LEFT JOIN paragraph root ON root.rank = k.root
      LEFT JOIN paragraph_context c ON c.paragraph_id = p.paragraph_id
      WHERE p.blob = ${blob.ordinal}
      ORDER BY p.rank`);
  }
}

export interface OccurrenceSource {
  source_file: string;
  line_start: number;
  line_end: number;
  byte_start: number;
  byte_end: number;
  blob_sha256: string;
  paragraph_id: string;
}

export function occurrenceSources(engine: Engine): AsyncGenerator<OccurrenceSource[]> {
  return engine.stream<OccurrenceSource>(`
    SELECT b.source_file, s.line_start, s.line_end, s.byte_start, s.byte_end, b.blob_sha256, s.paragraph_id
    FROM shard s JOIN blob b ON b.ordinal = s.blob
    ORDER BY s.blob, s.ordinal`);
}
