import os from "node:os";
import { blobResultsSchema, buildWorkSchema, type BlobResults } from "../../schemas/work.js";
import type { BlobTask, BlobTaskResult, BlobWorkerSetup } from "../analyze/blob-worker.js";
import { AnalysisCache } from "../cache/cache.js";
import { MAX_BLOB_BYTES } from "../ingest/ingest.js";
import { WorkerPool } from "../runtime/pool.js";
import { PipelineError } from "../validate.js";
import type { TaskHooks, TaskResult } from "./task-stage.js";
import { readWorkFile, workFiles, writeWorkFile } from "./work-files.js";

/** The per-blob stage's worker: its import closure is part of the cache key. */
export const BLOB_WORKER = new URL("../analyze/blob-worker.ts", import.meta.url);
/** More workers than this per core only cost memory (each holds the language model and the catalog). */
export const MAX_THREADS_PER_CORE = 2;

/**
 * THREADS when not given: one worker per core, but none beyond one per BYTES_PER_THREAD of the
 * blobs to analyse. Each worker loads the language model and indexes the catalog first, a
 * second or more, which is longer than analysing a small RAW takes.
 */
export function defaultThreads(blobBytes: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.ceil(blobBytes / BYTES_PER_THREAD)));
}

/** About a second of one worker's analysis (docs/scale.md). */
const BYTES_PER_THREAD = 1024 ** 2;

/** The bytes of files of these sizes that can be blobs: a larger file is rejected unread. */
export function blobBytes(sizes: readonly number[]): number {
  return sizes.reduce((sum, size) => sum + (size <= MAX_BLOB_BYTES ? size : 0), 0);
}

/** At most one worker per blob, and at most MAX_THREADS_PER_CORE per core. */
export function workerCount(requested: number, blobs: number, cores = os.availableParallelism()): number {
  if (!Number.isInteger(requested) || requested < 1) throw new PipelineError(`THREADS=${requested} is not a whole number of at least 1; pass e.g. THREADS=${cores}.`);
  return Math.max(1, Math.min(requested, blobs, MAX_THREADS_PER_CORE * cores));
}

/**
 * The files (by their place in the sorted listing) that each of `tasks` blob tasks analyses:
 * largest first, each to the task with the fewest bytes so far (the lowest rank on a tie), so
 * that the groups take about as long and the grouping depends on the listing alone.
 */
export function blobGroups(sizes: readonly number[], tasks: number): number[][] {
  const groups = Array.from({ length: tasks }, () => [] as number[]);
  const loads = new Array<number>(tasks).fill(0);
  const largestFirst = sizes.map((_, file) => file).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  for (const file of largestFirst) {
    const rank = loads.indexOf(Math.min(...loads));
    groups[rank]!.push(file);
    loads[rank]! += sizes[file]!;
  }
  return groups;
}

const newBlobPool = (threads: number) => new WorkerPool<BlobTask, BlobTaskResult>(BLOB_WORKER, threads, null);

/**
 * The per-blob stage's worker threads kept across builds, by pool size: a caller that builds
 * several times in one process (the tests) passes them (BuildOptions.workers), so that each
 * worker starts and loads the model and the catalog once. Otherwise a blob task starts its
 * own and stops them when done. The caller owns them: it closes them, or they end with its process.
 */
export class BlobWorkers {
  private readonly pools = new Map<number, WorkerPool<BlobTask, BlobTaskResult>>();

  /** The kept pool of `threads` workers, or a new one when it was closed (by an interrupted or failed build). */
  pool(threads: number): WorkerPool<BlobTask, BlobTaskResult> {
    const kept = this.pools.get(threads);
    if (kept && !kept.closed) return kept;
    const pool = newBlobPool(threads);
    this.pools.set(threads, pool);
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}

/**
 * Task `rank` of the `blobs` stage: its group of RAW's files through worker threads (split,
 * ids, language, episode evidence, near-dup fingerprints; pipeline/analyze/analyze.ts), each analysis
 * stored in the content-addressed cache unless it is there already; what it found per file goes
 * to WORK/blobs/part-<rank>.json. Largest blobs start first, so that one big blob does not start
 * last and leave the other threads idle.
 */
export async function runBlobTask(work: string, rank: number, hooks: TaskHooks): Promise<TaskResult> {
  const build = await readWorkFile(workFiles.build(work), buildWorkSchema);
  const group = blobGroups(build.files.map((file) => file.sizeBytes), build.blobTasks)[rank] ?? [];
  const threads = workerCount(build.threads ?? defaultThreads(blobBytes(group.map((file) => build.files[file]!.sizeBytes))), Math.max(1, group.length));
  const cache = new AnalysisCache(build.places.cache, build.analysisVersion);
  const setup: BlobWorkerSetup = { rawDir: build.places.raw, cacheDirectory: cache.directory, analysisVersion: build.analysisVersion };
  const results: BlobResults = [];
  let bytes = 0;
  if (group.length > 0) {
    const pool = hooks.workers?.pool(threads) ?? newBlobPool(threads);
    const stopWorkers = () => void pool.close();
    hooks.signal?.addEventListener("abort", stopWorkers);
    let failed = true;
    try {
      await Promise.all(
        group.map(async (file) => {
          const { sourceFile, path, sizeBytes } = build.files[file]!;
          // A worker reports the bytes it analysed as it goes, so that a big blob shows progress.
          let reported = 0;
          const onProgress = (done: number) => {
            reported += done;
            hooks.advance?.({ bytes: done });
          };
          const result = await pool.run({ setup, file: { sourceFile, path: Buffer.from(path, "hex") } }, { onProgress, name: `analysing ${sourceFile}` });
          hooks.advance?.({ rowsIn: 1, rowsOut: result.kind === "blob" && !result.cached ? 1 : 0, bytes: sizeBytes - reported });
          bytes += sizeBytes;
          results.push({ file, ...result });
        }),
      );
      failed = false;
    } catch (error) {
      // Workers stopped by an interruption fail their tasks: the interruption is what happened.
      hooks.signal?.throwIfAborted();
      throw error;
    } finally {
      hooks.signal?.removeEventListener("abort", stopWorkers);
      // Kept workers stay, unless a task failed: the group's other tasks may still be running.
      if (!hooks.workers || failed) await pool.close();
      await cache.clearTemporaryEntries("own");
    }
  }
  results.sort((a, b) => a.file - b.file);
  await writeWorkFile(workFiles.blobResults(work, rank), blobResultsSchema, results);
  return { rowsIn: group.length, rowsOut: results.filter((result) => result.kind === "blob" && !result.cached).length, bytes };
}

