import { z } from "zod";
import { shardRowSchema } from "./shard.js";

/**
 * The global phase's tables (pipeline/engine/), each made by one stage as Parquet parts in WORK
 * and read by the stages after it. Every part is checked against its schema before it is kept
 * (pipeline/engine/work.ts), so a stage that changes a table without its schema fails at once.
 */

const rank = z.int32().min(0);
const paragraphId = z.string().regex(/^[0-9a-f]{16}$/);

/** `dedup`: per paragraph id (a partition of them per task), where it first occurs and how often. */
export const dedupTable = z.object({
  paragraphId,
  /** (blob ordinal, occurrence ordinal) of the first occurrence, packed as blob · 2³² + ordinal. */
  firstPlace: z.bigint(),
  occurrenceCount: z.int32().min(1),
  blobCount: z.int32().min(1),
  /** Code points of its near-duplicate key (pipeline/analyze/neardup.ts), which bound the size of its features. */
  keyCharacters: z.int32().min(0),
});

/** `paragraph`: one row per distinct paragraph, numbered by first occurrence (the output order). */
export const paragraphTable = z.object({
  rank,
  paragraphId,
  /** Blob ordinal and occurrence ordinal of the first occurrence. */
  blob: z.int32().min(0),
  ordinal: z.int32().min(0),
  occurrenceCount: z.int32().min(1),
  blobCount: z.int32().min(1),
  /** Which range of ranks holds its near-duplicate features (table `feature`): ranges of bounded size, in rank order. */
  featureRange: z.int32().min(0),
});

/** `bucket_pair`: pairs found in the LSH buckets of one partition of band and deletion keys, with how many band keys they share there. */
export const bucketPairTable = z.object({ a: rank, b: rank, bands: z.int32().min(0), deletion: z.boolean() });

/** `candidate`: pairs of paragraphs (by rank, a < b) that may be near twins, with the feature range of each. */
export const candidateTable = z.object({ a: rank, b: rank, rangeA: z.int32().min(0), rangeB: z.int32().min(0) });

/** `feature`: what verification compares of each paragraph (pipeline/analyze/neardup.ts), one part per feature range. */
export const featureTable = z.object({
  rank,
  characters: z.int32().min(0),
  shingles: shardRowSchema.shape.shingles.unwrap(),
  words: shardRowSchema.shape.words.unwrap(),
});

/** `verified`: the candidate pairs that are near twins. */
export const verifiedTable = z.object({ a: rank, b: rank });

/** `cluster`: each paragraph that is not its near-duplicate cluster's first, with the first's rank. */
export const clusterTable = z.object({ rank, root: rank });

/** `context`: what a paragraph's neighbours in one blob lend to one of its own episodes (by catalog position). */
export const contextTable = z.object({ paragraphId, position: z.int32().min(0), bonus: z.number() });
