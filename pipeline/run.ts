import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import { columnSpecs } from "../schemas/columns.js";
import { manifestSchema, type Manifest } from "../schemas/manifest.js";
import {
  episodeRowSchema,
  languageTaggedParagraphSchema,
  linkedParagraphSchema,
  occurrenceRowSchema,
  occurrenceSchema,
  paragraphRowSchema,
  distinctParagraphSchema,
  rejectSchema,
  type Occurrence,
  type ParagraphRow,
  type Reject,
} from "../schemas/records.js";
import { dedupExact } from "./dedup.js";
import { blobSequences, countLinksByEpisode, linkEpisodes, loadCatalog } from "./episode.js";
import { listRawFiles, readRawFile, type DecodedBlob } from "./ingest.js";
import { clusterNearDuplicates } from "./neardup.js";
import { loadLanguageIdentifier, tagLanguages } from "./language.js";
import { prepareStaging, swapIntoPlace } from "./publish.js";
import { renderReport } from "./report.js";
import { splitBlob } from "./split.js";
import { sha256Hex } from "./text.js";
import { checkNothingLost, PipelineError, validateRecords } from "./validate.js";
import { toArrowTable, writeTable } from "./write.js";

export interface BuildOptions {
  rawDir: string;
  outDir: string;
  /** Fail (after writing OUT) when anything was rejected: for CI that wants clean input. */
  strict?: boolean;
  /** Where progress and the summary go; tests pass a no-op. */
  log: (line: string) => void;
}

export interface BuildSummary {
  blobs: number;
  occurrences: number;
  paragraphs: number;
  linkedParagraphs: number;
  rejects: Reject[];
  outputs: Manifest["outputs"];
}

const READ_CONCURRENCY = 8;
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** raw blobs → paragraphs, occurrences, episodes, rejects and a manifest in OUT. */
export async function buildDataset({ rawDir, outDir, strict = false, log }: BuildOptions): Promise<BuildSummary> {
  const sourceFiles = await listRawFiles(rawDir);
  const limit = pLimit(READ_CONCURRENCY);
  const ingested = await Promise.all(sourceFiles.map((sourceFile) => limit(() => readRawFile(rawDir, sourceFile))));

  const decodedBlobs: DecodedBlob[] = [];
  const rejects: Reject[] = [];
  for (const result of ingested) {
    if (result.kind === "blob") decodedBlobs.push(result.decoded);
    else rejects.push(result.reject);
  }

  const occurrences: Occurrence[] = [];
  for (const decoded of decodedBlobs) {
    const split = splitBlob(decoded);
    occurrences.push(...split.occurrences);
    rejects.push(...split.rejects);
  }
  rejects.sort((a, b) => (a.sourceFile < b.sourceFile ? -1 : a.sourceFile > b.sourceFile ? 1 : a.lineStart - b.lineStart));
  validateRecords(occurrenceSchema, occurrences, "split → dedup");
  validateRecords(rejectSchema, rejects, "ingest → rejects");
  checkNothingLost(decodedBlobs, occurrences, rejects);

  const { paragraphs, occurrenceRows } = dedupExact(occurrences);
  validateRecords(distinctParagraphSchema, paragraphs, "dedup → language");
  validateRecords(occurrenceRowSchema, occurrenceRows, "dedup → occurrences");

  const identifier = await loadLanguageIdentifier();
  const tagged = validateRecords(languageTaggedParagraphSchema, await tagLanguages(paragraphs, identifier), "language → episode");

  const catalog = await loadCatalog();
  const linked = validateRecords(linkedParagraphSchema, linkEpisodes(tagged, blobSequences(occurrenceRows), catalog.index), "episode → write");

  const clusters = clusterNearDuplicates(linked);
  const paragraphRows: ParagraphRow[] = linked.map((paragraph, index) => ({ ...paragraph, nearDupCluster: clusters[index]! }));
  validateRecords(paragraphRowSchema, paragraphRows, "paragraphs → write");
  const episodeRows = validateRecords(episodeRowSchema, countLinksByEpisode(catalog.catalog, linked), "episodes → write");

  const staging = await prepareStaging(outDir);
  const outputs: Manifest["outputs"] = [
    ...(await writeTable(toArrowTable(paragraphRowSchema, paragraphRows), staging, "paragraphs", ["parquet", "arrow", "csv"])),
    ...(await writeTable(toArrowTable(occurrenceRowSchema, occurrenceRows), staging, "occurrences", ["parquet", "arrow", "csv"])),
    ...(await writeTable(toArrowTable(episodeRowSchema, episodeRows), staging, "episodes", ["parquet", "arrow", "csv"])),
    ...(await writeTable(toArrowTable(rejectSchema, rejects), staging, "rejects", ["csv"])),
  ];
  const provenance: Omit<Manifest, "outputs"> = {
    packageVersion: PACKAGE_VERSION,
    schemaVersion: schemaVersion(),
    languageModelVersion: identifier.version,
    catalogVersion: catalog.version,
    inputs: decodedBlobs.map(({ blob }) => ({ path: blob.sourceFile, bytes: blob.sizeBytes, sha256: blob.blobSha256 })),
  };
  const report = renderReport({
    blobs: decodedBlobs.length,
    occurrences: occurrences.length,
    paragraphs: paragraphRows,
    episodes: episodeRows,
    rejects,
    manifest: provenance,
  });
  await writeFile(path.join(staging, "report.html"), report);
  outputs.push({ path: "report.html", rows: null, sha256: sha256Hex(report) });
  const manifest = validateRecords(manifestSchema, [{ ...provenance, outputs }], "manifest → write")[0]!;
  await writeFile(path.join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await swapIntoPlace(outDir);

  const summary: BuildSummary = {
    blobs: decodedBlobs.length,
    occurrences: occurrences.length,
    paragraphs: paragraphs.length,
    linkedParagraphs: linked.filter((paragraph) => paragraph.episodeCode !== null).length,
    rejects,
    outputs,
  };
  log(
    `built ${outDir}: ${summary.blobs} blobs → ${summary.occurrences} occurrences → ${summary.paragraphs} distinct paragraphs ` +
      `(${summary.linkedParagraphs} linked to an episode); ${rejects.length} rejected`,
  );
  for (const reject of rejects) log(`  rejected ${reject.sourceFile} lines ${reject.lineStart}-${reject.lineEnd}: ${reject.reason}`);
  if (strict && rejects.length > 0) {
    throw new PipelineError(`STRICT: ${rejects.length} input(s) rejected; see ${path.join(outDir, "rejects.csv")}.`);
  }
  return summary;
}

/** Changes whenever an output column's name, type or nullability changes. */
function schemaVersion(): string {
  const layout = [paragraphRowSchema, occurrenceRowSchema, episodeRowSchema, rejectSchema].map((schema) =>
    columnSpecs(schema).map(({ column, type, nullable }) => [column, type, nullable]),
  );
  return sha256Hex(JSON.stringify(layout)).slice(0, 12);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      raw: { type: "string", default: "raw" },
      out: { type: "string", default: "out" },
      strict: { type: "boolean", default: false },
    },
  });
  try {
    await buildDataset({ rawDir: values.raw!, outDir: values.out!, strict: values.strict!, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (error) {
    if (error instanceof PipelineError) {
      process.stderr.write(`build failed: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
