import { z } from "zod";
import { columnName } from "../../schemas/columns.js";
import type { Engine } from "./database.js";

/**
 * Checks the columns (names, order, types) of what a stage made for `table` against the
 * table's schema, as NeMo Curator's stages check their declared outputs.
 */
export async function checkRelation(engine: Engine, relation: string, table: string, schema: z.ZodObject): Promise<void> {
  const found = describeColumns(await relationColumns(engine, relation));
  const expected = describeColumns(duckdbColumns(schema));
  if (found !== expected) {
    throw new Error(`a global stage made ${table} (${found}), not what schemas/engine-tables.ts says (${expected})`);
  }
}

export interface DuckDBColumn {
  column: string;
  type: string;
}

/** The columns of a relation (a table, or a function reading a file) as DuckDB describes them. */
export async function relationColumns(engine: Engine, relation: string): Promise<DuckDBColumn[]> {
  const columns = await engine.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${relation}`);
  return columns.map((row) => ({ column: row.column_name, type: row.column_type }));
}

/** The columns a table of this schema has in DuckDB. */
export function duckdbColumns(schema: z.ZodObject): DuckDBColumn[] {
  return Object.entries(schema.shape).map(([field, fieldSchema]) => ({ column: columnName(field), type: duckdbType(fieldSchema as z.ZodType) }));
}

/** `name TYPE, …`; DuckDB quotes only the struct fields that are keywords ("language"), so quotes are left out. */
export function describeColumns(columns: readonly DuckDBColumn[]): string {
  return columns.map(({ column, type }) => `${column} ${type}`).join(", ").replaceAll('"', "");
}

/** The DuckDB type a column of this zod type has (nullable or not: DuckDB's types do not say). */
function duckdbType(schema: z.ZodType): string {
  if (schema instanceof z.ZodNullable) return duckdbType(schema.unwrap() as z.ZodType);
  const def = schema._zod.def as { type: string; format?: string; element?: z.ZodType; shape?: Record<string, z.ZodType> };
  if (def.type === "custom" && schema.meta()?.arrow === "binary") return "BLOB";
  if (def.type === "string") return def.format === "date" ? "DATE" : "VARCHAR";
  if (def.type === "bigint") return "BIGINT";
  if (def.type === "boolean") return "BOOLEAN";
  if (def.type === "number") return def.format === "int32" ? "INTEGER" : "DOUBLE";
  if (def.type === "array") return `${duckdbType(def.element!)}[]`;
  if (def.type === "object") return `STRUCT(${Object.entries((schema as z.ZodObject).shape).map(([field, inner]) => `${field} ${duckdbType(inner as z.ZodType)}`).join(", ")})`;
  throw new Error(`pipeline/engine/contract.ts: zod type "${def.type}" has no DuckDB type; add a mapping here.`);
}
