import type { Engine } from "./database.js";

/**
 * Exact deduplication across blobs, in SQL: occurrences with the same paragraph id (the hash
 * of the normalised text, pipeline/text.ts) are one paragraph, whose canonical occurrence is
 * its first in (blob, line) order. The table `paragraph` numbers them 0, 1, 2… (`rank`) in
 * that order, the order of the output rows.
 */
export async function dedupParagraphs(engine: Engine): Promise<{ paragraphs: number; occurrences: number }> {
  // (blob, ordinal) packed into one number: the first occurrence is its minimum, and it is unique.
  await engine.run(`
    CREATE TABLE paragraph AS
    WITH firsts AS (
      SELECT paragraph_id,
             min(blob::BIGINT * ${PLACE_BASE} + ordinal) AS first_place,
             count(*)::INTEGER AS occurrence_count,
             count(DISTINCT blob)::INTEGER AS blob_count
      FROM shard
      GROUP BY paragraph_id
    )
    SELECT (row_number() OVER (ORDER BY first_place) - 1)::INTEGER AS rank,
           paragraph_id,
           (first_place // ${PLACE_BASE})::INTEGER AS blob,
           (first_place % ${PLACE_BASE})::INTEGER AS ordinal,
           occurrence_count,
           blob_count
    FROM firsts`);
  const [counts] = await engine.all<{ paragraphs: bigint; occurrences: bigint | null }>("SELECT count(*) AS paragraphs, sum(occurrence_count) AS occurrences FROM paragraph");
  return { paragraphs: Number(counts!.paragraphs), occurrences: Number(counts!.occurrences ?? 0) };
}

/** Occurrence ordinals within a blob stay below this (a blob of at most 2 GiB has fewer lines). */
const PLACE_BASE = 2 ** 32;
