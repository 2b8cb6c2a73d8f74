import type { Blob, Reject } from "../../schemas/records.js";
import { analyzeBlob, type AnalysisTools } from "./analyze.js";
import { AnalysisCache } from "../cache/cache.js";
import { readFileChunks } from "../ingest/chunks.js";
import { absolutePathOf, readRawFile, type InputFile, type RawFile } from "../ingest/ingest.js";
import { loadLanguageIdentifier } from "./language.js";
import { loadLinker } from "../link/linker.js";
import { serveTasks } from "../runtime/serve-tasks.js";

/**
 * A worker thread of the per-blob stage: scans one blob (hash, checks, layout), and unless
 * the cache already holds its analysis intact, reads it again to analyse it, writing the entry
 * batch by batch. Only progress (bytes analysed) and a small summary travel back to the
 * main thread; the analysis itself goes through the cache.
 */

export interface BlobWorkerSetup {
  rawDir: string;
  cacheDirectory: string;
  analysisVersion: string;
}

/** One file of RAW, with the build it belongs to: a worker may serve several builds (BlobWorkers). */
export interface BlobTask {
  setup: BlobWorkerSetup;
  file: RawFile;
}

export type BlobTaskResult =
  | { kind: "reject"; reject: Reject; input: InputFile }
  | { kind: "blob"; blob: Blob; cacheKey: string; cached: boolean; damagedEntry?: string };

// Loaded on the first cache miss only: a rebuild that changes nothing never loads the model.
// Loaded again only for another analysis version, which a worker kept across builds may meet.
let tools: { analysisVersion: string; loaded: Promise<AnalysisTools> } | undefined;
const loadTools = async (): Promise<AnalysisTools> => {
  const [identifier, linker] = await Promise.all([loadLanguageIdentifier(), loadLinker()]);
  return { identifier, linker };
};

export default serveTasks(async ({ setup, file }: BlobTask, reportProgress): Promise<BlobTaskResult> => {
  const cache = new AnalysisCache(setup.cacheDirectory, setup.analysisVersion);
  const ingested = await readRawFile(setup.rawDir, file);
  if (ingested.kind === "reject") return ingested;
  const { scanned } = ingested;
  const cacheKey = cache.keyOf(scanned.blob.blobSha256);
  const state = await cache.check(cacheKey);
  if (state === "valid") return { kind: "blob", blob: scanned.blob, cacheKey, cached: true };
  // A damaged entry is never trusted: it is analysed again, and the main thread says so.
  const damagedEntry = state === "missing" ? undefined : `cache entry ${cache.entryPath(cacheKey)} was damaged (${state.damaged}); ${file.sourceFile} was analysed again`;
  if (damagedEntry) await cache.drop(cacheKey);
  if (tools?.analysisVersion !== setup.analysisVersion) tools = { analysisVersion: setup.analysisVersion, loaded: loadTools() };
  const analysisTools = await tools.loaded;
  const entry = await cache.create(cacheKey);
  try {
    const chunks = readFileChunks(absolutePathOf(setup.rawDir, file.path));
    await entry.commit(await analyzeBlob(scanned, chunks, analysisTools, (batch) => entry.append(batch), { reportBytes: reportProgress }));
  } catch (error) {
    await entry.discard();
    throw error;
  }
  return { kind: "blob", blob: scanned.blob, cacheKey, cached: false, ...(damagedEntry && { damagedEntry }) };
});
