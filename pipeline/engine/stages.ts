import { z } from "zod";
import { columnName } from "../../schemas/columns.js";
import type { Progress } from "../progress.js";
import type { Engine } from "./database.js";

/**
 * A stage of the global phase: SQL (and what TypeScript must do between) over the tables the
 * stages before it made, declaring what it reads and makes, as NeMo Curator's stages declare
 * their inputs and outputs. The runner checks both sides and records each stage's rows and time.
 */
export interface GlobalStage {
  name: string;
  /** Tables and views it reads. */
  reads: readonly string[];
  /** Tables it makes, each with its schema (schemas/engine-tables.ts). */
  makes: ReadonlyArray<{ table: string; schema: z.ZodObject }>;
  run(engine: Engine): Promise<{ rowsIn: number; rowsOut: number }>;
}

export async function runStages(engine: Engine, stages: readonly GlobalStage[], progress: Progress, signal?: AbortSignal): Promise<void> {
  for (const stage of stages) {
    signal?.throwIfAborted();
    const known = new Set((await engine.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables")).map((row) => row.name));
    const missing = stage.reads.filter((table) => !known.has(table));
    if (missing.length > 0) throw new Error(`global stage "${stage.name}" reads ${missing.join(", ")}, which no stage before it made`);
    const record = progress.stage(stage.name);
    const counts = await stage.run(engine);
    for (const { table, schema } of stage.makes) await checkTable(engine, table, schema, stage.name);
    record.done(counts);
  }
}

/** Checks a table's columns (names, order, types) against its schema. */
export async function checkTable(engine: Engine, table: string, schema: z.ZodObject, madeBy: string): Promise<void> {
  const actual = await engine.all<{ column_name: string; column_type: string }>(`DESCRIBE ${table}`);
  const expected = Object.entries(schema.shape).map(([field, fieldSchema]) => ({ column: columnName(field), type: duckdbType(fieldSchema as z.ZodType) }));
  // DuckDB quotes only the struct fields that are keywords ("position"): compared without quotes.
  const describe = (columns: Array<{ column: string; type: string }>) => columns.map(({ column, type }) => `${column} ${type}`).join(", ").replaceAll('"', "");
  const found = actual.map((row) => ({ column: row.column_name, type: row.column_type }));
  if (describe(found) !== describe(expected)) {
    throw new Error(`global stage "${madeBy}" made ${table} (${describe(found)}), not what schemas/engine-tables.ts says (${describe(expected)})`);
  }
}

/** The DuckDB type a column of this zod type has. */
function duckdbType(schema: z.ZodType): string {
  const def = schema._zod.def as { type: string; format?: string; element?: z.ZodType; shape?: Record<string, z.ZodType> };
  if (def.type === "string") return "VARCHAR";
  if (def.type === "number") return def.format === "int32" ? "INTEGER" : "DOUBLE";
  if (def.type === "array") return `${duckdbType(def.element!)}[]`;
  if (def.type === "object") return `STRUCT(${Object.entries((schema as z.ZodObject).shape).map(([field, inner]) => `${field} ${duckdbType(inner as z.ZodType)}`).join(", ")})`;
  throw new Error(`pipeline/engine/stages.ts: zod type "${def.type}" has no DuckDB type; add a mapping here.`);
}
