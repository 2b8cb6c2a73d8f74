import { createHash, type Hash } from "node:crypto";
import { openAsBlob } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import path from "node:path";
import {
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  Table,
  tableToIPC,
  vectorFromArray,
  type Schema,
  type TypeMap,
} from "apache-arrow";
import { stringify } from "csv-stringify/sync";
import * as parquet from "parquet-wasm";
import type { z } from "zod";
import { arrowSchema, columnSpecs, type ColumnSpec } from "../schemas/columns.js";

/**
 * Writes dataset tables as Parquet, Arrow IPC file and CSV, streaming: rows are cut into
 * record batches of a fixed size and every batch is appended to every file as it comes, so
 * memory holds about one batch, whatever the size of the table.
 *
 * Batches are cut from the row sequence alone (see `BatchPolicy`), never from how a caller
 * chunks its `write()` calls, so the same rows always give byte-identical files.
 */

export type OutputFormat = "parquet" | "arrow" | "csv";

export interface WrittenFile {
  /** Relative to the directory written to. */
  path: string;
  rows: number;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
}

export interface TableWriter<T> {
  /** Appends rows in output order; any chunking by the caller gives the same bytes. Await each call before the next. */
  write(rows: readonly T[]): Promise<void>;
  /** Flushes and closes every file; one WrittenFile per format (path relative to directory, rows, sha256 of the file bytes). */
  close(): Promise<WrittenFile[]>;
  /** Closes and deletes every file, for when the table will not be finished (the caller failed). */
  abort(): Promise<void>;
}

export interface TableWriterOptions {
  /** Most rows per record batch, Parquet row group and CSV chunk. */
  batchRows?: number;
  /** A batch is also cut once its rows reach this many bytes of column data (UTF-8 text, 4/8-byte numbers). */
  batchBytes?: number;
}

/**
 * 10,000 rows: a paragraphs row is ~0.5 KB, so a batch is ~5 MB of column data. While a batch is
 * written, several copies of it are alive at once (the pending row objects, column arrays, the
 * Arrow batch, its IPC bytes, parquet-wasm's copy and encoded row group, the CSV records and text),
 * and the garbage collector lags behind them. Measured on 1,000,000 paragraphs rows (all three
 * formats): 10,000 rows peak at ~340 MiB RSS in 46 s, 20,000 at ~490 MiB in 51 s, 50,000 at
 * ~670 MiB in 68 s (a bare process is ~120 MiB). Row groups of 10,000 rows (~5 MB before
 * compression) are still well within what DuckDB, pyarrow and pandas read efficiently.
 */
export const DEFAULT_BATCH_ROWS = 10_000;
/**
 * 8 MiB: paragraphs can be up to 1 MiB each (split.ts), so a row count alone cannot bound a batch;
 * with this cap a batch of huge rows stays at about the size of an ordinary one.
 */
export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

/** Builds an in-memory Arrow table of a dataset (one record batch); its schema is derived from the zod schema. */
export function toArrowTable<T extends object>(schema: z.ZodObject, rows: readonly T[]): Table {
  return new Table([toRecordBatch(arrowSchema(schema), columnSpecs(schema), rows)]);
}

function toRecordBatch<T extends object>(schema: Schema, specs: readonly ColumnSpec[], rows: readonly T[]): RecordBatch {
  return assembleBatch(
    schema,
    rows.length,
    specs.map((spec) => rows.map((row) => (row as Record<string, unknown>)[spec.field] ?? null)),
  );
}

/**
 * The one way a record batch is built: each column from its JS values. Arrow and Parquet bytes
 * depend on how buffers were built (a sliced batch keeps its parent's null bitmaps, for one), so
 * building every written batch this way is what makes the output depend on the values alone.
 */
function assembleBatch(schema: Schema, length: number, columns: ReadonlyArray<readonly unknown[]>): RecordBatch {
  const children = schema.fields.map((field, index) => vectorFromArray(columns[index] as unknown[], field.type).data[0]!);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

/** Rows `start` to `end` of a batch, rebuilt with `assembleBatch`; a whole batch is taken as it is. */
function sliceBatch(batch: RecordBatch, start: number, end: number): RecordBatch {
  if (start === 0 && end === batch.numRows) return batch;
  const slice = batch.slice(start, end);
  return assembleBatch(
    batch.schema,
    slice.numRows,
    batch.schema.fields.map((_, index) => [...slice.getChildAt(index)!]),
  );
}

function emptyBatch(schema: Schema): RecordBatch {
  return assembleBatch(schema, 0, schema.fields.map(() => []));
}

/**
 * Opens one file per format under `directory` (named `name.format`, replacing existing files) and
 * returns a writer that appends rows to all of them as they come.
 */
export async function openTableWriter<T extends object>(
  schema: z.ZodObject,
  directory: string,
  name: string,
  formats: readonly OutputFormat[],
  options: TableWriterOptions = {},
): Promise<TableWriter<T>> {
  const policy = batchPolicy(options);
  const specs = columnSpecs(schema);
  const columns = arrowSchema(schema);
  const batches = await BatchWriter.open(columns, directory, name, formats, policy);
  const sizeOf = (row: T) => {
    let bytes = 0;
    for (const spec of specs) bytes += valueBytes(spec.type, (row as Record<string, unknown>)[spec.field]);
    return bytes;
  };

  let pending: T[] = [];
  let pendingBytes = 0;
  let busy = false;
  let state: "open" | "closed" | "failed" = "open";
  const flush = async () => {
    const rows = pending;
    pending = [];
    pendingBytes = 0;
    await batches.write(toRecordBatch(columns, specs, rows));
  };
  /** Runs one call at a time; a failed call closes and deletes the files, so nothing half-written stays behind. */
  const run = async <R>(what: string, body: () => Promise<R>): Promise<R> => {
    if (busy) throw new Error(`${batches.describe()}: ${what}() was called while another call was still running; await each write() before the next.`);
    if (state !== "open") throw new Error(`${batches.describe()}: ${what}() was called after the writer was ${state === "closed" ? "closed" : "aborted by an earlier error"}.`);
    busy = true;
    try {
      return await body();
    } catch (error) {
      state = "failed";
      await batches.abort();
      throw error;
    } finally {
      busy = false;
    }
  };

  return {
    write: (rows) =>
      run("write", async () => {
        for (const row of rows) {
          pending.push(row);
          pendingBytes += sizeOf(row);
          if (pending.length >= policy.rows || pendingBytes >= policy.bytes) await flush();
        }
      }),
    close: () =>
      run("close", async () => {
        if (pending.length > 0) await flush();
        const written = await batches.close();
        state = "closed";
        return written;
      }),
    abort: async () => {
      if (state === "open") await batches.abort();
      state = "failed";
    },
  };
}

/**
 * Writes one table in each requested format, with the same columns, types and row order. Each of
 * the table's record batches is cut like `openTableWriter` cuts rows, so a table from `toArrowTable`
 * gives the same bytes as writing its rows through `openTableWriter`.
 */
export async function writeTable(
  table: Table,
  directory: string,
  name: string,
  formats: readonly OutputFormat[],
  options: TableWriterOptions = {},
): Promise<WrittenFile[]> {
  const policy = batchPolicy(options);
  const writer = await BatchWriter.open(table.schema, directory, name, formats, policy);
  try {
    for (const batch of table.batches) {
      const sizes = rowBytes(batch);
      let start = 0;
      let bytes = 0;
      for (let row = 0; row < batch.numRows; row++) {
        bytes += sizes[row]!;
        if (row + 1 - start >= policy.rows || bytes >= policy.bytes) {
          await writer.write(sliceBatch(batch, start, row + 1));
          start = row + 1;
          bytes = 0;
        }
      }
      if (start < batch.numRows) await writer.write(sliceBatch(batch, start, batch.numRows));
    }
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

interface BatchPolicy {
  rows: number;
  bytes: number;
}

function batchPolicy(options: TableWriterOptions): BatchPolicy {
  const rows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const bytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`pipeline/write.ts: batchRows must be a positive integer, got ${rows}.`);
  if (!(bytes >= 1)) throw new Error(`pipeline/write.ts: batchBytes must be at least 1, got ${bytes}.`);
  return { rows, bytes };
}

/** The size of one value as the batch policy counts it: UTF-8 bytes of text, the width of a number; nulls are free. */
function valueBytes(type: ColumnSpec["type"], value: unknown): number {
  if (value === null || value === undefined) return 0;
  switch (type) {
    case "utf8":
      return Buffer.byteLength(String(value), "utf8");
    case "int32":
      return 4;
    case "float64":
      return 8;
    case "bool":
      return 1;
    case "uint32[]":
      return 4 * (value as ArrayLike<number>).length;
    case "binary":
      return (value as Uint8Array).length;
  }
}

/** `valueBytes` of each row of an Arrow batch, summed over its columns, read from the column buffers. */
function rowBytes(batch: RecordBatch): Float64Array {
  const sizes = new Float64Array(batch.numRows);
  batch.schema.fields.forEach((field, index) => {
    const typeId = String(field.type);
    let offset = 0;
    for (const data of batch.getChildAt(index)!.data) {
      for (let row = 0; row < data.length; row++) {
        if (!data.getValid(row)) continue;
        sizes[offset + row]! +=
          typeId === "Utf8" || typeId === "Binary"
            ? Number(data.valueOffsets[row + 1]!) - Number(data.valueOffsets[row]!) // sliced data has sliced offsets
            : typeId.startsWith("List")
            ? 4 * (Number(data.valueOffsets[row + 1]!) - Number(data.valueOffsets[row]!))
            : typeId === "Int32"
              ? 4
              : typeId === "Float64"
                ? 8
                : 1;
      }
      offset += data.length;
    }
  });
  return sizes;
}

/** The record batches of one table, appended to one file per format. */
class BatchWriter {
  private rows = 0;

  private constructor(
    private readonly schema: Schema,
    private readonly directory: string,
    private readonly outputs: ReadonlyArray<{ format: OutputFormat; fileName: string; encoder: Encoder }>,
  ) {}

  static async open(schema: Schema, directory: string, name: string, formats: readonly OutputFormat[], policy: BatchPolicy): Promise<BatchWriter> {
    const duplicate = formats.find((format, index) => formats.indexOf(format) !== index);
    if (duplicate) throw new Error(`${path.join(directory, name)}: format "${duplicate}" is listed twice; list each format once.`);
    const outputs: Array<{ format: OutputFormat; fileName: string; encoder: Encoder }> = [];
    try {
      for (const format of formats) {
        const fileName = `${name}.${format}`;
        const sink = await FileSink.open(path.join(directory, fileName));
        const encoder =
          format === "arrow" ? new ArrowEncoder(sink, schema) : format === "parquet" ? new ParquetEncoder(sink, policy) : new CsvEncoder(sink, schema);
        outputs.push({ format, fileName, encoder });
        await encoder.start();
      }
    } catch (error) {
      await Promise.all(outputs.map(({ encoder }) => encoder.abort()));
      throw error;
    }
    return new BatchWriter(schema, directory, outputs);
  }

  describe(): string {
    return this.outputs.map(({ fileName }) => path.join(this.directory, fileName)).join(", ");
  }

  async write(batch: RecordBatch): Promise<void> {
    const expected = this.schema.fields.map((field) => `${field.name}: ${field.type}`).join(", ");
    const actual = batch.schema.fields.map((field) => `${field.name}: ${field.type}`).join(", ");
    if (actual !== expected) throw new Error(`${this.describe()}: a record batch has columns (${actual}) instead of (${expected}); write one schema per table.`);
    if (batch.numRows === 0) return;
    await Promise.all(this.outputs.map(({ encoder }) => encoder.write(batch)));
    this.rows += batch.numRows;
  }

  async close(): Promise<WrittenFile[]> {
    // A table without rows still gets its schema: Parquet takes it from a first batch, so give it an empty one.
    if (this.rows === 0) {
      const empty = emptyBatch(this.schema);
      await Promise.all(this.outputs.map(({ encoder }) => encoder.write(empty)));
    }
    const written: WrittenFile[] = [];
    for (const { fileName, encoder } of this.outputs) {
      const sha256 = await encoder.close(this.rows);
      written.push({ path: fileName, rows: this.rows, sha256 });
    }
    return written;
  }

  async abort(): Promise<void> {
    await Promise.all(this.outputs.map(({ encoder }) => encoder.abort()));
  }
}

/** One file being written: buffered appends, with SHA-256 over every byte in order. Errors name the file. */
class FileSink {
  private static readonly BUFFER_BYTES = 1 << 20;
  private readonly hash: Hash = createHash("sha256");
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private handle: FileHandle | null;

  private constructor(
    readonly file: string,
    handle: FileHandle,
  ) {
    this.handle = handle;
  }

  static async open(file: string): Promise<FileSink> {
    try {
      return new FileSink(file, await open(file, "w"));
    } catch (error) {
      throw new Error(`${file}: cannot create the file (${(error as Error).message}); check that its folder exists and is writable.`, { cause: error });
    }
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return;
    this.hash.update(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= FileSink.BUFFER_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const buffer = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      for (let done = 0; done < buffer.byteLength; ) done += (await this.handle!.write(buffer, done, buffer.byteLength - done)).bytesWritten;
    } catch (error) {
      throw new Error(`${this.file}: writing failed (${(error as Error).message}); free disk space or fix permissions and run again.`, { cause: error });
    }
  }

  /** Writes what is buffered, closes the file and returns its SHA-256. */
  async close(): Promise<string> {
    await this.flush();
    const handle = this.handle!;
    this.handle = null;
    try {
      await handle.close();
    } catch (error) {
      throw new Error(`${this.file}: closing failed (${(error as Error).message}); free disk space or fix permissions and run again.`, { cause: error });
    }
    return this.hash.digest("hex");
  }

  /** Closes (if open) and deletes the file; never throws. */
  async discard(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    this.pending = [];
    await handle?.close().catch(() => undefined);
    await rm(this.file, { force: true }).catch(() => undefined);
  }
}

interface Encoder {
  start(): Promise<void>;
  write(batch: RecordBatch): Promise<void>;
  /** Finishes the file; `rows` is how many rows were written, for a consistency check. Returns the SHA-256. */
  close(rows: number): Promise<string>;
  abort(): Promise<void>;
}

/**
 * apache-arrow's file writer queues its bytes in memory until they are read; exposing how many
 * bytes it has produced lets the encoder read exactly those after each batch, so the queue is
 * empty between batches.
 */
class CountingFileWriter<T extends TypeMap = TypeMap> extends RecordBatchFileWriter<T> {
  get bytesProduced(): number {
    return this._position;
  }
}

/** Arrow IPC file: magic, one record batch message per batch, then the footer listing them. */
class ArrowEncoder implements Encoder {
  private readonly writer = new CountingFileWriter();
  private readonly bytes: AsyncIterator<Uint8Array> = this.writer[Symbol.asyncIterator]();
  private drained = 0;

  constructor(
    private readonly sink: FileSink,
    private readonly schema: Schema,
  ) {}

  async start(): Promise<void> {
    this.writer.reset(undefined, this.schema);
    await this.drain();
  }

  async write(batch: RecordBatch): Promise<void> {
    this.writer.write(batch);
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.drained < this.writer.bytesProduced) {
      const next = await this.bytes.next();
      if (next.done) throw new Error(`${this.sink.file}: the Arrow writer closed early; this is a bug in pipeline/write.ts.`);
      this.drained += next.value.byteLength;
      await this.sink.write(next.value);
    }
  }

  async close(): Promise<string> {
    this.writer.close();
    for (let next = await this.bytes.next(); !next.done; next = await this.bytes.next()) await this.sink.write(next.value);
    return this.sink.close();
  }

  async abort(): Promise<void> {
    try {
      this.writer.abort();
    } catch {
      // already closed
    }
    await this.sink.discard();
  }
}

/**
 * Parquet through parquet-wasm's `transformParquetStream`: it pulls record batches (in wasm memory)
 * from a ReadableStream and emits the file's bytes row group by row group, one row group per
 * batch (tests/write.test.ts checks this). ZSTD compression; the file has no
 * timestamps (created_by is the fixed "parquet-rs version …" of the library).
 *
 * parquet-wasm ignores errors of individual writes, so `close` reads the footer back and checks the
 * row count.
 */
class ParquetEncoder implements Encoder {
  private readonly batches = new PullQueue<parquet.RecordBatch>();
  private readonly pumped: Promise<void>;
  private failure: unknown = null;

  constructor(
    private readonly sink: FileSink,
    policy: BatchPolicy,
  ) {
    const batches = this.batches;
    // parquet-rs closes a row group when it reaches max rows, or after a write once its bytes reach
    // max bytes; a 1-byte limit thus closes one after every batch (it never splits the first batch
    // of an empty row group), so each batch, cut by rows or by bytes, is exactly one row group.
    const properties = new parquet.WriterPropertiesBuilder()
      .setCompression(parquet.Compression.ZSTD)
      .setMaxRowGroupSize(policy.rows)
      .setMaxRowGroupBytes(1)
      .build();
    // Not awaited here: transformParquetStream resolves only once it has the first batch.
    this.pumped = (async () => {
      const output = (await parquet.transformParquetStream(batches.stream, properties)) as ReadableStream<Uint8Array>;
      for await (const chunk of output) await this.sink.write(chunk);
    })();
    this.pumped.catch((error: unknown) => {
      this.failure = error;
      this.batches.fail(error);
    });
  }

  async start(): Promise<void> {}

  async write(batch: RecordBatch): Promise<void> {
    const table = parquet.Table.fromIPCStream(tableToIPC(new Table([batch]), "stream"));
    const wasmBatch = table.recordBatch(0);
    table.free();
    if (!wasmBatch) this.fail(new Error("it read no record batch from Arrow's IPC bytes"));
    await this.batches.offer(wasmBatch).catch((error: unknown) => this.fail(error));
  }

  async close(rows: number): Promise<string> {
    await this.batches.end().catch((error: unknown) => this.fail(error));
    await this.pumped.catch((error: unknown) => this.fail(error));
    const sha256 = await this.sink.close();
    let fileRows: number;
    try {
      const file = await parquet.ParquetFile.fromFile(await openAsBlob(this.sink.file));
      const metadata = file.metadata();
      const fileMetadata = metadata.fileMetadata();
      fileRows = fileMetadata.numRows();
      fileMetadata.free();
      metadata.free();
      file.free();
    } catch (error) {
      this.fail(error);
    }
    if (fileRows !== rows) {
      throw new Error(
        `${this.sink.file}: the Parquet footer says ${fileRows} rows but ${rows} were written (parquet-wasm drops write errors silently); ` +
          "the file was deleted: run again, and report it with the rows if it repeats.",
      );
    }
    return sha256;
  }

  /** Rethrows a failure of the pump or of parquet-wasm, naming the file; errors of the file itself already do. */
  private fail(error: unknown): never {
    const cause = this.failure ?? error;
    if (cause instanceof Error && cause.message.startsWith(`${this.sink.file}: `)) throw cause;
    throw new Error(
      `${this.sink.file}: parquet-wasm failed (${cause instanceof Error ? cause.message : String(cause)}); the file was deleted: run again, and report it if it repeats.`,
      { cause },
    );
  }

  async abort(): Promise<void> {
    this.batches.fail(new Error("aborted"));
    await this.sink.discard();
  }
}

/**
 * A ReadableStream whose consumer pulls items one at a time: `offer` resolves once the consumer
 * asks for the item after it, that is once it has finished with the one offered, so the producer
 * never runs more than one item ahead.
 */
class PullQueue<Item> {
  readonly stream: ReadableStream<Item>;
  private controller!: ReadableStreamDefaultController<Item>;
  private demand = deferred();
  private failed = deferred();
  private error: { value: unknown } | null = null;

  constructor() {
    this.failed.promise.catch(() => undefined);
    this.stream = new ReadableStream<Item>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          this.demand.resolve();
        },
        cancel: (reason) => {
          this.fail(reason ?? new Error("the consumer cancelled the stream"));
        },
      },
      { highWaterMark: 0 },
    );
  }

  private async wanted(): Promise<void> {
    await Promise.race([this.demand.promise, this.failed.promise]);
  }

  async offer(item: Item): Promise<void> {
    await this.wanted();
    this.demand = deferred();
    this.controller.enqueue(item);
    await this.wanted();
  }

  async end(): Promise<void> {
    await this.wanted();
    this.controller.close();
  }

  fail(error: unknown): void {
    if (this.error) return;
    this.error = { value: error };
    this.failed.reject(error);
    try {
      this.controller.error(error);
    } catch {
      // already closed or errored
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** RFC 4180, UTF-8 without BOM, header row, `\n` line ends; nulls are empty fields. */
class CsvEncoder implements Encoder {
  private readonly columns: string[];

  constructor(
    private readonly sink: FileSink,
    schema: Schema,
  ) {
    this.columns = schema.fields.map((field) => field.name);
  }

  async start(): Promise<void> {
    await this.sink.write(Buffer.from(this.format([], true), "utf8"));
  }

  async write(batch: RecordBatch): Promise<void> {
    const vectors = this.columns.map((_, index) => batch.getChildAt(index)!);
    const records: unknown[][] = new Array(batch.numRows);
    for (let row = 0; row < batch.numRows; row++) records[row] = vectors.map((vector) => vector.get(row));
    await this.sink.write(Buffer.from(this.format(records, false), "utf8"));
  }

  private format(records: unknown[][], header: boolean): string {
    // csv-stringify quotes fields holding the delimiter, a quote or `\n`; RFC 4180 wants `\r` quoted too.
    return stringify(records, { header, columns: this.columns, record_delimiter: "\n", eof: true, quoted_match: /\r/ });
  }

  close(): Promise<string> {
    return this.sink.close();
  }

  async abort(): Promise<void> {
    await this.sink.discard();
  }
}

