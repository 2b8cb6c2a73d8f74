import { readFileSync } from "node:fs";
import { lstat, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { manifestSchema, type Manifest } from "../schemas/manifest.js";
import { blobSchema, rejectSchema, type Reject } from "../schemas/records.js";
import type { BlobTaskResult, BlobWorkerSetup } from "./blob-worker.js";
import { AnalysisCache, analysisVersionOf } from "./cache.js";
import { runGlobalPhase, type CachedBlob } from "./engine/global-phase.js";
import { BuildInterrupted, describeFailure } from "./errors.js";
import { absolutePathOf, listRawFiles, type InputFile, type RawFile, type RawListing } from "./ingest.js";
import { languageModelVersion } from "./language.js";
import type { Assessment } from "./link/decide.js";
import { loadLinker, type LoadedLinker } from "./link/linker.js";
import { Lock } from "./lock.js";
import { WorkerPool } from "./pool.js";
import { isMain, PROJECT_ROOT, workerCodeVersion } from "./runtime.js";
import { Progress, type ProgressSinks, type StageRecord } from "./progress.js";
import { checkOwnership, resolvePlaces, type Places } from "./places.js";
import { clearLeftovers, discardStaging } from "./publish.js";
import { ScratchDirectory } from "./scratch.js";
import { sha256Hex, sha256OfFile } from "./text.js";
import { forTerminal } from "./terminal.js";
import { PipelineError, validateRecords } from "./validate.js";

export interface BuildOptions extends ProgressSinks {
  rawDir: string;
  outDir: string;
  /** Fail (after writing OUT) when anything was rejected: for CI that wants clean input. */
  strict?: boolean;
  /** Per-blob analyses, content-addressed; defaults to `.<OUT>.cache` beside OUT. */
  cacheDir?: string;
  /** Worker threads for the per-blob stage; defaults to one per core, and is capped (`workerCount`). */
  threads?: number;
  /** Sees how each paragraph's episode candidates stood before the decision (for fitting the calibration). */
  observeAssessment?: (paragraphId: string, assessment: Assessment | null) => void;
  /**
   * Stops the build at its next safe point, removing what it had begun (staging, scratch,
   * half-written cache entries); the CLI aborts it on SIGINT and SIGTERM. The abort reason
   * is thrown.
   */
  signal?: AbortSignal;
}

export interface BuildSummary {
  blobs: number;
  occurrences: number;
  paragraphs: number;
  linkedParagraphs: number;
  rejects: Reject[];
  outputs: Manifest["outputs"];
  /** Blobs analysed in this build (the rest came from the cache). */
  blobsAnalysed: number;
  /** True when OUT already held this build's outputs and nothing was rewritten. */
  upToDate: boolean;
  /** Rows, seconds, bytes and peak memory per stage (for `make bench`; never written to OUT). */
  stages: readonly StageRecord[];
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL("package.json", PROJECT_ROOT), "utf8")) as { version: string }).version;
/** The per-blob stage's worker: its import closure is part of the cache key. */
const BLOB_WORKER = new URL("./blob-worker.ts", import.meta.url);
const SCRATCH_PREFIX = "satc-build-";
/** More workers than this per core only cost memory (each holds the language model and the catalog). */
const MAX_THREADS_PER_CORE = 2;

/**
 * raw blobs → paragraphs, occurrences, episodes, rejects, a report and a manifest in OUT.
 *
 * 1. Per blob, on worker threads: split, ids, language, episode evidence, near-dup
 *    fingerprints (pipeline/analyze.ts), stored in the content-addressed cache.
 * 2. Global, streaming over the cached analyses in blob order, holding per paragraph its
 *    64-bit id, counts and offsets but no texts (near-dup keys and pairs wait on disk in a
 *    scratch folder): exact dedup and the near-dup index; then candidate pairs, their texts'
 *    features and context across blobs; then verification; then the final episode
 *    decisions, validation and the writers, batch by batch.
 */
export async function buildDataset(options: BuildOptions): Promise<BuildSummary> {
  const places = await resolvePlaces(options);
  const listing = await listRawFiles(places.raw);
  if (listing.files.length === 0) {
    throw new PipelineError(`RAW ${options.rawDir} holds no files (is its disk mounted?); nothing was built and OUT was left as it was.`);
  }
  await checkOwnership(places, options.outDir);
  const catalog = await loadLinker();
  const analysisVersion = await analysisVersionOf({
    code: await workerCodeVersion(BLOB_WORKER),
    lockFile: fileURLToPath(new URL("package-lock.json", PROJECT_ROOT)),
    languageModel: languageModelVersion(),
    catalog: catalog.version,
  });
  // The checks above only read, and another build's work in progress passes them; the locks
  // keep such a build from changing what is cleared and written from here on.
  const outLock = await Lock.acquire(places.lock, `OUT ${options.outDir}`);
  try {
    const cache = await AnalysisCache.openFolder(places.cache, analysisVersion);
    const cacheLock = await Lock.acquire(cache.lockFile, `CACHE ${places.cache}`);
    try {
      await clearLeftovers(places);
      await ScratchDirectory.clearLeftovers(SCRATCH_PREFIX);
      await cache.clearTemporaryEntries();
      return await buildInPlaces(options, places, listing, cache, catalog);
    } finally {
      await cacheLock.release();
    }
  } finally {
    await outLock.release();
  }
}

/** At most one worker per blob, and at most MAX_THREADS_PER_CORE per core. */
export function workerCount(requested: number, blobs: number, cores = os.availableParallelism()): number {
  if (!Number.isInteger(requested) || requested < 1) throw new PipelineError(`THREADS=${requested} is not a whole number of at least 1; pass e.g. THREADS=${cores}.`);
  return Math.max(1, Math.min(requested, blobs, MAX_THREADS_PER_CORE * cores));
}

async function buildInPlaces(
  options: BuildOptions,
  places: Places,
  listing: RawListing,
  cache: AnalysisCache,
  catalog: LoadedLinker,
): Promise<BuildSummary> {
  const { strict = false, log, signal } = options;
  const { outDir } = options;
  const progress = new Progress(options);
  const threads = workerCount(options.threads ?? os.availableParallelism(), listing.files.length);
  if (options.threads !== undefined && threads < Math.min(options.threads, listing.files.length)) {
    log(`THREADS=${options.threads}: using ${threads} worker threads (at most ${MAX_THREADS_PER_CORE} per core)`);
  }
  const { blobs, fileRejects, inputs, blobsAnalysed } = await analyseBlobs({ rawDir: places.raw, listing, cache, threads, progress, log, signal });
  const buildKey = sha256Hex(
    JSON.stringify([PACKAGE_VERSION, cache.analysisVersion, blobs.map(({ blob, cacheKey }) => [blob.sourceFile, cacheKey]), fileRejects, inputs]),
  );
  const previous = await upToDateManifest(places.out, buildKey);
  let summary: BuildSummary;
  if (previous) {
    const rejectRows = parse(await readFile(path.join(places.out, "rejects.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>;
    summary = {
      ...previous.counts,
      rejects: validateRecords(
        rejectSchema,
        rejectRows.map((row) => ({ sourceFile: row.source_file, lineStart: Number(row.line_start), lineEnd: Number(row.line_end), reason: row.reason })),
        "OUT/rejects.csv → summary",
      ),
      outputs: previous.outputs,
      blobsAnalysed,
      upToDate: true,
      stages: progress.stages,
    };
    log(forTerminal(`${outDir} is up to date (build key ${buildKey.slice(0, 12)}): nothing rewritten`));
  } else {
    // Scratch files of the global near-dup steps (spilled keys and pairs), never part of OUT.
    const scratch = await ScratchDirectory.create(SCRATCH_PREFIX);
    try {
      const assembled = await runGlobalPhase({
        blobs,
        fileRejects,
        inputs,
        cache,
        linker: catalog,
        places,
        buildKey,
        packageVersion: PACKAGE_VERSION,
        progress,
        scratch,
        signal,
        observeAssessment: options.observeAssessment,
      });
      summary = { ...assembled, blobsAnalysed, upToDate: false, stages: progress.stages };
    } catch (error) {
      await discardStaging(places);
      throw error;
    } finally {
      await scratch.remove();
    }
  }
  await cache.keepOnly(new Set(blobs.map(({ cacheKey }) => cacheKey)));

  for (const line of progress.summaryTable()) log(line);
  log(
    forTerminal(
      `built ${outDir}: ${summary.blobs} blobs (${blobsAnalysed} analysed, ${summary.blobs - blobsAnalysed} from cache) → ${summary.occurrences} occurrences → ` +
        `${summary.paragraphs} distinct paragraphs (${summary.linkedParagraphs} linked to an episode); ${summary.rejects.length} rejected`,
    ),
  );
  for (const reject of summary.rejects) log(forTerminal(`  rejected ${reject.sourceFile} lines ${reject.lineStart}-${reject.lineEnd}: ${reject.reason}`));
  if (strict && summary.rejects.length > 0) {
    throw new PipelineError(`STRICT: ${summary.rejects.length} input(s) rejected; see ${path.join(outDir, "rejects.csv")}.`);
  }
  return summary;
}

interface BlobStageInput {
  rawDir: string;
  listing: RawListing;
  cache: AnalysisCache;
  threads: number;
  progress: Progress;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

/** Stage 1: every raw file through a worker thread; analyses land in the cache. Results keep the sorted file order. */
async function analyseBlobs({ rawDir, listing, cache, threads, progress, log, signal }: BlobStageInput) {
  const { files, folderRejects } = listing;
  signal?.throwIfAborted();
  const setup: BlobWorkerSetup = { rawDir, cacheDirectory: cache.directory, analysisVersion: cache.analysisVersion };
  const pool = new WorkerPool<RawFile, BlobTaskResult>(BLOB_WORKER, threads, setup);
  const stopWorkers = () => void pool.close();
  signal?.addEventListener("abort", stopWorkers);
  // Largest blobs first, so that one big blob does not start last and leave the other
  // threads idle; results are kept in the sorted file order all the same.
  const sizes = await Promise.all(files.map((file) => lstat(absolutePathOf(rawDir, file.path)).then((stats) => stats.size, () => 0)));
  const stage = progress.stage("analyse blobs (split, language, evidence, fingerprints)", sizes.reduce((sum, size) => sum + size, 0));
  const largestFirst = files.map((_, order) => order).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const results: BlobTaskResult[] = new Array(files.length);
  try {
    await Promise.all(
      largestFirst.map(async (order) => {
        // A worker reports the bytes it analysed as it goes, so that a big blob shows progress.
        let reported = 0;
        const onProgress = (bytes: number) => {
          reported += bytes;
          stage.advance({ bytes });
        };
        const result = await pool.run(files[order]!, { onProgress, name: `analysing ${files[order]!.sourceFile}` });
        const bytes = (result.kind === "blob" ? result.blob.sizeBytes : 0) - reported;
        stage.advance({ rowsIn: 1, rowsOut: result.kind === "blob" && !result.cached ? 1 : 0, bytes });
        if (result.kind === "blob" && result.damagedEntry) log(forTerminal(result.damagedEntry));
        results[order] = result;
      }),
    );
  } catch (error) {
    // Workers stopped by an interruption fail their tasks: the interruption is what happened.
    signal?.throwIfAborted();
    throw error;
  } finally {
    signal?.removeEventListener("abort", stopWorkers);
    await pool.close();
    await cache.clearTemporaryEntries();
  }
  stage.done();
  const blobs: CachedBlob[] = [];
  const fileRejects: Reject[] = validateRecords(rejectSchema, folderRejects, "ingest → rejects");
  // Every file found, rejected or not, for the manifest.
  const inputs: InputFile[] = [];
  for (const result of results) {
    if (result.kind === "blob") {
      blobs.push({ blob: validateRecords(blobSchema, [result.blob], "ingest → split")[0]!, cacheKey: result.cacheKey });
      inputs.push({ path: result.blob.sourceFile, bytes: result.blob.sizeBytes, sha256: result.blob.blobSha256 });
    } else {
      fileRejects.push(validateRecords(rejectSchema, [result.reject], "ingest → rejects")[0]!);
      inputs.push(result.input);
    }
  }
  return { blobs, fileRejects, inputs, blobsAnalysed: results.filter((result) => result.kind === "blob" && !result.cached).length };
}

/** The manifest of OUT when it was built with `buildKey` and every output file still has its recorded hash. */
async function upToDateManifest(outDir: string, buildKey: string): Promise<Manifest | null> {
  try {
    const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(outDir, "manifest.json"), "utf8")));
    if (manifest.buildKey !== buildKey) return null;
    for (const output of manifest.outputs) {
      if ((await sha256OfFile(path.join(outDir, output.path))) !== output.sha256) return null;
    }
    return manifest;
  } catch {
    return null;
  }
}

/** THREADS as given on the command line: a whole number, checked by `workerCount`. */
export function parseThreads(text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new PipelineError(`THREADS=${text} is not a whole number; pass the number of worker threads, e.g. THREADS=${os.availableParallelism()}.`);
  return Number(text);
}

/**
 * The command line: one line on stderr for any failure (the stack trace with DEBUG=1), exit
 * 1; SIGINT or SIGTERM stop the build at its next safe point, which removes what it had
 * begun, and exit 130 or 143. A second signal exits at once.
 */
async function main(): Promise<number> {
  const interruption = new AbortController();
  const interrupt = (signal: "SIGINT" | "SIGTERM") => {
    const reason = new BuildInterrupted(signal);
    if (interruption.signal.aborted) process.exit(reason.exitCode);
    interruption.abort(reason);
  };
  process.on("SIGINT", interrupt).on("SIGTERM", interrupt);
  const toStderr = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const { values } = parseArgs({
      options: {
        raw: { type: "string", default: "raw" },
        out: { type: "string", default: "out" },
        cache: { type: "string" },
        threads: { type: "string" },
        timings: { type: "string" },
        strict: { type: "boolean", default: false },
      },
    });
    const summary = await buildDataset({
      rawDir: values.raw!,
      outDir: values.out!,
      strict: values.strict!,
      ...(values.cache !== undefined && { cacheDir: values.cache }),
      ...(values.threads !== undefined && { threads: parseThreads(values.threads) }),
      log: toStderr,
      ...(process.stderr.isTTY && { status: (line: string) => process.stderr.write(`\r\x1b[K${line}`) }),
      signal: interruption.signal,
    });
    if (values.timings) await writeFile(values.timings, `${JSON.stringify({ blobsAnalysed: summary.blobsAnalysed, upToDate: summary.upToDate, stages: summary.stages })}\n`);
    if (interruption.signal.aborted) {
      const { signal, exitCode } = interruption.signal.reason as BuildInterrupted;
      toStderr(`${signal} came after OUT was published; OUT is complete`);
      return exitCode;
    }
    return 0;
  } catch (error) {
    const debug = process.env.DEBUG === "1";
    // The one line may quote file names and text from RAW; a stack trace is for developers.
    toStderr(debug ? describeFailure(error, true) : forTerminal(describeFailure(error, false)));
    return error instanceof BuildInterrupted ? error.exitCode : 1;
  }
}

if (isMain(import.meta.url)) process.exit(await main());
