import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { RecordBatchReader, tableFromIPC, type Schema } from "apache-arrow";
import { parse } from "csv-parse/sync";

/**
 * Real readers for each output format, each returning rows as plain objects with nulls
 * for missing values, so that one equality check covers every format.
 */
export type Row = Record<string, unknown>;

/**
 * Runs one query in a throw-away in-memory DuckDB and returns its rows as JS values, or with
 * `json` as JSON values (dates as `YYYY-MM-DD`, lists and structs as arrays and objects).
 */
export async function queryDuckDB<T>(sql: string, values: "js" | "json" = "js"): Promise<T[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return (values === "json" ? reader.getRowObjectsJson() : reader.getRowObjectsJS()) as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const parquetSource = (file: string) => `read_parquet('${file.replace(/'/g, "''")}')`;

export function readParquetRows(file: string): Promise<Row[]> {
  return queryDuckDB<Row>(`SELECT * FROM ${parquetSource(file)}`);
}

/** Nested values (lists, structs) come out as plain arrays and objects; dates as epoch milliseconds. */
export function readArrowRows(file: string): Row[] {
  const table = tableFromIPC(readFileSync(file));
  return table.toArray().map((row) => JSON.parse(JSON.stringify(row)) as Row);
}

/** CSV has no types: numeric columns are converted using the Arrow file's schema. */
export function readCsvRows(file: string, numericColumns: ReadonlySet<string>): Row[] {
  const records = parse(readFileSync(file, "utf8"), { columns: true, bom: false }) as Array<Record<string, string>>;
  return records.map((record) =>
    Object.fromEntries(
      Object.entries(record).map(([column, value]) => [
        column,
        value === "" ? null : numericColumns.has(column) ? Number(value) : value,
      ]),
    ),
  );
}

export async function parquetColumnTypes(file: string): Promise<Record<string, string>> {
  const columns = await queryDuckDB<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${parquetSource(file)}`);
  return Object.fromEntries(columns.map((column) => [column.column_name, column.column_type]));
}

/** Rows per row group of a Parquet file, in file order. */
export async function parquetRowGroupRows(file: string): Promise<number[]> {
  const groups = await queryDuckDB<{ row_group_num_rows: bigint | number }>(
    `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('${file.replace(/'/g, "''")}') ORDER BY row_group_id`,
  );
  return groups.map((group) => Number(group.row_group_num_rows));
}

/** The Parquet file's key-value metadata, without the embedded Arrow schema. */
export async function parquetKeyValueMetadata(file: string): Promise<Record<string, string>> {
  const entries = await parquetKeyValues(file);
  return Object.fromEntries(entries.filter(({ key }) => key !== "ARROW:schema").map(({ key, value }) => [key, value]));
}

/** The Arrow schema a Parquet file embeds (`ARROW:schema`: a base64 IPC schema message), with its field and schema metadata. */
export async function parquetArrowSchema(file: string): Promise<Schema> {
  const entry = (await parquetKeyValues(file)).find(({ key }) => key === "ARROW:schema");
  if (!entry) throw new Error(`${file} embeds no Arrow schema`);
  const reader = RecordBatchReader.from(Buffer.from(entry.value, "base64"));
  reader.open();
  return reader.schema;
}

function parquetKeyValues(file: string): Promise<Array<{ key: string; value: string }>> {
  return queryDuckDB(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${file.replace(/'/g, "''")}')`);
}
