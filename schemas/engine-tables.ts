import { z } from "zod";

/**
 * The global phase's tables in the embedded engine (pipeline/engine/): what each of its stages
 * makes and the stages after it read. The engine checks every table against its schema when
 * the stage that makes it is done (pipeline/engine/stages.ts), so a stage that changes a table
 * without its schema fails at once, naming the column.
 */

const rank = z.int32().min(0);
const paragraphId = z.string().regex(/^[0-9a-f]{16}$/);

/** `paragraph`: one row per distinct paragraph, numbered by first occurrence (the output order). */
export const paragraphTable = z.object({
  rank,
  paragraphId,
  /** Blob ordinal and occurrence ordinal of the first occurrence. */
  blob: z.int32().min(0),
  ordinal: z.int32().min(0),
  occurrenceCount: z.int32().min(1),
  blobCount: z.int32().min(1),
});

/** `candidate`: pairs of paragraphs (by rank, a < b) that may be near twins. */
export const candidateTable = z.object({ a: rank, b: rank });

/** `cluster`: each paragraph that is not its near-duplicate cluster's first, with the first's rank. */
export const clusterTable = z.object({ rank, root: rank });

/** `context`: what neighbouring paragraphs lend to a paragraph's own episodes (by catalog position). */
export const contextTable = z.object({
  paragraphId,
  context: z.array(z.object({ position: z.int32().min(0), bonus: z.number() })),
});
