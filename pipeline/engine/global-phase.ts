import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { columnSpecs } from "../../schemas/columns.js";
import { manifestSchema, type Manifest } from "../../schemas/manifest.js";
import { episodeRowSchema, occurrenceRowSchema, paragraphRowSchema, rejectSchema, type Blob, type OccurrenceRow, type ParagraphRow, type Reject } from "../../schemas/records.js";
import { candidateTable, clusterTable, contextTable, paragraphTable } from "../../schemas/engine-tables.js";
import type { AnalysisCache } from "../cache.js";
import { compareSourceFiles } from "../file-names.js";
import type { InputFile } from "../ingest.js";
import { languageModelVersion } from "../language.js";
import type { ContextBonus } from "../link/context.js";
import { assess, decideAssessed, type Assessment } from "../link/decide.js";
import type { ParagraphEvidence } from "../link/evidence.js";
import type { LoadedLinker } from "../link/linker.js";
import { EpisodeTally } from "../link/tally.js";
import type { Places } from "../places.js";
import type { Progress } from "../progress.js";
import { prepareStaging, swapIntoPlace } from "../publish.js";
import { ParagraphStatistics, renderReport } from "../report.js";
import type { ScratchDirectory } from "../scratch.js";
import { sha256Hex } from "../text.js";
import { validateRecords } from "../validate.js";
import { openTableWriter, type TableWriterOptions, type WrittenFile } from "../write.js";
import { renderDatasetCard, tableMetadata, type BuildProvenance } from "../dataset-card.js";
import { computeContext } from "./context.js";
import { openEngine } from "./database.js";
import { dedupParagraphs } from "./dedup.js";
import { clusterNearDuplicates, findCandidates } from "./near-duplicates.js";
import { occurrenceSources, paragraphSources, storeClusters, type ParagraphSource } from "./outputs.js";
import { registerShards, type BlobShard } from "./shards.js";
import { runStages, type GlobalStage } from "./stages.js";

/**
 * The global phase: SQL stages over the per-blob cache entries (Parquet), on the embedded
 * DuckDB, then the final decisions and the writers. Each stage reads tables the ones before
 * it made and reports its rows and time:
 *
 * 1. exact dedup (`paragraph`);
 * 2. near-duplicate candidates from LSH buckets (`candidate`);
 * 3. verification of the candidates and their connected components (`cluster`);
 * 4. context from neighbouring paragraphs (`context`);
 * 5. the episode decision of every paragraph, validation and the three formats;
 * 6. report, manifest and publishing OUT.
 */

export interface CachedBlob {
  blob: Blob;
  cacheKey: string;
}

export interface GlobalPhaseInput {
  blobs: CachedBlob[];
  fileRejects: Reject[];
  inputs: InputFile[];
  cache: AnalysisCache;
  linker: LoadedLinker;
  places: Places;
  buildKey: string;
  packageVersion: string;
  progress: Progress;
  scratch: ScratchDirectory;
  signal: AbortSignal | undefined;
  observeAssessment: ((paragraphId: string, assessment: Assessment | null) => void) | undefined;
}

export interface GlobalPhaseResult {
  blobs: number;
  occurrences: number;
  paragraphs: number;
  linkedParagraphs: number;
  rejects: Reject[];
  outputs: Manifest["outputs"];
}

const TABLE_FORMATS = ["parquet", "arrow", "csv"] as const;
/** What DuckDB may hold in memory before it spills to the scratch folder. */
const ENGINE_MEMORY = "512MB";

export async function runGlobalPhase(input: GlobalPhaseInput): Promise<GlobalPhaseResult> {
  const { blobs, cache, linker, progress, scratch, signal } = input;
  const totalBytes = blobs.reduce((sum, { blob }) => sum + blob.sizeBytes, 0);
  const records = await Promise.all(blobs.map(({ cacheKey }) => cache.open(cacheKey)));
  const shards: BlobShard[] = blobs.map(({ blob }, ordinal) => ({ ordinal, sourceFile: blob.sourceFile, blobSha256: blob.blobSha256, parquetPath: records[ordinal]!.parquetPath }));
  const lineRejects = records.flatMap((record, ordinal) => record.lineRejects.map((reject) => ({ sourceFile: blobs[ordinal]!.blob.sourceFile, ...reject })));
  const engine = await openEngine({ scratchFolder: scratch.path, threads: os.availableParallelism(), memoryLimit: ENGINE_MEMORY });
  try {
    await registerShards(engine, shards);
    const counts = { paragraphs: 0, occurrences: 0 };
    await runStages(engine, globalStages(linker, counts, scratch.path), progress, signal);
    const { paragraphs, occurrences } = counts;

    signal?.throwIfAborted();
    let stage = progress.stage("link, validate, write", totalBytes);
    const staging = await prepareStaging(input.places);
    const statistics = new ParagraphStatistics();
    const tally = new EpisodeTally();
    const build: BuildProvenance = {
      buildKey: input.buildKey,
      packageVersion: input.packageVersion,
      schemaVersion: schemaVersion(),
      languageModelVersion: languageModelVersion(),
      catalogVersion: linker.version,
    };
    const describedAs = (table: string) => ({ metadata: tableMetadata(table, build) });
    const paragraphWriter = await openTableWriter<ParagraphRow>(paragraphRowSchema, staging, "paragraphs", TABLE_FORMATS, describedAs("paragraphs"));
    for await (const sources of paragraphSources(engine)) {
      signal?.throwIfAborted();
      const rows = validateRecords(paragraphRowSchema, sources.map((source) => paragraphRow(source, linker, input.observeAssessment)), "link → paragraphs");
      await paragraphWriter.write(rows);
      for (const row of rows) {
        statistics.observe(row);
        tally.add(row);
      }
      stage.advance({ rowsOut: rows.length });
    }
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
      stage.advance({ rowsIn: rows.length });
    }
    const episodeRows = validateRecords(episodeRowSchema, tally.rows(linker.catalog), "episodes → write");
    const rejects = validateRecords(rejectSchema, [...input.fileRejects, ...lineRejects].sort(bySourceAndLine), "ingest → rejects");
    const outputs: WrittenFile[] = [
      ...(await paragraphWriter.close()),
      ...(await occurrenceWriter.close()),
      ...(await writeAll(episodeRowSchema, episodeRows, staging, "episodes", TABLE_FORMATS, describedAs("episodes"))),
      ...(await writeAll(rejectSchema, rejects, staging, "rejects", ["csv"], describedAs("rejects"))),
    ];
    stage.advance({ bytes: totalBytes });
    stage.done();

    stage = progress.stage("report, manifest, publish");
    const totals = { blobs: blobs.length, occurrences, paragraphs, linkedParagraphs: statistics.linked };
    const provenance: Omit<Manifest, "outputs"> = { ...build, counts: totals, inputs: input.inputs };
    const report = renderReport({ blobs: blobs.length, occurrences, paragraphs: statistics, episodes: episodeRows, linkCounts: tally.counts, rejects, manifest: provenance, quality: linker.quality });
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
    await swapIntoPlace(input.places);
    stage.done();
    return { ...totals, rejects, outputs: manifest.outputs };
  } finally {
    engine.close();
  }
}

/**
 * The SQL stages, in order; `counts` gets the paragraphs and occurrences the first one found.
 * What each makes is checked against schemas/engine-tables.ts.
 */
function globalStages(linker: LoadedLinker, counts: { paragraphs: number; occurrences: number }, scratchFolder: string): GlobalStage[] {
  let candidates = 0;
  return [
    {
      name: "exact dedup",
      reads: ["shard"],
      makes: [{ table: "paragraph", schema: paragraphTable }],
      async run(engine) {
        Object.assign(counts, await dedupParagraphs(engine));
        return { rowsIn: counts.occurrences, rowsOut: counts.paragraphs };
      },
    },
    {
      name: "near-dup candidates",
      reads: ["paragraph", "shard"],
      makes: [{ table: "candidate", schema: candidateTable }],
      async run(engine) {
        candidates = await findCandidates(engine);
        return { rowsIn: counts.paragraphs, rowsOut: candidates };
      },
    },
    {
      name: "near-dup verification, clusters",
      reads: ["candidate", "paragraph", "shard"],
      makes: [{ table: "cluster", schema: clusterTable }],
      async run(engine) {
        const { verified, roots } = await clusterNearDuplicates(engine, counts.paragraphs, scratchFolder);
        await storeClusters(engine, roots);
        return { rowsIn: candidates, rowsOut: verified };
      },
    },
    {
      name: "context from neighbouring paragraphs",
      reads: ["shard"],
      makes: [{ table: "context", schema: contextTable }],
      async run(engine) {
        return { rowsIn: counts.occurrences, rowsOut: await computeContext(engine, linker.index) };
      },
    },
  ];
}

/** The final row of a distinct paragraph: its episode decided on its own evidence and its context. */
function paragraphRow(source: ParagraphSource, linker: LoadedLinker, observe: GlobalPhaseInput["observeAssessment"]): ParagraphRow {
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

const bySourceAndLine = (a: Reject, b: Reject) => compareSourceFiles(a.sourceFile, b.sourceFile) || a.lineStart - b.lineStart;

/** Changes whenever an output column's name, type or nullability changes. */
function schemaVersion(): string {
  const layout = [paragraphRowSchema, occurrenceRowSchema, episodeRowSchema, rejectSchema].map((schema) =>
    columnSpecs(schema).map(({ column, type, nullable }) => [column, type, nullable]),
  );
  return sha256Hex(JSON.stringify(layout)).slice(0, 12);
}
