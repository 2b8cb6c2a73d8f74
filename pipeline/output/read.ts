import { readFileSync, statSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RecordBatchReader, type Field } from "apache-arrow";
import type { z } from "zod";
import { arrowSchema, columnName, columnSpecs, type ColumnSpec } from "../../schemas/columns.js";
import { manifestSchema, type Manifest } from "../../schemas/manifest.js";
import { occurrenceRowSchema, paragraphRowSchema, rejectSchema, type OccurrenceRow, type ParagraphRow, type Reject } from "../../schemas/records.js";
import { describeColumns, duckdbColumns, relationColumns } from "../engine/contract.js";
import { engineMemoryLimit, openEngine, sqlString, type Engine } from "../engine/database.js";
import { ScratchDirectory } from "../runtime/scratch.js";

/**
 * The reader of a build's OUT, paired with the writer (write.ts). It refuses an OUT this version
 * cannot read with one line that names the file (missing, unreadable, other columns: "rebuild
 * it"), and gives rows as the records of schemas/records.ts, each parsed with its schema so that
 * a drift is caught. Lookups are DuckDB queries over the Parquet files and rejects.csv, which
 * read what a lookup needs rather than whole tables; whole tables stream from the Arrow files,
 * one record batch at a time.
 */

/** OUT is not a build this version reads. */
export class InvalidBuildError extends Error {}

const SCHEMAS = { paragraphs: paragraphRowSchema, occurrences: occurrenceRowSchema, rejects: rejectSchema } as const;
type Table = keyof typeof SCHEMAS;
type RecordOf<T extends Table> = z.infer<(typeof SCHEMAS)[T]>;
/** Each table's record fields and their output columns, in column order. */
const FIELDS = Object.fromEntries(Object.entries(SCHEMAS).map(([table, schema]) => [table, columnSpecs(schema)])) as Record<Table, ColumnSpec[]>;

/** A record and its row in its table (1-based; the same row in Parquet, Arrow and CSV). */
export interface Numbered<T> {
  row: number;
  record: T;
}

/** A line of a file in RAW. */
export interface Place {
  sourceFile: string;
  line: number;
}

export interface BuildReader {
  readonly manifest: Manifest;
  paragraph(paragraphId: string): Promise<Numbered<ParagraphRow> | null>;
  /** The paragraphs of a near-duplicate cluster, in output order. */
  nearDuplicates(cluster: string): Promise<ParagraphRow[]>;
  /** The occurrence whose lines include the place. */
  occurrenceAt(place: Place): Promise<OccurrenceRow | null>;
  /** A paragraph's occurrences, in output order: the first is canonical. */
  occurrencesOf(paragraphId: string): Promise<Array<Numbered<OccurrenceRow>>>;
  /** The reject whose lines include the place, or that rejected the place's whole file (line 0). */
  rejectAt(place: Place): Promise<Reject | null>;
  /** For each place, in order, the paragraph of the occurrence that begins there, or null. */
  paragraphsStartingAt(places: readonly Place[]): Promise<Array<ParagraphRow | null>>;
  close(): Promise<void>;
}

const SCRATCH_PREFIX = "satc-read-";

/** Opens OUT for lookups: checks manifest.json and the tables' columns, then queries the files where they are. */
export async function openBuild(outDir: string): Promise<BuildReader> {
  const manifest = await readManifest(outDir);
  await ScratchDirectory.clearLeftovers(SCRATCH_PREFIX);
  const scratch = await ScratchDirectory.create(SCRATCH_PREFIX);
  const engine = await openEngine({ spillFolder: path.join(scratch.path, "spill"), threads: os.availableParallelism(), memoryLimit: engineMemoryLimit() }).catch(
    async (error: unknown) => {
      await scratch.remove();
      throw error;
    },
  );
  const close = async () => {
    engine.close();
    await scratch.remove();
  };
  try {
    const files = {
      paragraphs: await registerParquet(engine, outDir, "paragraphs"),
      occurrences: await registerParquet(engine, outDir, "occurrences"),
      rejects: await registerCsv(engine, outDir, "rejects"),
    };
    /** Rows a query selects; `tables` are those it reads, named when it fails. */
    const select = async (tables: readonly Table[], sql: string, values: ReadonlyArray<string | number> = []): Promise<Array<Record<string, unknown>>> => {
      try {
        return await engine.all(sql, values);
      } catch (error) {
        throw new InvalidBuildError(`${tables.map((table) => files[table]).join(" or ")} cannot be read (${firstLine(error)}); rebuild it.`);
      }
    };
    const records = async <T extends Table>(table: T, sql: string, values: ReadonlyArray<string | number>) =>
      (await select([table], sql, values)).map((row) => toRecord(table, files[table], (column) => row[column]));
    /** The query selects `file_row_number`, the row's place in its Parquet file (0-based). */
    const numbered = async <T extends Table>(table: T, sql: string, values: ReadonlyArray<string | number>) =>
      (await select([table], sql, values)).map((row) => ({ row: Number(row.file_row_number) + 1, record: toRecord(table, files[table], (column) => row[column]) }));
    return {
      manifest,
      paragraph: async (paragraphId) =>
        (await numbered("paragraphs", "SELECT * FROM paragraphs WHERE paragraph_id = $1 ORDER BY file_row_number LIMIT 1", [paragraphId]))[0] ?? null,
      nearDuplicates: (cluster) => records("paragraphs", "SELECT * FROM paragraphs WHERE near_dup_cluster = $1 ORDER BY file_row_number", [cluster]),
      occurrenceAt: async ({ sourceFile, line }) =>
        (await records("occurrences", "SELECT * FROM occurrences WHERE source_file = $1 AND line_start <= $2 AND $2 <= line_end ORDER BY file_row_number LIMIT 1", [sourceFile, line]))[0] ??
        null,
      occurrencesOf: (paragraphId) => numbered("occurrences", "SELECT * FROM occurrences WHERE paragraph_id = $1 ORDER BY file_row_number", [paragraphId]),
      rejectAt: async ({ sourceFile, line }) =>
        (
          await records(
            "rejects",
            // CSV has no row numbers: the order is by the whole row, source_file being fixed.
            "SELECT * FROM rejects WHERE source_file = $1 AND (line_start <= $2 AND $2 <= line_end OR line_start = 0) ORDER BY line_start, line_end, reason LIMIT 1",
            [sourceFile, line],
          )
        )[0] ?? null,
      async paragraphsStartingAt(places) {
        await engine.run("CREATE OR REPLACE TABLE place (ordinal INTEGER, source_file VARCHAR, line INTEGER)");
        const appender = await engine.appender("place", ["INTEGER", "VARCHAR", "INTEGER"]);
        // A line that is no int32 begins no paragraph.
        places.forEach((place, ordinal) => (isInt32(place.line) ? appender.row([ordinal, place.sourceFile, place.line]) : undefined));
        appender.close();
        const found = await select(
          ["paragraphs", "occurrences"],
          `SELECT q.ordinal, p.* FROM place q
           JOIN occurrences o ON o.source_file = q.source_file AND o.line_start = q.line
           JOIN paragraphs p ON p.paragraph_id = o.paragraph_id
           ORDER BY q.ordinal, o.file_row_number`,
        );
        const paragraphs: Array<ParagraphRow | null> = places.map(() => null);
        for (const row of found) paragraphs[row.ordinal as number] = toRecord("paragraphs", files.paragraphs, (column) => row[column]);
        return paragraphs;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A table's rows as records, batch by batch, from its Arrow IPC file. Synchronous, as `make diff`
 * is: the file's bytes are read whole (apache-arrow reads a file's footer by random access only
 * from a buffer or asynchronously), the records made one batch at a time.
 */
export function* readArrowTable<T extends "paragraphs" | "occurrences">(outDir: string, table: T): Generator<Array<RecordOf<T>>> {
  const file = existingFile(outDir, `${table}.arrow`);
  const unreadable = (error: unknown) => new InvalidBuildError(`${file} is not a readable Arrow IPC file (${firstLine(error)}); rebuild it.`);
  const reader = (() => {
    try {
      return RecordBatchReader.from(readFileSync(file)).open();
    } catch (error) {
      throw unreadable(error);
    }
  })();
  // An empty file opens as a stream without a schema.
  if (!reader.schema) throw unreadable("no schema");
  const describe = (fields: readonly Field[]) => fields.map((field) => `${field.name}:${String(field.type)}`).join(",");
  checkColumns(file, describe(reader.schema.fields), describe(arrowSchema(SCHEMAS[table]).fields));
  const batches = reader[Symbol.iterator]();
  while (true) {
    let next;
    try {
      next = batches.next();
    } catch (error) {
      throw unreadable(error);
    }
    if (next.done) return;
    const batch = next.value;
    // The columns are the schema's, in its order (checked above).
    const vectors = FIELDS[table].map((_, index) => batch.getChildAt(index)!);
    const records: Array<RecordOf<T>> = [];
    for (let row = 0; row < batch.numRows; row++) records.push(toRecord(table, file, (_, index) => vectors[index]!.get(row)));
    yield records;
  }
}

async function readManifest(outDir: string): Promise<Manifest> {
  const file = existingFile(outDir, "manifest.json");
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new InvalidBuildError(`${file} is not readable JSON (${firstLine(error)}); rebuild it.`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidBuildError(`${file}, field ${issue.path.map(String).join(".") || "(the whole file)"}: ${firstLine(issue)}; this version cannot read it. Rebuild it.`);
  }
  return parsed.data;
}

/** Checks a Parquet file's columns and makes it the view `table`, with each row's `file_row_number` (0-based). */
async function registerParquet(engine: Engine, outDir: string, table: Table): Promise<string> {
  const file = existingFile(outDir, `${table}.parquet`);
  let found;
  try {
    found = await relationColumns(engine, `read_parquet(${sqlString(file)})`);
  } catch (error) {
    throw new InvalidBuildError(`${file} is not a readable Parquet file (${firstLine(error)}); rebuild it.`);
  }
  checkColumns(file, describeColumns(found), describeColumns(duckdbColumns(SCHEMAS[table])));
  await engine.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet(${sqlString(file)}, file_row_number = true)`);
  return file;
}

/** Checks a CSV file's header and makes it the view `table`, typed by the schema and read as the writer writes (RFC 4180, `\n`). */
async function registerCsv(engine: Engine, outDir: string, table: Table): Promise<string> {
  const file = existingFile(outDir, `${table}.csv`);
  const handle = await open(file);
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0).finally(() => handle.close());
  const header = buffer.subarray(0, bytesRead).toString("utf8").split("\n", 1)[0]!;
  const columns = duckdbColumns(SCHEMAS[table]);
  checkColumns(file, header, columns.map(({ column }) => column).join(","));
  const types = columns.map(({ column, type }) => `${sqlString(column)}: ${sqlString(type)}`).join(", ");
  await engine.run(
    `CREATE VIEW ${table} AS SELECT * FROM read_csv(${sqlString(file)}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '\\n', columns = {${types}})`,
  );
  return file;
}

function existingFile(outDir: string, name: string): string {
  const file = path.join(outDir, name);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
    throw new InvalidBuildError(`${file} is missing; is ${outDir} a build output (make build-dataset OUT=${outDir})?`);
  }
  return file;
}

function checkColumns(file: string, found: string, expected: string): void {
  if (found !== expected) throw new InvalidBuildError(`${file} has columns ${found}; this version expects ${expected}. Rebuild it.`);
}

/** A row as the record its schema defines, or the one-line refusal of the file it came from; `valueOf` gives a column's value, by name or place. */
function toRecord<T extends Table>(table: T, file: string, valueOf: (column: string, index: number) => unknown): RecordOf<T> {
  const record: Record<string, unknown> = {};
  FIELDS[table].forEach(({ field, column }, index) => (record[field] = valueOf(column, index)));
  const parsed = SCHEMAS[table].safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidBuildError(`${file}, column ${issue.path.map((part) => columnName(String(part))).join(".")}: ${firstLine(issue)}; this version cannot read it. Rebuild it.`);
  }
  return parsed.data as RecordOf<T>;
}

const isInt32 = (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;

/** The first line of an error's message: DuckDB's add the query and a caret below it. */
function firstLine(error: unknown): string {
  return String((error as { message?: unknown }).message ?? error).split("\n", 1)[0]!;
}
