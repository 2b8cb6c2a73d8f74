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
            count(DISTINCT blob)::INTEGER AS blob_count,
            max(key_characters) AS key_characters
     FROM shard
     WHERE ${paragraphPartition("paragraph_id", partitions)} = ${rank}
     GROUP BY paragraph_id`,
    dedupTable,
  );
}

/**
 * Numbers the paragraphs by first place and cuts the ranks into feature ranges: runs of ranks
 * whose near-duplicate features take at most about `featureRangeBytes`, so that verification holds
 * two ranges in memory at a time (near-duplicates.ts). A paragraph's features are bounded by its
 * key's length c: at most max(1, c) distinct shingles and (c + 1) / 2 + 1 words of 4 bytes each,
 * plus 12 bytes of counts and offsets, which 6c + 24 bytes covers.
 */
export function rankParagraphs(engine: Engine, work: string, featureRangeBytes = FEATURE_RANGE_BYTES): Promise<number> {
  return writePart(
    engine,
    work,
    "paragraph",
    0,
    `WITH ranked AS (
       SELECT (row_number() OVER (ORDER BY first_place) - 1)::INTEGER AS rank, *, 6 * key_characters::BIGINT + 24 AS feature_bytes_bound FROM dedup
     )
     SELECT rank,
            paragraph_id,
            (first_place // ${PLACE_BASE})::INTEGER AS blob,
            (first_place % ${PLACE_BASE})::INTEGER AS ordinal,
            occurrence_count,
            blob_count,
            (coalesce(sum(feature_bytes_bound) OVER (ORDER BY rank ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) // ${featureRangeBytes})::INTEGER AS feature_range
     FROM ranked
     ORDER BY rank`,
    paragraphTable,
  );
}

/** Features of at most about this many bytes are in one range; verification holds two at a time. */
const FEATURE_RANGE_BYTES = 128 * 1024 * 1024;
