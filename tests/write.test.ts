import { readFile } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toArrowTable, writeTable } from "../pipeline/write.js";
import { parquetColumnTypes, readArrowRows, readCsvRows, readParquetRows } from "./readers.js";
import { tempTree } from "./helpers.js";

const sampleSchema = z.object({
  paragraphId: z.string(),
  lineStart: z.int32(),
  season: z.int32().nullable(),
  languageScore: z.number(),
  episodeTitle: z.string().nullable(),
});

const rows = [
  { paragraphId: "a", lineStart: 1, season: 6, languageScore: 0.9985, episodeTitle: "Splat!" },
  { paragraphId: "b", lineStart: 2, season: null, languageScore: 0.5, episodeTitle: null },
  { paragraphId: "c", lineStart: 3, season: 1, languageScore: 1, episodeTitle: 'Quote "and", comma\nand newline' },
];

describe("writeTable", () => {
  it("writes Parquet, Arrow and CSV that real readers read back as the same rows, types and order", async () => {
    const directory = await tempTree({});
    await writeTable(toArrowTable(sampleSchema, rows), directory, "sample", ["parquet", "arrow", "csv"]);
    const expected = rows.map((row) => ({
      paragraph_id: row.paragraphId,
      line_start: row.lineStart,
      season: row.season,
      language_score: row.languageScore,
      episode_title: row.episodeTitle,
    }));
    expect(await readParquetRows(path.join(directory, "sample.parquet"))).toEqual(expected);
    expect(readArrowRows(path.join(directory, "sample.arrow"))).toEqual(expected);
    expect(readCsvRows(path.join(directory, "sample.csv"), new Set(["line_start", "season", "language_score"]))).toEqual(expected);

    expect(await parquetColumnTypes(path.join(directory, "sample.parquet"))).toEqual({
      paragraph_id: "VARCHAR",
      line_start: "INTEGER",
      season: "INTEGER",
      language_score: "DOUBLE",
      episode_title: "VARCHAR",
    });
    const arrowFields = tableFromIPC(await readFile(path.join(directory, "sample.arrow"))).schema.fields;
    expect(arrowFields.map((field) => [field.name, String(field.type), field.nullable])).toEqual([
      ["paragraph_id", "Utf8", false],
      ["line_start", "Int32", false],
      ["season", "Int32", true],
      ["language_score", "Float64", false],
      ["episode_title", "Utf8", true],
    ]);
  });

  it("writes CSV as RFC 4180 UTF-8 without BOM, with a header and \\n line ends, nulls as empty fields", async () => {
    const directory = await tempTree({});
    await writeTable(toArrowTable(sampleSchema, rows), directory, "sample", ["csv"]);
    const csv = await readFile(path.join(directory, "sample.csv"));
    expect([...csv.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString("utf8")).toBe(
      "paragraph_id,line_start,season,language_score,episode_title\n" +
        "a,1,6,0.9985,Splat!\n" +
        "b,2,,0.5,\n" +
        'c,3,1,1,"Quote ""and"", comma\nand newline"\n',
    );
  });

  it("writes a header-only CSV and empty tables for zero rows", async () => {
    const directory = await tempTree({});
    await writeTable(toArrowTable(sampleSchema, []), directory, "empty", ["parquet", "arrow", "csv"]);
    expect(await readFile(path.join(directory, "empty.csv"), "utf8")).toBe("paragraph_id,line_start,season,language_score,episode_title\n");
    expect(await readParquetRows(path.join(directory, "empty.parquet"))).toEqual([]);
    expect(readArrowRows(path.join(directory, "empty.arrow"))).toEqual([]);
  });
});
