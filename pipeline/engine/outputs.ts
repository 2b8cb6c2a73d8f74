import type { Engine } from "./database.js";

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

export function paragraphSources(engine: Engine): AsyncGenerator<ParagraphSource[]> {
  return engine.stream<ParagraphSource>(`
    SELECT p.rank, p.paragraph_id, s.text, s.language, s.language_score, s.evidence, p.occurrence_count, b.source_file, s.line_start,
           coalesce(root.paragraph_id, p.paragraph_id) AS near_dup_cluster, c.context
    FROM paragraph p
    JOIN shard s ON s.blob = p.blob AND s.ordinal = p.ordinal
    JOIN blob b ON b.ordinal = p.blob
    LEFT JOIN cluster k ON k.rank = p.rank
    LEFT JOIN paragraph root ON root.rank = k.root
    LEFT JOIN (
      SELECT paragraph_id, list({'position': position, 'bonus': bonus} ORDER BY position) AS context
      FROM (SELECT paragraph_id, position, max(bonus) AS bonus FROM context GROUP BY paragraph_id, position)
      GROUP BY paragraph_id
    ) c ON c.paragraph_id = p.paragraph_id
    ORDER BY p.rank`);
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
