import { writeFile } from "node:fs/promises";
import path from "node:path";
import { columnSpecs } from "../../schemas/columns.js";
import { manifestSchema, type Manifest } from "../../schemas/manifest.js";
import { episodeRowSchema, occurrenceRowSchema, paragraphRowSchema, rejectSchema, type OccurrenceRow, type ParagraphRow } from "../../schemas/records.js";
import type { GlobalWork } from "../../schemas/work.js";
import { renderDatasetCard, tableMetadata, type BuildProvenance } from "../output/dataset-card.js";
import { languageModelVersion } from "../analyze/language.js";
import type { ContextBonus } from "../link/context.js";
import { assess, decideAssessed, type Assessment } from "../link/decide.js";
import type { ParagraphEvidence } from "../link/evidence.js";
import type { LoadedLinker } from "../link/linker.js";
import { EpisodeTally } from "../link/tally.js";
import { prepareStaging, swapIntoPlace } from "../output/publish.js";
import { ParagraphStatistics, renderReport } from "../output/report.js";
import { sha256Hex } from "../text.js";
import { validateRecords } from "../validate.js";
import { openTableWriter, type TableWriterOptions, type WrittenFile } from "../output/write.js";
import type { Engine } from "./database.js";
import { occurrenceSources, paragraphSources, type ParagraphSource } from "./outputs.js";

const TABLE_FORMATS = ["parquet", "arrow", "csv"] as const;

export interface PublishOptions {
  engine: Engine;
  global: GlobalWork;
  linker: LoadedLinker;
  signal?: AbortSignal | undefined;
  /** Sees how each paragraph's episode candidates stood before the decision (for fitting the calibration). */
  observeAssessment?: ((paragraphId: string, assessment: Assessment | null) => void) | undefined;
  /** Rows written so far, for progress. */
  advance?: (counts: { rowsIn?: number; rowsOut?: number }) => void;
}

/**
 * The last stage: every paragraph's episode decided on its own evidence and its context, every
 * row validated and written in the three formats, then the report, the dataset card and the
 * manifest, all in a staging folder that is swapped into OUT only when complete.
 */
export async function publishOutputs({ engine, global, linker, signal, observeAssessment, advance }: PublishOptions): Promise<Manifest> {
  const staging = await prepareStaging(global.places);
  const statistics = new ParagraphStatistics();
  const tally = new EpisodeTally();
  const build: BuildProvenance = {
    buildKey: global.buildKey,
    packageVersion: global.packageVersion,
    schemaVersion: schemaVersion(),
    languageModelVersion: languageModelVersion(),
    catalogVersion: linker.version,
  };
  const describedAs = (table: string) => ({ metadata: tableMetadata(table, build) });
  const paragraphWriter = await openTableWriter<ParagraphRow>(paragraphRowSchema, staging, "paragraphs", TABLE_FORMATS, describedAs("paragraphs"));
  for await (const sources of paragraphSources(engine, global.blobs)) {
    signal?.throwIfAborted();
    const rows = validateRecords(paragraphRowSchema, sources.map((source) => paragraphRow(source, linker, observeAssessment)), "link → paragraphs");
    await paragraphWriter.write(rows);
    for (const row of rows) {
      statistics.observe(row);
      tally.add(row);
    }
    advance?.({ rowsOut: rows.length });
  }
  let occurrences = 0;
  const occurrenceWriter = await openTableWriter<OccurrenceRow>(occurrenceRowSchema, staging, "occurrences", TABLE_FORMATS, describedAs("occurrences"));
  for await (const sources of occurrenceSources(engine)) {
    signal?.throwIfAborted();
    const rows = sources.map((source): OccurrenceRow => ({
      sourceFile: source.source_file,
      lineStart: source.line_start,
      lineEnd: source.line_end,
      byteStart: source.byte_start,
      byteEnd: source.byte_end,
      blobSha256: source.blob_sha256,
      paragraphId: source.paragraph_id,
    }));
    await occurrenceWriter.write(validateRecords(occurrenceRowSchema, rows, "dedup → occurrences"));
    occurrences += rows.length;
    advance?.({ rowsIn: rows.length });
  }
  const episodeRows = validateRecords(episodeRowSchema, tally.rows(linker.catalog), "episodes → write");
  const rejects = validateRecords(rejectSchema, global.rejects, "ingest → rejects");
  const outputs: WrittenFile[] = [
    ...(await paragraphWriter.close()),
    ...(await occurrenceWriter.close()),
    ...(await writeAll(episodeRowSchema, episodeRows, staging, "episodes", TABLE_FORMATS, describedAs("episodes"))),
    ...(await writeAll(rejectSchema, rejects, staging, "rejects", ["csv"], describedAs("rejects"))),
  ];

  const counts = { blobs: global.blobs.length, occurrences, paragraphs: statistics.paragraphs, linkedParagraphs: statistics.linked };
  const provenance: Omit<Manifest, "outputs"> = { ...build, counts, inputs: global.inputs };
  const report = renderReport({ blobs: counts.blobs, occurrences, paragraphs: statistics, episodes: episodeRows, linkCounts: tally.counts, rejects, manifest: provenance, quality: linker.quality });
  await writeFile(path.join(staging, "report.html"), report);
  const card = renderDatasetCard({ manifest: provenance, languages: statistics.languages, rejects: rejects.length, quality: linker.quality });
  await writeFile(path.join(staging, "README.md"), card);
  const documents = [
    { path: "report.html", rows: null, sha256: sha256Hex(report) },
    { path: "README.md", rows: null, sha256: sha256Hex(card) },
  ];
  const manifest = validateRecords(manifestSchema, [{ ...provenance, outputs: [...outputs, ...documents] }], "manifest → write")[0]!;
  await writeFile(path.join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  signal?.throwIfAborted();
  await swapIntoPlace(global.places);
  return manifest;
}

/** The final row of a distinct paragraph: its episode decided on its own evidence and its context. */
function paragraphRow(source: ParagraphSource, linker: LoadedLinker, observe: PublishOptions["observeAssessment"]): ParagraphRow {
  const context: ContextBonus = new Map((source.context ?? []).map(({ position, bonus }) => [position, bonus]));
  const assessment = assess(JSON.parse(source.evidence) as ParagraphEvidence, linker.index, context);
  observe?.(source.paragraph_id, assessment);
  return {
    paragraphId: source.paragraph_id,
    text: source.text,
    language: source.language,
    languageScore: source.language_score,
    ...decideAssessed(assessment, linker),
    nearDupCluster: source.near_dup_cluster,
    sourceFile: source.source_file,
    lineStart: source.line_start,
    occurrenceCount: source.occurrence_count,
  };
}

async function writeAll<T extends object>(schema: Parameters<typeof openTableWriter>[0], rows: T[], directory: string, name: string, formats: readonly ("parquet" | "arrow" | "csv")[], options: TableWriterOptions) {
  const writer = await openTableWriter<T>(schema, directory, name, formats, options);
  await writer.write(rows);
  return writer.close();
}

/** Changes whenever an output column's name, type or nullability changes. */
function schemaVersion(): string {
  const layout = [paragraphRowSchema, occurrenceRowSchema, episodeRowSchema, rejectSchema].map((schema) =>
    columnSpecs(schema).map(({ column, type, nullable }) => [column, type, nullable]),
  );
  return sha256Hex(JSON.stringify(layout)).slice(0, 12);
}
