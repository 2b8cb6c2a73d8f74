import { parentPort, workerData } from "node:worker_threads";
import type { Blob, Reject } from "../schemas/records.js";
import { analyzeBlob, type AnalysisTools } from "./analyze.js";
import { AnalysisCache } from "./cache.js";
import { loadCatalog } from "./episode.js";
import { readRawFile } from "./ingest.js";
import { loadLanguageIdentifier } from "./language.js";
import { serveTasks } from "./pool.js";

/**
 * A worker thread of the per-blob stage: reads one blob, and unless the cache already
 * holds its analysis, analyses it and stores the result there. Only a small summary
 * travels back to the main thread; the analysis itself goes through the cache.
 */

export interface BlobWorkerSetup {
  rawDir: string;
  cacheDirectory: string;
  analysisVersion: string;
}

export type BlobTaskResult =
  | { kind: "reject"; reject: Reject }
  | { kind: "blob"; blob: Blob; cacheKey: string; cached: boolean };

const { setup } = workerData as { setup: BlobWorkerSetup };
const cache = new AnalysisCache(setup.cacheDirectory, setup.analysisVersion);
// Loaded on the first cache miss only: a rebuild that changes nothing never loads the model.
let tools: Promise<AnalysisTools> | undefined;
const loadTools = async (): Promise<AnalysisTools> => {
  const [identifier, catalog] = await Promise.all([loadLanguageIdentifier(), loadCatalog()]);
  return { identifier, catalog: catalog.index };
};

serveTasks(parentPort!, async ({ sourceFile }: { sourceFile: string }): Promise<BlobTaskResult> => {
  const ingested = await readRawFile(setup.rawDir, sourceFile);
  if (ingested.kind === "reject") return ingested;
  const { blob } = ingested.decoded;
  const cacheKey = cache.keyOf(blob.blobSha256);
  if (await cache.has(cacheKey)) return { kind: "blob", blob, cacheKey, cached: true };
  const analysis = await analyzeBlob(ingested.decoded, await (tools ??= loadTools()));
  await cache.write(cacheKey, analysis);
  return { kind: "blob", blob, cacheKey, cached: false };
});
