import { readFileSync } from "node:fs";
import { lstat, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { columnSpecs } from "../schemas/columns.js";
import { manifestSchema, type Manifest } from "../schemas/manifest.js";
import { blobSchema, episodeRowSchema, occurrenceRowSchema, paragraphRowSchema, rejectSchema, type Blob, type OccurrenceRow, type ParagraphRow, type Reject } from "../schemas/records.js";
import type { AnalyzedParagraph } from "./analyze.js";
import type { BlobTaskResult, BlobWorkerSetup } from "./blob-worker.js";
import { AnalysisCache, analysisVersionOf, type CachedAnalysis } from "./cache.js";
import { BuildInterrupted, describeFailure } from "./errors.js";
import { ExactDedup } from "./dedup.js";
import { mergeContext, type ContextBonus } from "./link/context.js";
import { assess, decideAssessed, type Assessment } from "./link/decide.js";
import { loadLinker } from "./link/linker.js";
import { EpisodeTally } from "./link/tally.js";
import { GrowableArray } from "./growable.js";
import { compareSourceFiles } from "./file-names.js";
import { absolutePathOf, listRawFiles, type InputFile, type RawFile, type RawListing } from "./ingest.js";
import { languageModelVersion } from "./language.js";
import { Lock } from "./lock.js";
import { NearDupClusters } from "./neardup-clusters.js";
import { NearDupIndex } from "./neardup-index.js";
import { nearDupKey } from "./neardup.js";
import { WorkerPool } from "./pool.js";
import { Progress, type ProgressSinks, type StageRecord } from "./progress.js";
import { checkOwnership, resolvePlaces, type Places } from "./places.js";
import { clearLeftovers, discardStaging, prepareStaging, swapIntoPlace } from "./publish.js";
import { ScratchDirectory } from "./spill.js";
import { ParagraphStatistics, renderReport } from "./report.js";
import { normalizeText, sha256Hex, sha256OfFile } from "./text.js";
import { forTerminal } from "./terminal.js";
import { PipelineError, validateRecords } from "./validate.js";
import { openTableWriter, type TableWriterOptions, type WrittenFile } from "./write.js";
import { renderDatasetCard, tableMetadata, type BuildProvenance } from "./dataset-card.js";

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

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string }).version;
const TABLE_FORMATS = ["parquet", "arrow", "csv"] as const;
const SCRATCH_PREFIX = "satc-build-";
/** More workers than this per core only cost memory (each holds the language model and the catalog). */
const MAX_THREADS_PER_CORE = 2;

interface ReadBlob {
  blob: Blob;
  cacheKey: string;
}

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
    sourceDirectories: [path.join(PROJECT_ROOT, "pipeline"), path.join(PROJECT_ROOT, "schemas")],
    lockFile: path.join(PROJECT_ROOT, "package-lock.json"),
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
  catalog: Awaited<ReturnType<typeof loadLinker>>,
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
      const assembled = await assemble(blobs, fileRejects, inputs, cache, catalog, places, buildKey, progress, scratch, signal, options.observeAssessment);
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
  const pool = new WorkerPool<RawFile, BlobTaskResult>(new URL("./blob-worker.ts", import.meta.url), threads, setup);
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
        const result = await pool.run(files[order]!, (bytes) => {
          reported += bytes;
          stage.advance({ bytes });
        });
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
  const blobs: ReadBlob[] = [];
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

/** Stage 2: the global steps over the cached analyses, writing OUT through a staging folder. */
async function assemble(
  blobs: ReadBlob[],
  fileRejects: Reject[],
  inputs: InputFile[],
  cache: AnalysisCache,
  catalog: Awaited<ReturnType<typeof loadLinker>>,
  places: Places,
  buildKey: string,
  progress: Progress,
  scratch: ScratchDirectory,
  signal: AbortSignal | undefined,
  observeAssessment: BuildOptions["observeAssessment"],
): Promise<Omit<BuildSummary, "blobsAnalysed" | "upToDate" | "stages">> {
  const totalBytes = blobs.reduce((sum, { blob }) => sum + blob.sizeBytes, 0);
  const decideLink = (paragraphId: string, evidence: AnalyzedParagraph["evidence"], context: ContextBonus) => {
    const assessment = assess(evidence, catalog.index, context);
    observeAssessment?.(paragraphId, assessment);
    return decideAssessed(assessment, catalog);
  };
  const eachAnalysis = async function* (ordinals: Iterable<number> = blobs.keys()): AsyncGenerator<[number, ReadBlob, CachedAnalysis]> {
    for (const ordinal of ordinals) {
      signal?.throwIfAborted();
      yield [ordinal, blobs[ordinal]!, await cache.open(blobs[ordinal]!.cacheKey)];
    }
  };

  // Exact dedup across blobs; near-dup fingerprints indexed in first-occurrence order.
  let stage = progress.stage("exact dedup, near-dup index", totalBytes);
  const dedup = new ExactDedup();
  const nearDupIndex = new NearDupIndex(scratch);
  const firstBlobOf = new GrowableArray((length) => new Int32Array(length));
  const repeatedAcrossBlobs = new Set<number>();
  const blobsToReread = new Set<number>();
  const lineRejects: Reject[] = [];
  let occurrences = 0;
  for await (const [ordinal, { blob }, analysis] of eachAnalysis()) {
    let blobOccurrences = 0;
    for await (const batch of analysis.batches()) {
      for (const occurrence of batch) {
        const { paragraphNumber, first } = dedup.add(occurrence.paragraphId);
        if (first) {
          nearDupIndex.add(paragraphNumber, occurrence.paragraph!.fingerprint);
          firstBlobOf.push(ordinal);
        } else if (occurrence.paragraph && firstBlobOf.at(paragraphNumber) !== ordinal) {
          repeatedAcrossBlobs.add(paragraphNumber);
          blobsToReread.add(ordinal).add(firstBlobOf.at(paragraphNumber));
        }
      }
      blobOccurrences += batch.length;
    }
    occurrences += blobOccurrences;
    lineRejects.push(...analysis.lineRejects.map((reject) => ({ sourceFile: blob.sourceFile, ...reject })));
    stage.advance({ bytes: blob.sizeBytes, rowsIn: blobOccurrences });
  }
  stage.done({ rowsIn: occurrences, rowsOut: dedup.paragraphs });

  // Candidate pairs, then verification: the texts of paragraphs in candidate pairs, and the
  // context of paragraphs that occur in several blobs, come from the blobs holding them.
  stage = progress.stage("near-dup candidates, texts, context across blobs");
  const clusters = new NearDupClusters(nearDupIndex, scratch);
  for (let paragraphNumber = 0; paragraphNumber < dedup.paragraphs; paragraphNumber++) {
    if (clusters.needsText[paragraphNumber]) blobsToReread.add(firstBlobOf.at(paragraphNumber));
  }
  const contextAcrossBlobs = new Map<number, ContextBonus>();
  let textsRead = 0;
  for await (const [ordinal, , analysis] of eachAnalysis([...blobsToReread].sort((a, b) => a - b))) {
    for await (const batch of analysis.batches()) {
      for (const { paragraph } of batch) {
        if (!paragraph) continue;
        const paragraphNumber = dedup.numberOf(paragraph.paragraphId);
        if (clusters.needsText[paragraphNumber] && firstBlobOf.at(paragraphNumber) === ordinal) {
          clusters.addText(paragraphNumber, nearDupKey(normalizeText(paragraph.text)));
          textsRead++;
        }
        if (repeatedAcrossBlobs.has(paragraphNumber)) {
          const context = contextAcrossBlobs.get(paragraphNumber) ?? new Map();
          contextAcrossBlobs.set(paragraphNumber, mergeContext(context, new Map(paragraph.context), paragraph.evidence.candidates, catalog.index));
        }
      }
    }
  }
  stage.done({ rowsIn: clusters.candidates, rowsOut: textsRead });

  stage = progress.stage("near-dup verification");
  const clusterRoots = clusters.roots();
  stage.done({ rowsIn: clusters.candidates, rowsOut: dedup.paragraphs });

  // Final decisions, validation and writing, blob by blob in output order.
  stage = progress.stage("link, validate, write", totalBytes);
  const staging = await prepareStaging(places);
  const build: BuildProvenance = {
    buildKey,
    packageVersion: PACKAGE_VERSION,
    schemaVersion: schemaVersion(),
    languageModelVersion: languageModelVersion(),
    catalogVersion: catalog.version,
  };
  const describedAs = (table: string) => ({ metadata: tableMetadata(table, build) });
  const paragraphWriter = await openTableWriter<ParagraphRow>(paragraphRowSchema, staging, "paragraphs", TABLE_FORMATS, describedAs("paragraphs"));
  const occurrenceWriter = await openTableWriter<OccurrenceRow>(occurrenceRowSchema, staging, "occurrences", TABLE_FORMATS, describedAs("occurrences"));
  const statistics = new ParagraphStatistics();
  const tally = new EpisodeTally();
  for await (const [ordinal, { blob }, analysis] of eachAnalysis()) {
    for await (const batch of analysis.batches()) {
      const occurrenceRows: OccurrenceRow[] = [];
      const paragraphRows: ParagraphRow[] = [];
      for (const { paragraph, ...place } of batch) {
        occurrenceRows.push({ sourceFile: blob.sourceFile, ...place, blobSha256: blob.blobSha256 });
        if (!paragraph) continue;
        const paragraphNumber = dedup.numberOf(paragraph.paragraphId);
        if (firstBlobOf.at(paragraphNumber) !== ordinal) continue;
        const context = contextAcrossBlobs.get(paragraphNumber) ?? new Map(paragraph.context);
        paragraphRows.push({
          paragraphId: paragraph.paragraphId,
          text: paragraph.text,
          language: paragraph.language,
          languageScore: paragraph.languageScore,
          ...decideLink(paragraph.paragraphId, paragraph.evidence, context),
          nearDupCluster: dedup.idOf(clusterRoots[paragraphNumber]!),
          sourceFile: blob.sourceFile,
          lineStart: place.lineStart,
          occurrenceCount: dedup.occurrenceCountOf(paragraphNumber),
        });
      }
      await occurrenceWriter.write(validateRecords(occurrenceRowSchema, occurrenceRows, "dedup → occurrences"));
      await paragraphWriter.write(validateRecords(paragraphRowSchema, paragraphRows, "paragraphs → write"));
      for (const row of paragraphRows) {
        statistics.observe(row);
        tally.add(row);
      }
      stage.advance({ rowsIn: occurrenceRows.length, rowsOut: paragraphRows.length });
    }
    stage.advance({ bytes: blob.sizeBytes });
  }
  const episodeRows = validateRecords(episodeRowSchema, tally.rows(catalog.catalog), "episodes → write");
  const rejects = validateRecords(rejectSchema, [...fileRejects, ...lineRejects].sort(bySourceAndLine), "ingest → rejects");
  const outputs: WrittenFile[] = [
    ...(await paragraphWriter.close()),
    ...(await occurrenceWriter.close()),
    ...(await writeAll(episodeRowSchema, episodeRows, staging, "episodes", TABLE_FORMATS, describedAs("episodes"))),
    ...(await writeAll(rejectSchema, rejects, staging, "rejects", ["csv"], describedAs("rejects"))),
  ];
  stage.done();

  stage = progress.stage("report, manifest, publish");
  const counts = { blobs: blobs.length, occurrences, paragraphs: dedup.paragraphs, linkedParagraphs: statistics.linked };
  const provenance: Omit<Manifest, "outputs"> = { ...build, counts, inputs };
  const report = renderReport({ blobs: blobs.length, occurrences, paragraphs: statistics, episodes: episodeRows, linkCounts: tally.counts, rejects, manifest: provenance, quality: catalog.quality });
  await writeFile(path.join(staging, "report.html"), report);
  const card = renderDatasetCard({ manifest: provenance, languages: statistics.languages, rejects: rejects.length, quality: catalog.quality });
  await writeFile(path.join(staging, "README.md"), card);
  const documents = [
    { path: "report.html", rows: null, sha256: sha256Hex(report) },
    { path: "README.md", rows: null, sha256: sha256Hex(card) },
  ];
  const manifest = validateRecords(manifestSchema, [{ ...provenance, outputs: [...outputs, ...documents] }], "manifest → write")[0]!;
  await writeFile(path.join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  signal?.throwIfAborted();
  await swapIntoPlace(places);
  stage.done();
  return { ...counts, rejects, outputs: manifest.outputs };
}

async function writeAll<T extends object>(schema: Parameters<typeof openTableWriter>[0], rows: T[], directory: string, name: string, formats: readonly ("parquet" | "arrow" | "csv")[], options: TableWriterOptions) {
  const writer = await openTableWriter<T>(schema, directory, name, formats, options);
  await writer.write(rows);
  return writer.close();
}

const bySourceAndLine = (a: Reject, b: Reject) => compareSourceFiles(a.sourceFile, b.sourceFile) || a.lineStart - b.lineStart;

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

/** Changes whenever an output column's name, type or nullability changes. */
function schemaVersion(): string {
  const layout = [paragraphRowSchema, occurrenceRowSchema, episodeRowSchema, rejectSchema].map((schema) =>
    columnSpecs(schema).map(({ column, type, nullable }) => [column, type, nullable]),
  );
  return sha256Hex(JSON.stringify(layout)).slice(0, 12);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(await main());
