import { mkdir } from "node:fs/promises";
import os from "node:os";
import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * The embedded engine of the global phase: an in-memory DuckDB per task that spills to a folder
 * of the build's own, so that joins, aggregations and sorts larger than memory are DuckDB's job
 * (within `memory_limit`). What a task keeps, it writes to Parquet in WORK (pipeline/engine/work.ts).
 */
export interface Engine {
  /** Runs statements that return nothing worth reading (CREATE, COPY). */
  run(sql: string): Promise<void>;
  /** All rows of a small result, as plain objects; `values` fill the statement's parameters ($1, $2, …). */
  all<T>(sql: string, values?: ReadonlyArray<string | number>): Promise<T[]>;
  /** A result as it comes, chunk by chunk (about 2,048 rows each), as plain objects. */
  stream<T>(sql: string): AsyncGenerator<T[]>;
  /**
   * Appends rows to a table (not a TEMP one: the appender has a connection of its own) whose
   * columns are of these types, in column order. Its own connection, because DuckDB ends a
   * connection's open stream, silently, when an appender on that connection flushes (every
   * 204,800 rows), and stages append what they compute from a stream.
   */
  appender(table: string, types: ReadonlyArray<"VARCHAR" | "INTEGER" | "DOUBLE">): Promise<{ row(values: ReadonlyArray<string | number>): void; close(): void }>;
  close(): void;
}

export interface EngineOptions {
  /** Where DuckDB spills what does not fit in memory. */
  spillFolder: string;
  threads: number;
  /** For example "1GB". */
  memoryLimit: string;
}

export async function openEngine({ spillFolder, threads, memoryLimit }: EngineOptions): Promise<Engine> {
  await mkdir(spillFolder, { recursive: true });
  // Loaded here, not with the module: DuckDB's native library costs a program that never opens an engine (make diff) ~35 MB and 0.2 s.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(threads),
    memory_limit: memoryLimit,
    temp_directory: spillFolder,
    // Results keep the order their queries ask for; every query that feeds an output has a full ORDER BY.
    preserve_insertion_order: "true",
  });
  const connection: DuckDBConnection = await instance.connect();
  return {
    async run(sql) {
      await connection.run(sql);
    },
    async all<T>(sql: string, values?: ReadonlyArray<string | number>) {
      return (await connection.runAndReadAll(sql, values && [...values])).getRowObjectsJS() as T[];
    },
    async *stream<T>(sql: string) {
      const result = await connection.stream(sql);
      for await (const rows of result.yieldRowObjectJs()) if (rows.length > 0) yield rows as T[];
    },
    async appender(table, types) {
      const appending = await instance.connect();
      const appender = await appending.createAppender(table);
      const append = types.map((type) =>
        type === "VARCHAR"
          ? (value: string | number) => appender.appendVarchar(value as string)
          : type === "INTEGER"
            ? (value: string | number) => appender.appendInteger(value as number)
            : (value: string | number) => appender.appendDouble(value as number),
      );
      return {
        row(values) {
          values.forEach((value, column) => append[column]!(value));
          appender.endRow();
        },
        close() {
          appender.flushSync();
          appender.closeSync();
          appending.closeSync();
        },
      };
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * What DuckDB may hold in memory before it spills to the task's scratch folder: a share of what
 * Slurm gave the task, else a quarter of this machine's memory, at most 4 GiB. DuckDB's window,
 * sort and aggregation spill, but with less than about 1 GiB the near-duplicate buckets of a
 * 100 MB corpus failed on two threads ("failed to pin block").
 */
export function engineMemoryLimit(): string {
  const slurmMiB = Number(process.env.SLURM_MEM_PER_NODE ?? Number(process.env.SLURM_MEM_PER_CPU) * Number(process.env.SLURM_CPUS_PER_TASK ?? 1));
  if (Number.isFinite(slurmMiB) && slurmMiB > 0) return `${Math.max(256, Math.floor(slurmMiB * 0.6))}MB`;
  return `${Math.max(512, Math.min(4096, Math.floor(os.totalmem() / 4 / 1024 ** 2)))}MB`;
}

/** A string as an SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
