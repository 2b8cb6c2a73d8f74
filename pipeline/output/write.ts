import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, openAsBlob, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DataType,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Struct,
  vectorFromArray,
  type Schema,
  type StructRowProxy,
  type TypeMap,
  type Vector,
} from "apache-arrow";
import { stringify } from "csv-stringify/sync";
import * as parquet from "parquet-wasm";
import type { z } from "zod";
import { arrowSchema, columnSpecs } from "../../schemas/columns.js";

/**
 * Writes dataset tables as Parquet, Arrow IPC file and CSV, streaming: rows are cut into
 * record batches of a fixed size and every batch goes through one stream pipeline per format
 * (encoder → SHA-256 → file) as it comes; `write` waits until each pipeline has taken its
 * batch, so memory holds about one batch per format, whatever the size of the table.
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
  /**
   * What the table says about itself (which build made it): the Arrow schema's metadata, in the
   * Arrow file and in the Parquet file's embedded Arrow schema, and the Parquet key-value metadata.
   * At most one key: parquet-wasm (Rust hash maps) writes several in an order that changes from
   * writer to writer, and the bytes would no longer depend on the rows alone.
   */
  metadata?: ReadonlyMap<string, string>;
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
  const columns = arrowSchema(schema, options.metadata);
  const fields = columnSpecs(schema).map((spec) => spec.field);
  const files = await openFiles(columns, directory, name, formats, policy, options.metadata ?? new Map());
  const describe = () => files.map(({ sink }) => sink.file).join(", ");
  const discardAll = () => Promise.all(files.map(({ sink }) => sink.discard()));

  let pending: T[] = [];
  let pendingBytes = 0;
  let rows = 0;
  let busy = false;
  let state: "open" | "closed" | "failed" = "open";
  const flush = async () => {
    const batch = toRecordBatch(columns, fields, pending);
    pending = [];
    pendingBytes = 0;
    await Promise.all(files.map((file) => file.write(batch)));
    rows += batch.numRows;
  };
  /** Runs one call at a time; a failed call closes and deletes the files, so nothing half-written stays behind. */
  const run = async <R>(what: string, body: () => Promise<R>): Promise<R> => {
    if (busy) throw new Error(`${describe()}: ${what}() was called while another call was still running; await each write() before the next.`);
    if (state !== "open") throw new Error(`${describe()}: ${what}() was called after the writer was ${state === "closed" ? "closed" : "aborted by an earlier error"}.`);
    busy = true;
    try {
      return await body();
    } catch (error) {
      state = "failed";
      await discardAll();
      throw error;
    } finally {
      busy = false;
    }
  };

  return {
    write: (input) =>
      run("write", async () => {
        for (const row of input) {
          pending.push(row);
          pendingBytes += rowBytes(columns, fields, row);
          if (pending.length >= policy.rows || pendingBytes >= policy.bytes) await flush();
        }
      }),
    close: () =>
      run("close", async () => {
        if (pending.length > 0) await flush();
        const written: WrittenFile[] = [];
        for (const file of files) written.push({ path: path.basename(file.sink.file), rows, sha256: await file.close(rows) });
        state = "closed";
        return written;
      }),
    abort: async () => {
      if (state === "open") await discardAll();
      state = "failed";
    },
  };
}

interface BatchPolicy {
  rows: number;
  bytes: number;
}

function batchPolicy(options: TableWriterOptions): BatchPolicy {
  const rows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const bytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`pipeline/output/write.ts: batchRows must be a positive integer, got ${rows}.`);
  if (!(bytes >= 1)) throw new Error(`pipeline/output/write.ts: batchBytes must be at least 1, got ${bytes}.`);
  if ((options.metadata?.size ?? 0) > 1) throw new Error("pipeline/output/write.ts: metadata has several keys; give one (e.g. a JSON object), so that Parquet files are deterministic.");
  return { rows, bytes };
}

/**
 * The one way a record batch is built: each column from its values. Arrow and Parquet bytes depend
 * on how buffers were built, so building every batch this way makes the output depend on the values alone.
 */
function toRecordBatch(schema: Schema, fields: readonly string[], rows: readonly object[]): RecordBatch {
  const children = schema.fields.map((column, index) => {
    const values = rows.map((row) => arrowValue(column.type, (row as Record<string, unknown>)[fields[index]!]));
    return vectorFromArray(values, column.type).data[0]!;
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/** A record's value as Arrow's builders take it: ISO dates (`YYYY-MM-DD`) become epoch milliseconds, UTC. */
function arrowValue(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (DataType.isDate(type)) return Date.parse(value as string);
  // A typed array (a list of numbers) is taken as it is.
  if (DataType.isList(type)) return ArrayBuffer.isView(value) ? value : (value as unknown[]).map((item) => arrowValue(type.children[0]!.type, item));
  if (DataType.isStruct(type)) return Object.fromEntries(type.children.map((child) => [child.name, arrowValue(child.type, (value as Record<string, unknown>)[child.name])]));
  return value;
}

/** The size of a row as the batch policy counts it: UTF-8 bytes of text, the width of numbers and dates; nulls are free. */
function rowBytes(schema: Schema, fields: readonly string[], row: object): number {
  let bytes = 0;
  schema.fields.forEach((column, index) => (bytes += valueBytes(column.type, (row as Record<string, unknown>)[fields[index]!])));
  return bytes;
}

function valueBytes(type: DataType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (DataType.isUtf8(type)) return Buffer.byteLength(value as string, "utf8");
  if (DataType.isBinary(type)) return (value as Uint8Array).length;
  if (DataType.isFloat(type)) return 8;
  if (DataType.isBool(type)) return 1;
  if (DataType.isList(type)) return ArrayBuffer.isView(value) ? value.byteLength : (value as unknown[]).reduce<number>((sum, item) => sum + 4 + valueBytes(type.children[0]!.type, item), 0);
  if (DataType.isStruct(type)) return type.children.reduce((sum, child) => sum + valueBytes(child.type, (value as Record<string, unknown>)[child.name]), 0);
  return 4; // int32, date32
}

/** One file being written: `write` resolves once the file's pipeline has taken the batch. */
interface FileOutput {
  /** Its `discard` stops the whole pipeline (a pipeline destroys every stream when one fails) and deletes the file. */
  readonly sink: FileSink;
  write(batch: RecordBatch): Promise<void>;
  /** Finishes the file; `rows` is how many rows were written. Returns the SHA-256 of its bytes. */
  close(rows: number): Promise<string>;
}

async function openFiles(
  schema: Schema,
  directory: string,
  name: string,
  formats: readonly OutputFormat[],
  policy: BatchPolicy,
  metadata: ReadonlyMap<string, string>,
): Promise<FileOutput[]> {
  const duplicate = formats.find((format, index) => formats.indexOf(format) !== index);
  if (duplicate) throw new Error(`${path.join(directory, name)}: format "${duplicate}" is listed twice; list each format once.`);
  const sinks: FileSink[] = [];
  const outputs: FileOutput[] = [];
  try {
    for (const format of formats) {
      const sink = await FileSink.create(path.join(directory, `${name}.${format}`));
      sinks.push(sink);
      outputs.push(format === "arrow" ? arrowOutput(sink, schema) : format === "parquet" ? parquetOutput(sink, schema, policy, metadata) : csvOutput(sink, schema));
    }
  } catch (error) {
    await Promise.all(sinks.map((sink) => sink.discard()));
    throw error;
  }
  return outputs;
}

/** Passes bytes on unchanged, hashing and counting them. */
class Hashing extends Transform {
  private readonly hash = createHash("sha256");
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    callback(null, chunk);
    this.emit("progress");
  }

  /** Resolves once `bytes` bytes have passed; rejects when the pipeline failed. */
  async reached(bytes: number): Promise<void> {
    while (this.bytes < bytes) {
      if (this.destroyed) throw this.errored ?? new Error("the stream was closed early");
      await once(this, "progress");
    }
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

/**
 * The end of every format's pipeline: a SHA-256 of the bytes as they pass, then the file. Errors
 * come out naming the file and what to do, and a failed or aborted file is deleted.
 */
class FileSink {
  readonly hashing = new Hashing();
  private finished: Promise<void> | null = null;

  private constructor(
    readonly file: string,
    private readonly stream: WriteStream,
  ) {}

  static async create(file: string): Promise<FileSink> {
    const stream = createWriteStream(file);
    try {
      await once(stream, "ready");
    } catch (error) {
      throw new Error(`${file}: cannot create the file (${(error as Error).message}); check that its folder exists and is writable.`, { cause: error });
    }
    return new FileSink(file, stream);
  }

  /** Runs `stages` (the format's encoder; the first is the source) into the hash and the file. */
  connect(...stages: Array<NodeJS.ReadableStream | NodeJS.ReadWriteStream | ((source: AsyncIterable<RecordBatch>) => AsyncIterable<Uint8Array>)>): void {
    // pipeline takes async generator functions as stages too; its typings list only streams.
    const streams = [...stages, this.hashing, this.stream] as unknown as ReadonlyArray<NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream>;
    this.finished = pipeline(streams);
    this.finished.catch(() => undefined); // awaited in `settle`, or the file is being aborted
  }

  /** Waits for `event` (the pipeline taking more), failing as soon as the pipeline fails. */
  async until(event: Promise<unknown>): Promise<void> {
    await Promise.race([event, this.finished]).catch((error: unknown) => this.fail(error));
  }

  /** Waits for the pipeline to end and returns the file's SHA-256. */
  async settle(): Promise<string> {
    await this.finished!.catch((error: unknown) => this.fail(error));
    return this.hashing.digest();
  }

  fail(error: unknown): never {
    if (error instanceof Error && error.message.startsWith(`${this.file}: `)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if ((error as NodeJS.ErrnoException | null)?.syscall) {
      throw new Error(`${this.file}: writing failed (${message}); free disk space or fix permissions and run again.`, { cause: error });
    }
    throw new Error(`${this.file}: encoding failed (${message}); the file was deleted: run again, and report it if it repeats.`, { cause: error });
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    if (!this.stream.closed) await once(this.stream, "close").catch(() => undefined);
    await rm(this.file, { force: true }).catch(() => undefined);
  }
}

/**
 * apache-arrow's file writer takes batches without backpressure: its byte queue grows while the
 * file lags. Its position (bytes produced so far) lets `write` wait until the file has taken them.
 */
class PositionedFileWriter<T extends TypeMap = TypeMap> extends RecordBatchFileWriter<T> {
  get position(): number {
    return this._position;
  }
}

/** Arrow IPC file: magic, schema, one record batch message per batch, then the footer listing them. */
function arrowOutput(sink: FileSink, schema: Schema): FileOutput {
  const writer = new PositionedFileWriter();
  writer.reset(undefined, schema);
  // Node's Readable.from over the writer's bytes, not writer.toNodeStream(): when a pipeline is torn
  // down, apache-arrow's adapter leaves its pending read's rejection unhandled.
  sink.connect(Readable.from(writer, { objectMode: false }));
  return {
    sink,
    write: async (batch) => {
      writer.write(batch);
      await sink.until(sink.hashing.reached(writer.position));
    },
    close: async () => {
      writer.close();
      return sink.settle();
    },
  };
}

/**
 * Parquet through parquet-wasm's `transformParquetStream`: it pulls record batches (in wasm memory)
 * from a ReadableStream and emits the file's bytes row group by row group, one row group per
 * batch (tests/output/write.test.ts checks this). ZSTD compression; the file has no timestamps
 * (created_by is the fixed "parquet-rs version …" of the library). parquet-rs embeds the Arrow
 * schema (`ARROW:schema`, with the fields' descriptions and the table's metadata), and `metadata`
 * is also the file's key-value metadata.
 *
 * parquet-wasm ignores errors of individual writes, so `close` reads the footer back and checks the
 * row count.
 */
function parquetOutput(sink: FileSink, schema: Schema, policy: BatchPolicy, metadata: ReadonlyMap<string, string>): FileOutput {
  // parquet-rs closes a row group when it reaches max rows, or after a write once its bytes reach
  // max bytes; a 1-byte limit thus closes one after every batch (it never splits the first batch
  // of an empty row group), so each batch, cut by rows or by bytes, is exactly one row group.
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setMaxRowGroupSize(policy.rows)
    .setMaxRowGroupBytes(1)
    .setKeyValueMetadata(new Map(metadata))
    .build();
  const batches = new PassThrough({ objectMode: true, highWaterMark: 1 });
  sink.connect(batches, async function* (source: AsyncIterable<RecordBatch>) {
    yield* (await parquet.transformParquetStream(ReadableStream.from(wasmBatches(source)), properties)) as ReadableStream<Uint8Array>;
  });
  const offer = async (batch: RecordBatch) => {
    if (!batches.write(batch)) await sink.until(once(batches, "drain"));
  };
  return {
    sink,
    write: offer,
    close: async (rows) => {
      // A table without rows still gets its schema: Parquet takes it from a first batch, so give it an empty one.
      if (rows === 0) await offer(toRecordBatch(schema, [], []));
      batches.end();
      const sha256 = await sink.settle();
      const footerRows = await parquetFooterRows(sink.file).catch((error: unknown) => sink.fail(error));
      if (footerRows !== rows) {
        throw new Error(
          `${sink.file}: the Parquet footer says ${footerRows} rows but ${rows} were written (parquet-wasm drops write errors silently); ` +
            "the file was deleted: run again, and report it with the rows if it repeats.",
        );
      }
      return sha256;
    },
  };
}

/** Each Arrow batch handed to wasm memory through the IPC stream format, as it is pulled. */
async function* wasmBatches(source: AsyncIterable<RecordBatch>): AsyncGenerator<parquet.RecordBatch> {
  for await (const batch of source) {
    const table = parquet.Table.fromIPCStream(RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true));
    const wasmBatch = table.recordBatch(0);
    table.free();
    if (!wasmBatch) throw new Error("it read no record batch from Arrow's IPC bytes");
    yield wasmBatch;
  }
}

async function parquetFooterRows(file: string): Promise<number> {
  const parquetFile = await parquet.ParquetFile.fromFile(await openAsBlob(file));
  const metadata = parquetFile.metadata();
  const fileMetadata = metadata.fileMetadata();
  const rows = fileMetadata.numRows();
  fileMetadata.free();
  metadata.free();
  parquetFile.free();
  return rows;
}

/**
 * RFC 4180, UTF-8 without BOM, header row, `\n` line ends; nulls are empty fields, dates
 * `YYYY-MM-DD`, a list its items separated by spaces and a struct its fields by colons (`de:2 el:1`).
 */
function csvOutput(sink: FileSink, schema: Schema): FileOutput {
  const columns = schema.fields.map((field) => field.name);
  // csv-stringify quotes fields holding the delimiter, a quote or `\n`; RFC 4180 wants `\r` quoted too.
  const format = (records: unknown[][], header: boolean) => stringify(records, { header, columns, record_delimiter: "\n", eof: true, quoted_match: /\r/ });
  const text = new PassThrough();
  sink.connect(text);
  text.write(format([], true), "utf8");
  return {
    sink,
    write: async (batch) => {
      const vectors = schema.fields.map((field, index) => ({ type: field.type, vector: batch.getChildAt(index)! }));
      const records: unknown[][] = new Array(batch.numRows);
      for (let row = 0; row < batch.numRows; row++) records[row] = vectors.map(({ type, vector }) => csvValue(type, vector.get(row)));
      if (!text.write(format(records, false), "utf8")) await sink.until(once(text, "drain"));
    },
    close: async () => {
      text.end();
      return sink.settle();
    },
  };
}

function csvValue(type: DataType, value: unknown): unknown {
  if (value === null) return null;
  if (DataType.isDate(type)) return new Date(value as number).toISOString().slice(0, 10);
  if (DataType.isList(type)) return [...(value as Vector)].map((item) => csvValue(type.children[0]!.type, item)).join(" ");
  if (DataType.isStruct(type)) return type.children.map((child) => csvValue(child.type, (value as StructRowProxy)[child.name])).join(":");
  return value;
}
