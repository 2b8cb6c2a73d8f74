import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { tableFromIPC } from "apache-arrow";
import { parse } from "csv-parse/sync";

/**
 * Real readers for each output format, each returning rows as plain objects with nulls
 * for missing values, so that one equality check covers every format.
 */
export type Row = Record<string, string | number | null>;

export async function readParquetRows(file: string): Promise<Row[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return reader.getRowObjectsJS() as Row[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function readArrowRows(file: string): Row[] {
  const table = tableFromIPC(readFileSync(file));
  return table.toArray().map((row) => ({ ...(row.toJSON() as Row) }));
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

export function parquetColumnTypes(file: string): Promise<Record<string, string>> {
  return (async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
      return Object.fromEntries((reader.getRowObjectsJS() as Array<{ column_name: string; column_type: string }>).map((r) => [r.column_name, r.column_type]));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  })();
}
