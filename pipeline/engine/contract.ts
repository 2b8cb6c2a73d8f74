import type { z } from "zod";
import { columnName } from "../../schemas/columns.js";
import type { Engine } from "./database.js";

/**
 * Checks the columns (names, order, types) of what a stage made for `table` against the
 * table's schema, as NeMo Curator's stages check their declared outputs.
 */
export async function checkRelation(engine: Engine, relation: string, table: string, schema: z.ZodObject): Promise<void> {
  const actual = await engine.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${relation}`);
  const expected = Object.entries(schema.shape).map(([field, fieldSchema]) => ({ column: columnName(field), type: duckdbType(fieldSchema as z.ZodType) }));
  // DuckDB quotes only the struct fields that are keywords ("position"): compared without quotes.
  const describe = (columns: Array<{ column: string; type: string }>) => columns.map(({ column, type }) => `${column} ${type}`).join(", ").replaceAll('"', "");
  const found = actual.map((row) => ({ column: row.column_name, type: row.column_type }));
  if (describe(found) !== describe(expected)) {
    throw new Error(`a global stage made ${table} (${describe(found)}), not what schemas/engine-tables.ts says (${describe(expected)})`);
  }
}

/** The DuckDB type a column of this zod type has. */
function duckdbType(schema: z.ZodType): string {
  const def = schema._zod.def as { type: string; format?: string; element?: z.ZodType; shape?: Record<string, z.ZodType> };
  if (def.type === "string") return "VARCHAR";
  if (def.type === "bigint") return "BIGINT";
  if (def.type === "boolean") return "BOOLEAN";
  if (def.type === "number") return def.format === "int32" ? "INTEGER" : "DOUBLE";
  if (def.type === "array") return `${duckdbType(def.element!)}[]`;
  if (def.type === "object") return `STRUCT(${Object.entries((schema as z.ZodObject).shape).map(([field, inner]) => `${field} ${duckdbType(inner as z.ZodType)}`).join(", ")})`;
  throw new Error(`pipeline/engine/contract.ts: zod type "${def.type}" has no DuckDB type; add a mapping here.`);
}
