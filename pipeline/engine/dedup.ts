import { dedupTable, paragraphTable } from "../../schemas/engine-tables.js";
import type { Engine } from "./database.js";
import { paragraphPartition, writePart } from "./work.js";

/**
 * Exact deduplication across blobs, in SQL: occurrences with the same paragraph id (the hash
 * of the normalised text, pipeline/text.ts) are one paragraph, whose canonical occurrence is
 * its first in (blob, line) order. Two stages: each task of `dedup` takes the ids of its
 * partition, then one task ranks all paragraphs by first occurrence (`rank`, the output order).
 */

/** Occurrence ordinals within a blob stay below this (a blob of at most 2 GiB has fewer lines). */
const PLACE_BASE = 2 ** 32;

export function dedupPartition(engine: Engine, work: string, rank: number, partitions: number): Promise<number> {
  // (blob, ordinal) packed into one number: the first occurrence is its minimum, and it is unique.
  return writePart(
    engine,
    work,
    "dedup",
    rank,
    `SELECT paragraph_id,
            min(blob::BIGINT * ${PLACE_BASE} + ordinal) AS first_place,
            count(*)::INTEGER AS occurrence_count,
            count(DISTINCT blob)::INTEGER AS blob_count
     FROM shard
     WHERE ${paragraphPartition("paragraph_id", partitions)} = ${rank}
     GROUP BY paragraph_id`,
    dedupTable,
  );
}

export function rankParagraphs(engine: Engine, work: string): Promise<number> {
  return writePart(
    engine,
    work,
    "paragraph",
    0,
    `SELECT (row_number() OVER (ORDER BY first_place) - 1)::INTEGER AS rank,
            paragraph_id,
            (first_place // ${PLACE_BASE})::INTEGER AS blob,
            (first_place % ${PLACE_BASE})::INTEGER AS ordinal,
            occurrence_count,
            blob_count
     FROM dedup
     ORDER BY rank`,
    paragraphTable,
  );
}
