import { writeFile } from "node:fs/promises";
import path from "node:path";
import { makeData, RecordBatch, Struct, Table, tableToIPC, vectorFromArray } from "apache-arrow";
import { stringify } from "csv-stringify/sync";
import * as parquet from "parquet-wasm";
import type { z } from "zod";
import { arrowSchema, arrowType, columnSpecs } from "../schemas/columns.js";
import { sha256Hex } from "./text.js";

export type OutputFormat = "parquet" | "arrow" | "csv";

export interface WrittenFile {
  path: string;
  rows: number;
  sha256: string;
}

/** Builds the one in-memory Arrow table of a dataset; its schema is derived from the zod schema. */
export function toArrowTable<T extends object>(schema: z.ZodObject, rows: readonly T[]): Table {
  const specs = columnSpecs(schema);
  const children = specs.map((spec) => {
    const values = rows.map((row) => (row as Record<string, unknown>)[spec.field] ?? null);
    return vectorFromArray(values, arrowType(spec.type)).data[0]!;
  });
  const structType = new Struct(arrowSchema(schema).fields);
  const data = makeData({ type: structType, length: rows.length, nullCount: 0, children });
  return new Table([new RecordBatch(arrowSchema(schema), data)]);
}

/** Writes one table in each requested format, with the same columns, types and row order. */
export async function writeTable(table: Table, directory: string, name: string, formats: readonly OutputFormat[]): Promise<WrittenFile[]> {
  const written: WrittenFile[] = [];
  for (const format of formats) {
    const bytes = encode(table, format);
    const fileName = `${name}.${format}`;
    await writeFile(path.join(directory, fileName), bytes);
    written.push({ path: fileName, rows: table.numRows, sha256: sha256Hex(bytes) });
  }
  return written;
}

function encode(table: Table, format: OutputFormat): Uint8Array {
  switch (format) {
    case "arrow":
      return tableToIPC(table, "file");
    case "parquet":
      return toParquet(table);
    case "csv":
      return Buffer.from(toCsv(table), "utf8");
  }
}

function toParquet(table: Table): Uint8Array {
  const properties = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(table, "stream")), properties);
}

/** RFC 4180, UTF-8 without BOM, header row, `\n` line ends; nulls are empty fields. */
function toCsv(table: Table): string {
  const columns = table.schema.fields.map((field) => field.name);
  const vectors = columns.map((column) => table.getChild(column)!);
  const records: unknown[][] = [];
  for (let row = 0; row < table.numRows; row++) records.push(vectors.map((vector) => vector.get(row)));
  return stringify(records, { header: true, columns, record_delimiter: "\n", eof: true });
}

// TEMPORARY until the streaming writer lands: buffers every row.
export interface TableWriter<T> {
  write(rows: readonly T[]): Promise<void>;
  close(): Promise<WrittenFile[]>;
}
export async function openTableWriter<T extends object>(schema: z.ZodObject, directory: string, name: string, formats: readonly OutputFormat[]): Promise<TableWriter<T>> {
  const buffered: T[] = [];
  return {
    async write(rows) {
      buffered.push(...rows);
    },
    async close() {
      return writeTable(toArrowTable(schema, buffered), directory, name, formats);
    },
  };
}
