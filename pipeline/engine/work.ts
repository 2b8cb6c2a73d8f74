import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";
import { sqlString, type Engine } from "./database.js";
import { checkRelation } from "./contract.js";

/**
 * The global phase's tables in WORK: each a folder of Parquet parts, one per task of the stage
 * that makes it (WORK/tables/<table>/part-<rank>.parquet), so that tasks on other nodes share
 * them through the file system. A part is written to a temporary name, checked against its
 * schema (schemas/engine-tables.ts) and renamed into place.
 */

export function partPath(work: string, table: string, rank: number): string {
  return path.join(work, "tables", table, `part-${String(rank).padStart(5, "0")}.parquet`);
}

/** Writes the rows of `select` as part `rank` of `table`; returns how many. */
export async function writePart(engine: Engine, work: string, table: string, rank: number, select: string, schema: z.ZodObject): Promise<number> {
  const file = partPath(work, table, rank);
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await engine.run(`COPY (${select}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`);
    await checkRelation(engine, `read_parquet(${sqlString(temporary)})`, table, schema);
    const [{ rows }] = (await engine.all<{ rows: bigint }>(`SELECT count(*) AS rows FROM read_parquet(${sqlString(temporary)})`)) as [{ rows: bigint }];
    await rename(temporary, file);
    return Number(rows);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Every table with parts in WORK as a view of all its parts (the parts of one stage's tasks together). */
export async function registerTables(engine: Engine, work: string): Promise<void> {
  const tables = await readdir(path.join(work, "tables")).catch(() => [] as string[]);
  for (const table of tables.sort()) {
    const parts = (await readdir(path.join(work, "tables", table))).filter((name) => /^part-\d{5}\.parquet$/.test(name)).sort();
    if (parts.length === 0) continue;
    const files = parts.map((name) => sqlString(path.join(work, "tables", table, name))).join(", ");
    await engine.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet([${files}])`);
  }
}

/**
 * Which partition a 16-hex-digit paragraph id falls in: its first eight hex digits as a number,
 * modulo the partitions. The build's own content id, never DuckDB's hash(), which changes
 * between versions.
 */
export function paragraphPartition(column: string, partitions: number): string {
  return `(('0x' || substr(${column}, 1, 8))::UBIGINT % ${partitions})`;
}
