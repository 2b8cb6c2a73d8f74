import { readFileSync, writeFileSync } from "node:fs";
import { isMain } from "../pipeline/runtime/bundles.js";
import { STAGES } from "../schemas/columns.js";
import { columnTableMarkdown, OUTPUT_TABLES } from "../schemas/tables.js";

/** docs/DATA.md, generated from the zod schemas; `make docs` rewrites it, a test compares. */

const LOADING = `## Loading the files

\`\`\`python
import pandas as pd
paragraphs = pd.read_csv("out/paragraphs.csv", dtype={"season": "Int32", "episode": "Int32"})

import polars as pl
paragraphs = pl.read_parquet("out/paragraphs.parquet")

import duckdb
duckdb.sql("""
  SELECT p.episode_code, p.language, o.source_file, o.line_start
  FROM 'out/paragraphs.parquet' p JOIN 'out/occurrences.parquet' o USING (paragraph_id)
""")
# paragraphs_by_language is a list of {language, paragraphs}: one row per episode and language
duckdb.sql("""
  SELECT episode_code, l.language, l.paragraphs
  FROM 'out/episodes.parquet', UNNEST(paragraphs_by_language) AS t(l)
""")

import pyarrow.parquet as pq
episodes = pq.read_table("out/episodes.parquet").to_pandas()  # air_date: datetime.date, paragraphs_by_language: lists of dicts
per_language = episodes[["episode_code", "paragraphs_by_language"]].explode("paragraphs_by_language").dropna()
per_language["language"] = per_language["paragraphs_by_language"].str.get("language")
per_language["paragraphs"] = per_language["paragraphs_by_language"].str.get("paragraphs")

import pyarrow.feather as feather
table = feather.read_table("out/paragraphs.arrow")
\`\`\`

\`\`\`ts
import { readFileSync } from "node:fs";
import { tableFromIPC } from "apache-arrow";
const paragraphs = tableFromIPC(readFileSync("out/paragraphs.arrow"));
\`\`\`
`;

const SPREADSHEETS = `## Opening the CSV files in a spreadsheet

Texts (\`text\`) and file names (\`source_file\`) are written exactly as they are in RAW. A CSV cell
that begins with \`=\`, \`+\`, \`-\` or \`@\` (or a tab or carriage return) opens as a formula in Excel,
LibreOffice Calc and Google Sheets: it may show something other than the text, or run whatever the raw
text wrote. The data is not altered to prevent it (a quote in front would change the text and break
its byte provenance). Import the CSV files with every column as text and formulas off, or read the
Parquet or Arrow files. \`report.html\` says how many texts and file names of a build begin so.
`;

const TYPES = `Types are Arrow types, the same in the Parquet and Arrow files:

| type | Parquet | CSV |
| --- | --- | --- |
| int32, float64, utf8 | INT32, DOUBLE, BYTE_ARRAY (UTF8) | as written; a null is an empty field |
| date32 (days since 1970-01-01) | INT32 (DATE) | \`YYYY-MM-DD\` |
| list<struct<…>> | LIST of a group (in DuckDB \`STRUCT(…)[]\`, in pandas through pyarrow a list of dicts) | the items separated by spaces, each its fields joined by \`:\` (\`de:2 el:1\`); an empty list is an empty field |
`;

const STAGE_NOTE = `The stage column says which stage of the pipeline computes the column: ${STAGES.map((stage) => `\`${stage}\``).join(", ")}; \`catalog\` columns come from the curated episode catalog. The file and function that compute each column are in [architecture.md, "Where each column is computed"](architecture.md#where-each-column-is-computed).`;

const METADATA = `## What the files say about themselves

Every column's meaning above is also in the Parquet and Arrow files, as the Arrow field metadata key
\`description\` (in a Parquet file inside its embedded Arrow schema, \`ARROW:schema\`, which pyarrow and
apache-arrow read). Each file's schema metadata, and each Parquet file's key-value metadata, name the build
that wrote it under one key, \`build\`: a JSON object with \`dataset\`, \`table\`, \`package_version\`,
\`schema_version\`, \`build_key\`, \`catalog_version\` and \`language_model_version\`, as in \`manifest.json\`.

\`\`\`python
import json, pyarrow.parquet as pq
schema = pq.read_schema("out/episodes.parquet")
schema.field("paragraphs_by_language").metadata[b"description"]
json.loads(schema.metadata[b"build"])["build_key"]
\`\`\`

\`\`\`sql
SELECT decode(value)::JSON ->> 'build_key' FROM parquet_kv_metadata('out/episodes.parquet') WHERE decode(key) = 'build';
\`\`\`
`;

export function renderDataDictionary(): string {
  const sections = OUTPUT_TABLES.map(({ name, files, schema, about }) => [`## ${name}`, "", `Files: ${files}. ${about}`, "", columnTableMarkdown(schema)].join("\n"));
  return [
    "# Data dictionary",
    "",
    "Generated from the zod schemas in `schemas/records.ts` by `make docs`; do not edit by hand.",
    "",
    TYPES,
    STAGE_NOTE,
    "",
    ...sections.flatMap((section) => [section, ""]),
    METADATA,
    SPREADSHEETS,
    LOADING,
  ].join("\n");
}

export const DATA_DICTIONARY_PATH = new URL("../docs/DATA.md", import.meta.url);

if (isMain(import.meta.url)) {
  const next = renderDataDictionary();
  const changed = readFileSync(DATA_DICTIONARY_PATH, { encoding: "utf8", flag: "a+" }) !== next;
  writeFileSync(DATA_DICTIONARY_PATH, next);
  console.log(changed ? "docs/DATA.md updated" : "docs/DATA.md unchanged");
}
