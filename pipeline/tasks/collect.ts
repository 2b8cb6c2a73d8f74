import { readFile } from "node:fs/promises";
import path from "node:path";
import { manifestSchema, type Manifest } from "../../schemas/manifest.js";
import type { Reject } from "../../schemas/records.js";
import { blobResultsSchema, buildWorkSchema, globalWorkSchema, type BlobResults } from "../../schemas/work.js";
import { AnalysisCache } from "../cache/cache.js";
import { compareSourceFiles } from "../ingest/file-names.js";
import { sha256Hex, sha256OfFile } from "../text.js";
import type { TaskResult } from "./task-stage.js";
import { readWorkFile, workFiles, writeWorkFile } from "./work-files.js";

/**
 * The `collect` task, once every blob task completed: their results in the listing's order,
 * the build key (package, code and analysis versions, each blob's cache key, every reject and input),
 * whether OUT already holds this build, and every reject; written to WORK/global.json for the
 * global phase's tasks.
 */
export async function collectBlobResults(work: string): Promise<TaskResult> {
  const build = await readWorkFile(workFiles.build(work), buildWorkSchema);
  const results: BlobResults = [];
  for (let rank = 0; rank < build.blobTasks; rank++) results.push(...(await readWorkFile(workFiles.blobResults(work, rank), blobResultsSchema)));
  results.sort((a, b) => a.file - b.file);
  if (results.length !== build.files.length || results.some((result, file) => result.file !== file)) {
    throw new Error(`the blob tasks' results in ${path.dirname(workFiles.blobResults(work, 0))} do not cover RAW's ${build.files.length} files once each; remove WORK and build again`);
  }
  const blobs = results.flatMap((result) => (result.kind === "blob" ? [result] : []));
  const fileRejects = [...build.folderRejects, ...results.flatMap((result) => (result.kind === "reject" ? [result.reject] : []))];
  const inputs = results.map((result) => (result.kind === "blob" ? { path: result.blob.sourceFile, bytes: result.blob.sizeBytes, sha256: result.blob.blobSha256 } : result.input));
  const buildKey = sha256Hex(JSON.stringify([build.packageVersion, build.codeVersion, build.analysisVersion, blobs.map(({ blob, cacheKey }) => [blob.sourceFile, cacheKey]), fileRejects, inputs]));
  const cache = new AnalysisCache(build.places.cache, build.analysisVersion);
  const records = await Promise.all(blobs.map(({ cacheKey }) => cache.open(cacheKey)));
  const lineRejects = records.flatMap((record, ordinal) => record.lineRejects.map((reject) => ({ sourceFile: blobs[ordinal]!.blob.sourceFile, ...reject })));
  await writeWorkFile(workFiles.global(work), globalWorkSchema, {
    partitions: build.partitions,
    buildKey,
    packageVersion: build.packageVersion,
    places: build.places,
    upToDate: (await upToDateManifest(build.places.out, buildKey)) !== null,
    blobsAnalysed: blobs.filter((result) => !result.cached).length,
    notices: blobs.flatMap((result) => (result.damagedEntry ? [result.damagedEntry] : [])),
    blobs: blobs.map(({ blob, cacheKey }, ordinal) => ({ ordinal, sourceFile: blob.sourceFile, blobSha256: blob.blobSha256, sizeBytes: blob.sizeBytes, cacheKey, parquetPath: records[ordinal]!.parquetPath })),
    rejects: [...fileRejects, ...lineRejects].sort(bySourceAndLine),
    inputs,
  });
  return { rowsIn: results.length, rowsOut: blobs.length };
}

const bySourceAndLine = (a: Reject, b: Reject) => compareSourceFiles(a.sourceFile, b.sourceFile) || a.lineStart - b.lineStart;

/** The manifest of OUT when it was built with `buildKey` and every output file still has its recorded hash. */
export async function upToDateManifest(outDir: string, buildKey: string): Promise<Manifest | null> {
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
