import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tableFromIPC, type Field } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { DATASET_NAME } from "../../pipeline/output/dataset-card.js";
import { columnSpecs } from "../../schemas/columns.js";
import type { Manifest } from "../../schemas/manifest.js";
import { episodeRowSchema, occurrenceRowSchema, paragraphRowSchema, rejectSchema } from "../../schemas/records.js";
import { build } from "../build.js";
import { parquetArrowSchema, parquetKeyValueMetadata, queryDuckDB } from "../readers.js";

/**
 * The contract of the published files, read back by the readers people use: DuckDB (Parquet and
 * CSV) and apache-arrow (IPC). Types, nullability, descriptions, the build's metadata and the rows
 * themselves are pinned here, so a change to any of them fails until it is made on purpose.
 */

type Column = [name: string, duckdb: string, arrow: string, nullable: boolean];

const NESTED_DUCKDB = 'STRUCT("language" VARCHAR, paragraphs INTEGER)[]';
const CONTRACT: Record<string, { schema: z.ZodObject; columns: Column[] }> = {
  paragraphs: {
    schema: paragraphRowSchema,
    columns: [
      ["paragraph_id", "VARCHAR", "Utf8", false],
      ["text", "VARCHAR", "Utf8", false],
      ["language", "VARCHAR", "Utf8", false],
      ["language_score", "DOUBLE", "Float64", false],
      ["season", "INTEGER", "Int32", true],
      ["episode", "INTEGER", "Int32", true],
      ["episode_code", "VARCHAR", "Utf8", true],
      ["episode_title", "VARCHAR", "Utf8", true],
      ["episode_score", "DOUBLE", "Float64", true],
      ["episode_runner_up", "VARCHAR", "Utf8", true],
      ["episode_runner_up_score", "DOUBLE", "Float64", true],
      ["episode_evidence", "VARCHAR", "Utf8", true],
      ["near_dup_cluster", "VARCHAR", "Utf8", false],
      ["source_file", "VARCHAR", "Utf8", false],
      ["line_start", "INTEGER", "Int32", false],
      ["occurrence_count", "INTEGER", "Int32", false],
    ],
  },
  occurrences: {
    schema: occurrenceRowSchema,
    columns: [
      ["source_file", "VARCHAR", "Utf8", false],
      ["line_start", "INTEGER", "Int32", false],
      ["line_end", "INTEGER", "Int32", false],
      ["byte_start", "INTEGER", "Int32", false],
      ["byte_end", "INTEGER", "Int32", false],
      ["blob_sha256", "VARCHAR", "Utf8", false],
      ["paragraph_id", "VARCHAR", "Utf8", false],
    ],
  },
  episodes: {
    schema: episodeRowSchema,
    columns: [
      ["season", "INTEGER", "Int32", false],
      ["episode", "INTEGER", "Int32", false],
      ["episode_code", "VARCHAR", "Utf8", false],
      ["title", "VARCHAR", "Utf8", false],
      ["air_date", "DATE", "Date32<DAY>", false],
      ["paragraph_count", "INTEGER", "Int32", false],
      ["paragraphs_by_language", NESTED_DUCKDB, "List<Struct<{language:Utf8, paragraphs:Int32}>>", false],
    ],
  },
};
const REJECT_COLUMNS = [
  ["source_file", "VARCHAR"],
  ["line_start", "INTEGER"],
  ["line_end", "INTEGER"],
  ["reason", "VARCHAR"],
];

let out: string;
let manifest: Manifest;
const file = (name: string) => path.join(out, name);
const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-contract-"));
  const raw = path.join(root, "raw");
  await cp("raw", raw, { recursive: true });
  await writeFile(path.join(raw, "zz-binary.bin"), Buffer.from([0x41, 0x00, 0x42]));
  out = path.join(root, "out");
  await build({ rawDir: raw, outDir: out });
  manifest = JSON.parse(readFileSync(file("manifest.json"), "utf8")) as Manifest;
});

/** What every Parquet and Arrow file of a table must say about the build that wrote it: one key, `build`, a JSON object. */
function expectedMetadata(table: string): Record<string, string> {
  const build = {
    dataset: DATASET_NAME,
    table,
    package_version: manifest.packageVersion,
    schema_version: manifest.schemaVersion,
    build_key: manifest.buildKey,
    catalog_version: manifest.catalogVersion,
    language_model_version: manifest.languageModelVersion,
  };
  return { build: JSON.stringify(build) };
}

/** The zod descriptions (docs/DATA.md's text) of a table's columns, by column. */
function descriptions(schema: z.ZodObject): Record<string, string> {
  return Object.fromEntries(columnSpecs(schema).map((spec) => [spec.column, spec.description]));
}

const fieldDescriptions = (fields: readonly Field[]) => Object.fromEntries(fields.map((field) => [field.name, field.metadata.get("description")]));

/** CSV has no types: DuckDB reads it with the contract's types, the nested column from its `language:paragraphs` text. */
function csvQuery(name: string, columns: Column[]): string {
  const types = columns.map(([column, duckdb]) => `${sqlString(column)}: ${sqlString(duckdb === NESTED_DUCKDB ? "VARCHAR" : duckdb)}`).join(", ");
  const select = columns.map(([column, duckdb]) =>
    duckdb === NESTED_DUCKDB
      ? `coalesce(list_transform(string_split(${column}, ' '), pair -> {'language': split_part(pair, ':', 1), 'paragraphs': split_part(pair, ':', 2)::INTEGER}), []) AS ${column}`
      : column,
  );
  return `SELECT ${select.join(", ")} FROM read_csv(${sqlString(file(`${name}.csv`))}, header = true, quote = '"', escape = '"', columns = {${types}})`;
}

describe.each(Object.entries(CONTRACT))("%s in Parquet, Arrow and CSV", (name, { schema, columns }) => {
  it("has the contract's columns, types and nullability in every format", async () => {
    const parquet = await queryDuckDB<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${sqlString(file(`${name}.parquet`))}`);
    expect(parquet.map((column) => [column.column_name, column.column_type])).toEqual(columns.map(([column, duckdb]) => [column, duckdb]));
    const repetition = await queryDuckDB<{ name: string; repetition_type: string }>(
      `SELECT name, repetition_type FROM parquet_schema(${sqlString(file(`${name}.parquet`))}) WHERE name IN (${columns.map(([column]) => sqlString(column)).join(", ")})`,
    );
    expect(Object.fromEntries(repetition.map((column) => [column.name, column.repetition_type]))).toEqual(
      Object.fromEntries(columns.map(([column, , , nullable]) => [column, nullable ? "OPTIONAL" : "REQUIRED"])),
    );

    const arrow = tableFromIPC(readFileSync(file(`${name}.arrow`)));
    expect(arrow.schema.fields.map((field) => [field.name, String(field.type), field.nullable])).toEqual(columns.map(([column, , type, nullable]) => [column, type, nullable]));
    const nested = arrow.schema.fields.filter((field) => String(field.type).startsWith("List"));
    for (const field of nested) expect([field.type.children[0]!.nullable, ...field.type.children[0]!.type.children.map((child: Field) => child.nullable)]).toEqual([false, false, false]);

    expect(readFileSync(file(`${name}.csv`), "utf8").split("\n")[0]).toBe(columns.map(([column]) => column).join(","));
  });

  it("carries each column's description and the build's metadata in the Arrow and Parquet files", async () => {
    const expected = descriptions(schema);
    for (const description of Object.values(expected)) expect(description.length).toBeGreaterThan(0);
    const arrow = tableFromIPC(readFileSync(file(`${name}.arrow`))).schema;
    expect(fieldDescriptions(arrow.fields)).toEqual(expected);
    expect(Object.fromEntries(arrow.metadata)).toEqual(expectedMetadata(name));

    const embedded = await parquetArrowSchema(file(`${name}.parquet`));
    expect(fieldDescriptions(embedded.fields)).toEqual(expected);
    expect(Object.fromEntries(embedded.metadata)).toEqual(expectedMetadata(name));
    expect(await parquetKeyValueMetadata(file(`${name}.parquet`))).toEqual(expectedMetadata(name));
  });

  it("holds the same rows, in the same order, in every format", async () => {
    const fromParquet = await queryDuckDB<Record<string, unknown>>(`SELECT * FROM ${sqlString(file(`${name}.parquet`))}`, "json");
    const fromCsv = await queryDuckDB<Record<string, unknown>>(csvQuery(name, columns), "json");
    const dates = columns.filter(([, duckdb]) => duckdb === "DATE").map(([column]) => column);
    const fromArrow = tableFromIPC(readFileSync(file(`${name}.arrow`)))
      .toArray()
      .map((row) => {
        const values = JSON.parse(JSON.stringify(row)) as Record<string, unknown>;
        for (const column of dates) values[column] = new Date(values[column] as number).toISOString().slice(0, 10);
        return values;
      });
    expect(fromParquet.length).toBe(manifest.outputs.find((output) => output.path === `${name}.parquet`)!.rows);
    expect(fromParquet.length).toBeGreaterThan(0);
    expect(fromArrow).toEqual(fromParquet);
    expect(fromCsv).toEqual(fromParquet);
  });
});

describe("the other outputs", () => {
  it("writes rejects.csv with its header and types (DuckDB reads it), one row per rejected input", async () => {
    const types = REJECT_COLUMNS.map(([column, type]) => `${sqlString(column!)}: ${sqlString(type!)}`).join(", ");
    const rejects = await queryDuckDB<Record<string, unknown>>(`SELECT * FROM read_csv(${sqlString(file("rejects.csv"))}, header = true, columns = {${types}})`, "json");
    expect(readFileSync(file("rejects.csv"), "utf8").split("\n")[0]).toBe(REJECT_COLUMNS.map(([column]) => column).join(","));
    expect(rejects).toEqual([{ source_file: "zz-binary.bin", line_start: 1, line_end: 1, reason: expect.stringContaining("NUL byte") }]);
    expect(Object.keys(descriptions(rejectSchema))).toEqual(REJECT_COLUMNS.map(([column]) => column));
  });

  it("lists the dataset card and the report in the manifest, and the card's languages are the build's", async () => {
    expect(manifest.outputs.map((output) => output.path).slice(-2)).toEqual(["report.html", "README.md"]);
    const card = readFileSync(file("README.md"), "utf8");
    const languages = await queryDuckDB<{ language: string }>(`SELECT DISTINCT language FROM ${sqlString(file("paragraphs.parquet"))} ORDER BY language`, "json");
    const frontMatter = `${card.split("\n---\n")[0]!}\n`;
    expect([...frontMatter.matchAll(/^- "([a-z]+)"$/gm)].map((match) => match[1])).toEqual(languages.map((row) => row.language));
    for (const config of ["paragraphs", "occurrences", "episodes"]) expect(frontMatter).toContain(`- config_name: ${config}\n  data_files: ${config}.parquet\n`);
  });

  const pyarrow = spawnSync("python3", ["-c", "import pandas, pyarrow"]).status === 0;
  it.skipIf(!pyarrow)("reads the nested counts as lists of dicts in pandas through pyarrow, with the descriptions", () => {
    const script = [
      "import sys, pyarrow.parquet as pq",
      "table = pq.read_table(sys.argv[1])",
      "frame = table.to_pandas()",
      "value = frame['paragraphs_by_language'].iloc[0]",
      "assert all(isinstance(item, dict) and set(item) == {'language', 'paragraphs'} for item in value), value",
      "assert table.schema.field('paragraphs_by_language').metadata[b'description']",
      "print(str(table.schema.field('air_date').type))",
    ].join("\n");
    const result = spawnSync("python3", ["-c", script, file("episodes.parquet")], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("date32[day]");
  });
});
