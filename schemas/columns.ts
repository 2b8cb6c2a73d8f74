import { Binary, Bool, Field, Float64, Int32, List, Schema, Uint32, Utf8, type DataType } from "apache-arrow";
import { z } from "zod";

/** The one rule that turns a record field into an output column: `lineStart` → `line_start`. */
export function columnName(fieldName: string): string {
  return fieldName.replace(/[A-Z]/g, (capital) => `_${capital.toLowerCase()}`);
}

export interface ColumnSpec {
  field: string;
  column: string;
  type: "int32" | "float64" | "utf8" | "bool" | "uint32[]" | "binary";
  nullable: boolean;
  description: string;
  example: unknown;
}

/** Reads a zod object schema into column specs: the source for the Arrow schema and the data dictionary. */
export function columnSpecs(schema: z.ZodObject): ColumnSpec[] {
  return Object.entries(schema.shape).map(([field, fieldSchema]) => {
    let inner = fieldSchema as z.ZodType;
    const nullable = inner instanceof z.ZodNullable;
    if (inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
    const meta = (fieldSchema as z.ZodType).meta() ?? inner.meta() ?? {};
    return {
      field,
      column: columnName(field),
      type: arrowKind(field, inner, meta),
      nullable,
      description: String(meta.description ?? ""),
      example: meta.example,
    };
  });
}

function arrowKind(field: string, schema: z.ZodType, meta: Record<string, unknown>): ColumnSpec["type"] {
  const def = schema._zod.def as { type: string; format?: string };
  if (def.type === "string" || def.type === "enum") return "utf8";
  // Typed arrays (z.instanceof) say which Arrow type they are written as.
  if (def.type === "custom" && (meta.arrow === "uint32[]" || meta.arrow === "binary")) return meta.arrow;
  if (def.type === "boolean") return "bool";
  if (def.type === "number") return def.format === "int32" ? "int32" : "float64";
  throw new Error(`schemas/columns.ts: field "${field}" has zod type "${def.type}", which has no Arrow column type; add a mapping here.`);
}

export function arrowType(type: ColumnSpec["type"]): DataType {
  switch (type) {
    case "int32":
      return new Int32();
    case "float64":
      return new Float64();
    case "utf8":
      return new Utf8();
    case "bool":
      return new Bool();
    case "uint32[]":
      return new List(new Field("item", new Uint32(), false));
    case "binary":
      return new Binary();
  }
}

export function arrowSchema(schema: z.ZodObject): Schema {
  return new Schema(columnSpecs(schema).map((spec) => new Field(spec.column, arrowType(spec.type), spec.nullable)));
}
