import { readFileSync, writeFileSync } from "node:fs";
import type { z } from "zod";
import { columnSpecs } from "../schemas/columns.js";
import { episodeRowSchema, occurrenceRowSchema, paragraphRowSchema, rejectSchema } from "../schemas/records.js";
import { isMain } from "../pipeline/runtime.js";

/** docs/DATA.md, generated from the zod schemas; `make docs` rewrites it, a test compares. */

const DATASETS: Array<{ name: string; files: string; schema: z.ZodObject; about: string }> = [
  {
    name: "paragraphs",
    files: "paragraphs.parquet, paragraphs.arrow, paragraphs.csv",
    schema: paragraphRowSchema,
    about: "One row per distinct paragraph (after exact deduplication), in order of first occurrence.",
  },
  {
    name: "occurrences",
    files: "occurrences.parquet, occurrences.arrow, occurrences.csv",
    schema: occurrenceRowSchema,
    about: "One row per place in RAW where a paragraph is written; join to paragraphs on paragraph_id.",
  },
  {
    name: "episodes",
    files: "episodes.parquet, episodes.arrow, episodes.csv",
    schema: episodeRowSchema,
    about: "The curated catalog of all 94 episodes, with how many paragraphs were linked to each.",
  },
  {
    name: "rejects",
    files: "rejects.csv",
    schema: rejectSchema,
    about: "Input that could not become a paragraph, with the reason; only the header when nothing was rejected.",
  },
];

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

const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderDataDictionary(): string {
  const sections = DATASETS.map(({ name, files, schema, about }) => {
    const rows = columnSpecs(schema).map(
      (spec) =>
        `| \`${spec.column}\` | ${spec.type} | ${spec.nullable ? "yes" : "no"} | ${escapeCell(spec.description)} | ${
          spec.example === undefined ? "" : `\`${escapeCell(String(spec.example))}\``
        } |`,
    );
    return [`## ${name}`, "", `Files: ${files}. ${about}`, "", "| column | type | nullable | meaning | example |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
  });
  return [
    "# Data dictionary",
    "",
    "Generated from the zod schemas in `schemas/records.ts` by `make docs`; do not edit by hand.",
    "Types are Arrow types: int32, float64 and utf8 (Parquet INT32, DOUBLE, BYTE_ARRAY/UTF8). In CSV a null is an empty field.",
    "",
    ...sections.flatMap((section) => [section, ""]),
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
