import { z } from "zod";
import { manifestSchema } from "./manifest.js";
import { blobSchema, rejectSchema } from "./records.js";

/**
 * The files through which a build's tasks (pipeline/tasks/) learn what to do and hand their
 * results on, in WORK: written once by the process that prepares the build or by the task that
 * makes them, each to a temporary name and renamed into place, and read by tasks here or on
 * other nodes.
 */

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const inputFile = manifestSchema.shape.inputs.element;

/** WORK/build.json: the build as it was prepared, before anything was analysed. */
export const buildWorkSchema = z.object({
  packageVersion: z.string(),
  /** The version of the code every stage runs (the task entry's import closure): part of the build key, so that changed code rewrites OUT. */
  codeVersion: z.string().regex(/^[0-9a-f]{64}$/),
  /** The per-blob analysis's version: part of every cache key. */
  analysisVersion: z.string().min(1),
  /** Where OUT goes (resolved), and the staging and previous folders beside it. */
  places: z.object({ raw: z.string(), out: z.string(), cache: z.string(), staging: z.string(), previous: z.string(), lock: z.string(), work: z.string().nullable() }),
  /** Tasks of the per-blob stage (blob groups). */
  blobTasks: z.int32().min(1),
  /** Tasks of each partitioned global stage; the outputs do not depend on it. */
  partitions: z.int32().min(1),
  /** Worker threads per blob task; null: one per CPU the task was given. */
  threads: z.int32().min(1).nullable(),
  /**
   * RAW's files in source_file order: how outputs name each, its path under RAW as hex bytes, and
   * its size and modification time, so that a file changed since a failed build is not resumed.
   */
  files: z.array(z.object({ sourceFile: z.string().min(1), path: z.string().regex(/^([0-9a-f]{2})+$/), sizeBytes: z.number().int().min(0), modifiedNs: z.string().regex(/^\d+$/) })),
  /** The folders of RAW that could not be read. */
  folderRejects: z.array(rejectSchema),
});

/** WORK/blobs/part-<rank>.json: what one blob task found, per file it was given (by its place in `files`). */
export const blobResultsSchema = z.array(
  z.discriminatedUnion("kind", [
    z.object({ file: z.int32().min(0), kind: z.literal("reject"), reject: rejectSchema, input: inputFile }),
    z.object({ file: z.int32().min(0), kind: z.literal("blob"), blob: blobSchema, cacheKey: sha256, cached: z.boolean(), damagedEntry: z.string().optional() }),
  ]),
);

/** WORK/global.json: what the global phase's tasks need, written by the `collect` task once every blob was analysed. */
export const globalWorkSchema = z.object({
  partitions: z.int32().min(1),
  buildKey: sha256,
  packageVersion: z.string(),
  places: buildWorkSchema.shape.places,
  /** OUT already holds this build's outputs: the global tasks do nothing and OUT is left as it is. */
  upToDate: z.boolean(),
  /** Blobs analysed in this build (the rest came from the cache). */
  blobsAnalysed: z.int32().min(0),
  /** Lines telling the user about damaged cache entries that were analysed again. */
  notices: z.array(z.string()),
  /** The blobs in source_file order, with the cache entry holding each one's rows. */
  blobs: z.array(
    z.object({
      ordinal: z.int32().min(0),
      sourceFile: z.string().min(1),
      blobSha256: sha256,
      sizeBytes: z.int32().min(0),
      cacheKey: sha256,
      parquetPath: z.string().min(1),
    }),
  ),
  /** Every reject, in source_file and line order. */
  rejects: z.array(rejectSchema),
  /** manifest.json's inputs. */
  inputs: manifestSchema.shape.inputs,
});

/** WORK/completions/<stage>/<rank>: a task's counts, written when it completed. */
export const taskCountsSchema = z.object({
  rowsIn: z.number().int().min(0),
  rowsOut: z.number().int().min(0),
  bytes: z.number().int().min(0),
  seconds: z.number().min(0),
  peakRssMiB: z.number().int().min(0),
});

export type BuildWork = z.infer<typeof buildWorkSchema>;
export type BlobResults = z.infer<typeof blobResultsSchema>;
export type GlobalWork = z.infer<typeof globalWorkSchema>;
export type TaskCounts = z.infer<typeof taskCountsSchema>;
