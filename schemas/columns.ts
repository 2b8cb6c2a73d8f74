import { Binary, Bool, DateDay, Field, Float64, Int32, List, Schema, Struct, Uint32, Utf8, type DataType } from "apache-arrow";
import { z } from "zod";

/** The one rule that turns a record field into an output column: `lineStart` → `line_start`. */
export function columnName(fieldName: string): string {
  return fieldName.replace(/[A-Z]/g, (capital) => `_${capital.toLowerCase()}`);
}

/** The pipeline stages an output column can be computed by (its zod metadata `stage`, one or a list). */
export const STAGES = ["ingest", "split", "dedup", "language", "neardup", "link", "catalog"] as const;
export type Stage = (typeof STAGES)[number];

export interface ColumnSpec {
  field: string;
  column: string;
  /** The column's type in the data dictionary: int32, float64, utf8, bool, date32, list<struct<…>>. */
  type: string;
  arrowType: DataType;
  nullable: boolean;
  description: string;
  example: unknown;
  /** The stages that compute the column; empty for records that are not written out. */
  stages: Stage[];
}

/** Reads a zod object schema into column specs: the source for the Arrow schema and the data dictionary. */
export function columnSpecs(schema: z.ZodObject): ColumnSpec[] {
  return Object.entries(schema.shape).map(([field, fieldSchema]) => {
    const { inner, nullable } = unwrapNullable(fieldSchema as z.ZodType);
    const meta = (fieldSchema as z.ZodType).meta() ?? inner.meta() ?? {};
    const { type, arrowType } = columnType(field, inner, meta);
    return {
      field,
      column: columnName(field),
      type,
      arrowType,
      nullable,
      description: String(meta.description ?? ""),
      example: meta.example,
      stages: stagesOf(field, meta.stage),
    };
  });
}

function unwrapNullable(schema: z.ZodType): { inner: z.ZodType; nullable: boolean } {
  return schema instanceof z.ZodNullable ? { inner: schema.unwrap() as z.ZodType, nullable: true } : { inner: schema, nullable: false };
}

function stagesOf(field: string, stage: unknown): Stage[] {
  const stages = stage === undefined ? [] : Array.isArray(stage) ? stage : [stage];
  for (const name of stages) {
    if (!STAGES.includes(name as Stage)) throw new Error(`schemas/columns.ts: field "${field}" names stage "${String(name)}"; use one of ${STAGES.join(", ")}.`);
  }
  return stages as Stage[];
}

/**
 * A zod type's Arrow type: strings and enums utf8, ISO dates (`z.iso.date()`) date32 (days),
 * int32 numbers int32, other numbers float64, booleans bool, an array of objects a list of
 * structs whose fields follow the same rules, and typed arrays what their `arrow` metadata says.
 */
function columnType(field: string, schema: z.ZodType, meta: Record<string, unknown> = {}): { type: string; arrowType: DataType } {
  const def = schema._zod.def as { type: string; format?: string; element?: z.ZodType };
  // Typed arrays (z.custom, in the cache's shard rows) name the Arrow type they are written as.
  if (def.type === "custom" && meta.arrow === "uint32[]") return { type: "list<uint32>", arrowType: new List(new Field("item", new Uint32(), false)) };
  if (def.type === "custom" && meta.arrow === "binary") return { type: "binary", arrowType: new Binary() };
  if (def.type === "string" && def.format === "date") return { type: "date32", arrowType: new DateDay() };
  if (def.type === "string" || def.type === "enum") return { type: "utf8", arrowType: new Utf8() };
  if (def.type === "boolean") return { type: "bool", arrowType: new Bool() };
  if (def.type === "number") return def.format === "int32" ? { type: "int32", arrowType: new Int32() } : { type: "float64", arrowType: new Float64() };
  if (def.type === "array" && def.element instanceof z.ZodObject) {
    const members = Object.entries(def.element.shape).map(([name, member]) => {
      // Struct members keep their names in every format, so they must already be column names.
      if (columnName(name) !== name) throw new Error(`schemas/columns.ts: field "${field}" has a member "${name}"; name nested members in lower case (e.g. "${columnName(name)}").`);
      const { inner, nullable } = unwrapNullable(member as z.ZodType);
      return { name, nullable, ...columnType(`${field}.${name}`, inner) };
    });
    return {
      type: `list<struct<${members.map((member) => `${member.name}: ${member.type}`).join(", ")}>>`,
      arrowType: new List(new Field("item", new Struct(members.map((member) => new Field(member.name, member.arrowType, member.nullable))), false)),
    };
  }
  throw new Error(`schemas/columns.ts: field "${field}" has zod type "${def.type}", which has no Arrow column type; add a mapping here.`);
}

/**
 * The Arrow schema of a table: each field carries its description (field metadata key
 * `description`, as docs/DATA.md shows it), and the schema carries `metadata` (which build made
 * the file).
 */
export function arrowSchema(schema: z.ZodObject, metadata: ReadonlyMap<string, string> = new Map()): Schema {
  const fields = columnSpecs(schema).map(
    (spec) => new Field(spec.column, spec.arrowType, spec.nullable, spec.description ? new Map([["description", spec.description]]) : null),
  );
  return new Schema(fields, new Map(metadata));
}
