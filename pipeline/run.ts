import { readFileSync } from "node:fs";
import { lstat, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { manifestSchema, type Manifest } from "../schemas/manifest.js";
import { rejectSchema, type Reject } from "../schemas/records.js";
import { globalWorkSchema, type BuildWork, type GlobalWork } from "../schemas/work.js";
import { AnalysisCache, analysisVersionOf } from "./cache/cache.js";
import { abortOnSignals, BuildInterrupted, reportFailure } from "./errors.js";
import { absolutePathOf, listRawFiles, type RawListing } from "./ingest/ingest.js";
import { languageModelVersion } from "./analyze/language.js";
import type { Assessment } from "./link/decide.js";
import { loadLinker, type LoadedLinker } from "./link/linker.js";
import { Lock } from "./runtime/lock.js";
import { codeVersion, isMain, PROJECT_ROOT } from "./runtime/bundles.js";
import { Progress, type ProgressSinks, type StageRecord } from "./runtime/progress.js";
import { BLOB_WORKER, blobBytes, defaultThreads, MAX_THREADS_PER_CORE, workerCount, type BlobWorkers } from "./tasks/blob-tasks.js";
import type { SlurmResources } from "./launch/sbatch.js";
import { launchSlurm } from "./launch/slurm.js";
import { missingRanks } from "./launch/work.js";
import type { BuildPlan } from "./tasks/plan.js";
import { buildPlan, runBuildTask, stageNamed, TASK_ENTRY } from "./tasks/stages.js";
import type { TaskHooks } from "./tasks/task-stage.js";
import { readCompletion, readWorkFile, workFiles } from "./tasks/work-files.js";
import { clearWorkFolder, prepareWorkFolder } from "./tasks/work-folder.js";
import { checkOwnership, resolvePlaces, type Places } from "./places.js";
import { clearLeftovers, discardStaging } from "./output/publish.js";
import { ScratchDirectory } from "./runtime/scratch.js";
import { forTerminal } from "./runtime/terminal.js";
import { PipelineError, validateRecords } from "./validate.js";

export interface BuildOptions extends ProgressSinks {
  rawDir: string;
  outDir: string;
  /** Fail (after writing OUT) when anything was rejected: for CI that wants clean input. */
  strict?: boolean;
  /** Per-blob analyses, content-addressed; defaults to `.<OUT>.cache` beside OUT. */
  cacheDir?: string;
  /** Worker threads for the per-blob stage; defaults to one per core and MiB of RAW (`defaultThreads`), and is capped (`workerCount`). */
  threads?: number;
  /** Tasks per partitioned stage, and blob groups on Slurm (default `defaultPartitions`); the outputs do not depend on it. */
  partitions?: number;
  /** Where the tasks run: in this process (the default), or as Slurm job arrays (pipeline/launch/slurm.ts). */
  launcher?: "local" | "slurm";
  /** The folder the tasks share (on Slurm, one every node sees); a rerun with the same WORK resumes. Default: a scratch folder (local only). */
  workDir?: string;
  /** CPUs and memory per Slurm task, the partition and time limit, and the task command (default `node dist/task.mjs`; e.g. wrapped in a container). */
  slurm?: Partial<SlurmResources> & { command?: readonly string[]; pollMs?: number };
  /** Sees how each paragraph's episode candidates stood before the decision (for fitting the calibration). */
  observeAssessment?: (paragraphId: string, assessment: Assessment | null) => void;
  /** Worker threads for the per-blob stage that the caller keeps across builds (tests build many times); by default the build starts and stops its own. */
  workers?: BlobWorkers;
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
const SCRATCH_PREFIX = "satc-build-";

/**
 * raw blobs → paragraphs, occurrences, episodes, rejects, a report and a manifest in OUT.
 *
 * Checks the places (places.ts), takes the locks, prepares WORK and runs the build's stages of
 * tasks (tasks/stages.ts) in this process or on Slurm; the last task publishes OUT. Then prints
 * the summary and keeps only the cache entries this build used.
 */
export async function buildDataset(options: BuildOptions): Promise<BuildSummary> {
  if (options.launcher === "slurm" && options.workDir === undefined) {
    throw new PipelineError("LAUNCHER=slurm needs WORK=<a folder on storage every node of the cluster sees>, where the tasks share their files; nothing was built.");
  }
  const places = await resolvePlaces(options);
  const listing = await listRawFiles(places.raw);
  if (listing.files.length === 0) {
    throw new PipelineError(`RAW ${options.rawDir} holds no files (is its disk mounted?); nothing was built and OUT was left as it was.`);
  }
  await checkOwnership(places, options.outDir);
  const catalog = await loadLinker();
  const analysisVersion = await analysisVersionOf({
    code: await codeVersion(BLOB_WORKER),
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
      await cache.clearTemporaryEntries("own-and-dead");
      return await buildInPlaces(options, places, listing, cache, catalog);
    } finally {
      await cacheLock.release();
    }
  } finally {
    await outLock.release();
  }
}

async function buildInPlaces(options: BuildOptions, places: Places, listing: RawListing, cache: AnalysisCache, catalog: LoadedLinker): Promise<BuildSummary> {
  const { strict = false, log, signal, outDir, launcher = "local" } = options;
  const progress = new Progress(options);
  const stats = await Promise.all(listing.files.map((file) => lstat(absolutePathOf(places.raw, file.path), { bigint: true }).catch(() => null)));
  const sizes = stats.map((stat) => Number(stat?.size ?? 0));
  const threads = workerCount(options.threads ?? defaultThreads(blobBytes(sizes)), listing.files.length);
  if (launcher === "local" && options.threads !== undefined && threads < Math.min(options.threads, listing.files.length)) {
    log(`THREADS=${options.threads}: using ${threads} worker threads (at most ${MAX_THREADS_PER_CORE} per core)`);
  }
  const partitions = options.partitions ?? defaultPartitions(blobBytes(sizes), launcher);
  const build: BuildWork = {
    packageVersion: PACKAGE_VERSION,
    codeVersion: await codeVersion(TASK_ENTRY),
    analysisVersion: cache.analysisVersion,
    places,
    // Locally one blob task runs THREADS worker threads; on Slurm each group gets a task of its own, with a thread per CPU it was given.
    blobTasks: launcher === "slurm" ? Math.min(partitions, listing.files.length) : 1,
    partitions,
    threads: launcher === "slurm" ? null : threads,
    files: listing.files.map((file, index) => ({ sourceFile: file.sourceFile, path: Buffer.from(file.path).toString("hex"), sizeBytes: sizes[index]!, modifiedNs: String(stats[index]?.mtimeNs ?? 0) })),
    folderRejects: validateRecords(rejectSchema, listing.folderRejects, "ingest → rejects"),
  };
  const plan = buildPlan(build);
  const scratch = places.work === null ? await ScratchDirectory.create(SCRATCH_PREFIX) : null;
  const work = places.work ?? scratch!.path;
  let global: GlobalWork;
  try {
    if ((await prepareWorkFolder(work, build, plan)) === "resumed") log(forTerminal(`WORK ${work} holds this build, prepared before: resuming, completed tasks are skipped`));
    if (launcher === "slurm") {
      await launchSlurm({ work, stages: plan.stages }, { ...options.slurm, log, ...(options.status && { status: options.status }), ...(signal && { signal }), projectRoot: fileURLToPath(PROJECT_ROOT) });
      for (const stage of plan.stages) progress.add(await stageRecordOf(work, stage));
    } else {
      await runTasksHere(work, plan, progress, { linker: catalog, signal, observeAssessment: options.observeAssessment, workers: options.workers }, sizes);
    }
    global = await readWorkFile(workFiles.global(work), globalWorkSchema);
    if (scratch) await scratch.remove();
    else await clearWorkFolder(work);
  } catch (error) {
    await discardStaging(places);
    // A scratch folder goes; the user's WORK stays, so that a rerun resumes.
    await scratch?.remove();
    throw error;
  }
  await cache.keepOnly(new Set(global.blobs.map((blob) => blob.cacheKey)));
  const manifest = manifestSchema.parse(JSON.parse(await readFile(path.join(places.out, "manifest.json"), "utf8")));
  const summary: BuildSummary = { ...manifest.counts, rejects: global.rejects, outputs: manifest.outputs, blobsAnalysed: global.blobsAnalysed, upToDate: global.upToDate, stages: progress.stages };

  for (const notice of global.notices) log(forTerminal(notice));
  if (global.upToDate) log(forTerminal(`${outDir} is up to date (build key ${global.buildKey.slice(0, 12)}): nothing rewritten`));
  for (const line of progress.summaryTable()) log(line);
  log(
    forTerminal(
      `built ${outDir}: ${summary.blobs} blobs (${summary.blobsAnalysed} analysed, ${summary.blobs - summary.blobsAnalysed} from cache) → ${summary.occurrences} occurrences → ` +
        `${summary.paragraphs} distinct paragraphs (${summary.linkedParagraphs} linked to an episode); ${summary.rejects.length} rejected`,
    ),
  );
  for (const reject of summary.rejects) log(forTerminal(`  rejected ${reject.sourceFile} lines ${reject.lineStart}-${reject.lineEnd}: ${reject.reason}`));
  if (strict && summary.rejects.length > 0) {
    throw new PipelineError(`STRICT: ${summary.rejects.length} input(s) rejected; see ${path.join(outDir, "rejects.csv")}.`);
  }
  return summary;
}

/**
 * Tasks per partitioned stage unless PARTITIONS says otherwise: one per 64 MiB of RAW's blobs
 * (`blobBytes`), so that each task's share of the global phase fits DuckDB's memory (the 1 GB
 * corpus in one partition did not fit 4 GiB), and at least four on Slurm, whose tasks are the
 * unit of parallelism.
 */
export function defaultPartitions(rawBytes: number, launcher: "local" | "slurm"): number {
  return Math.min(MAX_PARTITIONS, Math.max(launcher === "slurm" ? 4 : 1, Math.ceil(rawBytes / BYTES_PER_PARTITION)));
}

const BYTES_PER_PARTITION = 64 * 1024 ** 2;

/**
 * LAUNCHER=local: every task in this process, one after another, skipping those WORK records as
 * completed; each stage is a line of the summary table, its rows in the stage's input (each task
 * reads all of it, or its own blobs), its rows out summed over its tasks.
 */
async function runTasksHere(work: string, plan: BuildPlan, progress: Progress, hooks: TaskHooks, sizes: number[]): Promise<void> {
  for (const stagePlan of plan.stages) {
    const { name } = stagePlan;
    const stage = progress.stage(stageNamed(name).title, name === "blobs" ? sizes.reduce((sum, size) => sum + size, 0) : 0);
    const totals = { rowsIn: 0, rowsOut: 0 };
    for (const rank of await missingRanks(work, stagePlan)) {
      hooks.signal?.throwIfAborted();
      const counts = await runBuildTask(work, name, rank, { ...hooks, advance: (done) => stage.advance(done) });
      totals.rowsIn = name === "blobs" ? totals.rowsIn + counts.rowsIn : counts.rowsIn;
      totals.rowsOut += counts.rowsOut;
    }
    stage.done(totals);
  }
}

/** A stage's line of the summary table from its tasks' completion markers (LAUNCHER=slurm): seconds and memory are the tasks' own, summed and the largest. */
async function stageRecordOf(work: string, { name, tasks }: BuildPlan["stages"][number]): Promise<StageRecord> {
  const counts = await Promise.all(Array.from({ length: tasks }, (_, rank) => readCompletion(work, name, rank)));
  return {
    name: stageNamed(name).title,
    rowsIn: name === "blobs" ? counts.reduce((sum, task) => sum + task.rowsIn, 0) : Math.max(...counts.map((task) => task.rowsIn)),
    rowsOut: counts.reduce((sum, task) => sum + task.rowsOut, 0),
    bytes: counts.reduce((sum, task) => sum + task.bytes, 0),
    seconds: counts.reduce((sum, task) => sum + task.seconds, 0),
    peakRssMiB: Math.max(...counts.map((task) => task.peakRssMiB)),
  };
}

/** THREADS as given on the command line: a whole number, checked by `workerCount`. */
export function parseThreads(text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new PipelineError(`THREADS=${text} is not a whole number; pass the number of worker threads, e.g. THREADS=${os.availableParallelism()}.`);
  return Number(text);
}

/** At most this many partitions: each is a task per partitioned stage, and a part file per table. */
export const MAX_PARTITIONS = 4096;

/** PARTITIONS as given on the command line: how many tasks each partitioned global stage splits into. */
export function parsePartitions(text: string): number {
  const partitions = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(partitions >= 1 && partitions <= MAX_PARTITIONS)) {
    throw new PipelineError(`PARTITIONS=${text} is not a whole number from 1 to ${MAX_PARTITIONS}; pass e.g. PARTITIONS=8 (one task per partition in each partitioned stage).`);
  }
  return partitions;
}

function parseLauncher(text: string): "local" | "slurm" {
  if (text !== "local" && text !== "slurm") throw new PipelineError(`LAUNCHER=${text} is neither local nor slurm; pass LAUNCHER=slurm WORK=<shared folder> to run on Slurm, or leave it out.`);
  return text;
}

function parseCpusPerTask(text: string): number {
  if (!/^\s*[1-9]\d*\s*$/.test(text)) throw new PipelineError(`CPUS_PER_TASK=${text} is not a whole number of at least 1; pass e.g. CPUS_PER_TASK=2.`);
  return Number(text);
}

function parseMemory(text: string): string {
  if (!/^[1-9]\d*[KMGT]?$/.test(text)) throw new PipelineError(`MEM=${text} is not a memory size as sbatch writes it; pass e.g. MEM=4G or MEM=500M.`);
  return text;
}

/**
 * The command line: one line on stderr for any failure (the stack trace with DEBUG=1), exit
 * 1; SIGINT or SIGTERM stop the build at its next safe point, which removes what it had
 * begun, and exit 130 or 143. A second signal exits at once.
 */
async function main(): Promise<number> {
  const interrupted = abortOnSignals();
  const toStderr = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const { values } = parseArgs({
      options: {
        raw: { type: "string", default: "raw" },
        out: { type: "string", default: "out" },
        cache: { type: "string" },
        threads: { type: "string" },
        partitions: { type: "string" },
        launcher: { type: "string", default: "local" },
        work: { type: "string" },
        "cpus-per-task": { type: "string" },
        mem: { type: "string" },
        "slurm-partition": { type: "string" },
        time: { type: "string" },
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
      ...(values.partitions !== undefined && { partitions: parsePartitions(values.partitions) }),
      launcher: parseLauncher(values.launcher!),
      ...(values.work !== undefined && { workDir: values.work }),
      slurm: {
        ...(values["cpus-per-task"] !== undefined && { cpusPerTask: parseCpusPerTask(values["cpus-per-task"]) }),
        ...(values.mem !== undefined && { mem: parseMemory(values.mem) }),
        ...(values["slurm-partition"] !== undefined && { partition: values["slurm-partition"] }),
        ...(values.time !== undefined && { time: values.time }),
      },
      log: toStderr,
      ...(process.stderr.isTTY && { status: (line: string) => process.stderr.write(`\r\x1b[K${line}`) }),
      signal: interrupted,
    });
    if (values.timings) await writeFile(values.timings, `${JSON.stringify({ blobsAnalysed: summary.blobsAnalysed, upToDate: summary.upToDate, stages: summary.stages })}\n`);
    if (interrupted.aborted) {
      const { signal, exitCode } = interrupted.reason as BuildInterrupted;
      toStderr(`${signal} came after OUT was published; OUT is complete`);
      return exitCode;
    }
    return 0;
  } catch (error) {
    return reportFailure(error, toStderr);
  }
}

if (isMain(import.meta.url)) process.exit(await main());
