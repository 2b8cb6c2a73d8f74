import { readdir, readFile, symlink } from "node:fs/promises";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sha256Hex } from "../../pipeline/text.js";
import { openTableWriter, type OutputFormat, type TableWriterOptions, type WrittenFile } from "../../pipeline/output/write.js";
import { parquetArrowSchema, parquetColumnTypes, parquetKeyValueMetadata, parquetRowGroupRows, readArrowRows, readCsvRows, readParquetRows } from "../readers.js";
import { tempTree } from "../helpers.js";

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

const allFormats = ["parquet", "arrow", "csv"] as const;

/** Writes `rows` through one writer in one call. */
async function writeRows<T extends object>(schema: z.ZodObject, rows: T[], directory: string, name: string, formats: readonly OutputFormat[] = allFormats, options?: TableWriterOptions) {
  const writer = await openTableWriter<T>(schema, directory, name, formats, options);
  await writer.write(rows);
  return writer.close();
}

describe("openTableWriter, one table", () => {
  it("writes Parquet, Arrow and CSV that real readers read back as the same rows, types and order", async () => {
    const directory = await tempTree({});
    await writeRows(sampleSchema, rows, directory, "sample");
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
    await writeRows(sampleSchema, rows, directory, "sample", ["csv"]);
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
    await writeRows(sampleSchema, [], directory, "empty");
    expect(await readFile(path.join(directory, "empty.csv"), "utf8")).toBe("paragraph_id,line_start,season,language_score,episode_title\n");
    expect(await readParquetRows(path.join(directory, "empty.parquet"))).toEqual([]);
    expect(readArrowRows(path.join(directory, "empty.arrow"))).toEqual([]);
  });
});

describe("openTableWriter", () => {
  const manyRows = Array.from({ length: 10 }, (_, index) => ({
    paragraphId: `p${index}`,
    lineStart: index + 1,
    season: index % 3 === 0 ? null : (index % 6) + 1,
    languageScore: index / 7,
    episodeTitle: index % 4 === 0 ? null : `Title ${index}, "quoted"\nü€😀`,
  }));
  const asColumns = (row: (typeof manyRows)[number]) => ({
    paragraph_id: row.paragraphId,
    line_start: row.lineStart,
    season: row.season,
    language_score: row.languageScore,
    episode_title: row.episodeTitle,
  });
  const numeric = new Set(["line_start", "season", "language_score"]);
  const formats = allFormats;

  async function writeInChunks(directory: string, name: string, chunkSizes: number[], options: TableWriterOptions = { batchRows: 3 }) {
    const writer = await openTableWriter<(typeof manyRows)[number]>(sampleSchema, directory, name, formats, options);
    let start = 0;
    for (const size of chunkSizes) {
      await writer.write(manyRows.slice(start, start + size));
      start += size;
    }
    return writer.close();
  }

  it("writes batches as they come: several row groups and record batches that read back as the rows", async () => {
    const directory = await tempTree({});
    const written = await writeInChunks(directory, "many", [10]);
    expect(written.map((file) => [file.path, file.rows])).toEqual([
      ["many.parquet", 10],
      ["many.arrow", 10],
      ["many.csv", 10],
    ]);
    for (const file of written) expect(file.sha256).toBe(sha256Hex(await readFile(path.join(directory, file.path))));

    const expected = manyRows.map(asColumns);
    expect(await readParquetRows(path.join(directory, "many.parquet"))).toEqual(expected);
    expect(readArrowRows(path.join(directory, "many.arrow"))).toEqual(expected);
    expect(readCsvRows(path.join(directory, "many.csv"), numeric)).toEqual(expected);
    expect(await parquetRowGroupRows(path.join(directory, "many.parquet"))).toEqual([3, 3, 3, 1]);
    expect(tableFromIPC(await readFile(path.join(directory, "many.arrow"))).batches.map((batch) => batch.numRows)).toEqual([3, 3, 3, 1]);
  });

  it("gives byte-identical files however the rows are chunked", async () => {
    const directory = await tempTree({});
    const whole = await writeInChunks(directory, "whole", [10]);
    const uneven = await writeInChunks(directory, "uneven", [1, 4, 0, 2, 3]);
    const single = await writeInChunks(directory, "single", Array<number>(10).fill(1));
    const hashes = (files: WrittenFile[]) => files.map((file) => file.sha256);
    expect(hashes(uneven)).toEqual(hashes(whole));
    expect(hashes(single)).toEqual(hashes(whole));
  });

  it("also cuts a batch once its rows reach batchBytes", async () => {
    const directory = await tempTree({});
    // Each row has at least 2 + 4 + 8 bytes of column data, so a 1-byte budget gives one row per batch.
    await writeInChunks(directory, "bytes", [10], { batchRows: 1000, batchBytes: 1 });
    expect(await parquetRowGroupRows(path.join(directory, "bytes.parquet"))).toHaveLength(10);
    expect(tableFromIPC(await readFile(path.join(directory, "bytes.arrow"))).batches).toHaveLength(10);
    expect(readCsvRows(path.join(directory, "bytes.csv"), numeric)).toEqual(manyRows.map(asColumns));
  });

  it("writes readable files with the schema for an empty table", async () => {
    const directory = await tempTree({});
    const written = await writeInChunks(directory, "empty", []);
    expect(written.map((file) => file.rows)).toEqual([0, 0, 0]);
    expect(await readFile(path.join(directory, "empty.csv"), "utf8")).toBe("paragraph_id,line_start,season,language_score,episode_title\n");
    expect(await readParquetRows(path.join(directory, "empty.parquet"))).toEqual([]);
    expect(Object.keys(await parquetColumnTypes(path.join(directory, "empty.parquet")))).toEqual(["paragraph_id", "line_start", "season", "language_score", "episode_title"]);
    const arrow = tableFromIPC(await readFile(path.join(directory, "empty.arrow")));
    expect([arrow.numRows, arrow.schema.fields.map((field) => field.name)]).toEqual([0, ["paragraph_id", "line_start", "season", "language_score", "episode_title"]]);
  });

  it("quotes fields holding a carriage return, as RFC 4180 requires", async () => {
    const directory = await tempTree({});
    const writer = await openTableWriter(sampleSchema, directory, "cr", ["csv"]);
    await writer.write([{ paragraphId: "a\rb", lineStart: 1, season: null, languageScore: 0, episodeTitle: null }]);
    await writer.close();
    expect(await readFile(path.join(directory, "cr.csv"), "utf8")).toBe('paragraph_id,line_start,season,language_score,episode_title\n"a\rb",1,,0,\n');
  });

  it("names the file and what to do when it cannot write, and refuses misuse", async () => {
    const directory = await tempTree({});
    await expect(openTableWriter(sampleSchema, path.join(directory, "missing"), "t", ["csv"])).rejects.toThrow(
      /missing\/t\.csv: cannot create the file .*check that its folder exists/,
    );

    const writer = await openTableWriter(sampleSchema, directory, "t", formats, { batchRows: 2 });
    const first = writer.write(manyRows);
    await expect(writer.write(manyRows)).rejects.toThrow(/await each write\(\) before the next/);
    await first;
    await writer.close();
    await expect(writer.write(manyRows)).rejects.toThrow(/t\.parquet, .*t\.csv: write\(\) was called after the writer was closed/);

    const aborted = await openTableWriter(sampleSchema, directory, "gone", formats);
    await aborted.write(manyRows);
    await aborted.abort();
    await expect(readdir(directory)).resolves.toEqual(["t.arrow", "t.csv", "t.parquet"]);
  });
});

describe("openTableWriter, dates, nested lists and metadata", () => {
  const nestedSchema = z.object({
    episodeCode: z.string().meta({ description: "Episode code." }),
    airDate: z.iso.date().meta({ description: "Air date." }),
    byLanguage: z.array(z.object({ language: z.string(), paragraphs: z.int32() })).meta({ description: "Per language." }),
  });
  const nestedRows = [
    { episodeCode: "S06E18", airDate: "2004-02-15", byLanguage: [{ language: "de", paragraphs: 2 }, { language: "el", paragraphs: 1 }] },
    { episodeCode: "S01E01", airDate: "1998-06-06", byLanguage: [] },
  ];
  const metadata = new Map([["build", '{"dataset":"test","build_key":"abc"}']]);

  it("writes a date as DATE and a list of objects as a list of structs; CSV as YYYY-MM-DD and `language:paragraphs` pairs", async () => {
    const directory = await tempTree({});
    await writeRows(nestedSchema, nestedRows, directory, "nested", allFormats, { metadata });
    expect(await parquetColumnTypes(path.join(directory, "nested.parquet"))).toEqual({
      episode_code: "VARCHAR",
      air_date: "DATE",
      by_language: 'STRUCT("language" VARCHAR, paragraphs INTEGER)[]',
    });
    const arrow = tableFromIPC(await readFile(path.join(directory, "nested.arrow")));
    expect(arrow.schema.fields.map((field) => [field.name, String(field.type), field.nullable])).toEqual([
      ["episode_code", "Utf8", false],
      ["air_date", "Date32<DAY>", false],
      ["by_language", "List<Struct<{language:Utf8, paragraphs:Int32}>>", false],
    ]);
    expect(readArrowRows(path.join(directory, "nested.arrow"))).toEqual([
      { episode_code: "S06E18", air_date: Date.UTC(2004, 1, 15), by_language: [{ language: "de", paragraphs: 2 }, { language: "el", paragraphs: 1 }] },
      { episode_code: "S01E01", air_date: Date.UTC(1998, 5, 6), by_language: [] },
    ]);
    expect(await readFile(path.join(directory, "nested.csv"), "utf8")).toBe("episode_code,air_date,by_language\nS06E18,2004-02-15,de:2 el:1\nS01E01,1998-06-06,\n");
  });

  it("writes each column's description into the Arrow field metadata and the table's metadata into both files", async () => {
    const directory = await tempTree({});
    await writeRows(nestedSchema, nestedRows, directory, "described", allFormats, { metadata });
    const arrow = tableFromIPC(await readFile(path.join(directory, "described.arrow")));
    expect(arrow.schema.fields.map((field) => field.metadata.get("description"))).toEqual(["Episode code.", "Air date.", "Per language."]);
    expect(Object.fromEntries(arrow.schema.metadata)).toEqual(Object.fromEntries(metadata));
    const parquetFile = path.join(directory, "described.parquet");
    const embedded = await parquetArrowSchema(parquetFile);
    expect(embedded.fields.map((field) => field.metadata.get("description"))).toEqual(["Episode code.", "Air date.", "Per language."]);
    expect(Object.fromEntries(embedded.metadata)).toEqual(Object.fromEntries(metadata));
    expect(await parquetKeyValueMetadata(parquetFile)).toEqual(Object.fromEntries(metadata));
  });

  it("gives the same bytes for the same rows and metadata, writer after writer, and takes one metadata key", async () => {
    const directory = await tempTree({});
    const first = await writeRows(nestedSchema, nestedRows, directory, "first", allFormats, { metadata });
    await writeRows(nestedSchema, nestedRows, directory, "between", ["parquet"], { metadata });
    const second = await writeRows(nestedSchema, nestedRows, directory, "second", allFormats, { metadata });
    expect(second.map((file) => file.sha256)).toEqual(first.map((file) => file.sha256));
    await expect(openTableWriter(nestedSchema, directory, "two", allFormats, { metadata: new Map([["a", "1"], ["b", "2"]]) })).rejects.toThrow(/several keys; give one/);
  });

  it("names the file and what to do when the disk is full, and deletes every file it began", async () => {
    const directory = await tempTree({});
    await symlink("/dev/full", path.join(directory, "full.arrow"));
    const writer = await openTableWriter(nestedSchema, directory, "full", allFormats);
    await expect(writer.write(nestedRows).then(() => writer.close())).rejects.toThrow(/full\.arrow: writing failed \(ENOSPC.*free disk space or fix permissions/);
    await expect(readdir(directory)).resolves.toEqual([]);
  });

  it("deletes every file it began when a write fails", async () => {
    const directory = await tempTree({});
    const writer = await openTableWriter(nestedSchema, directory, "broken", allFormats, { batchRows: 1 });
    await writer.write(nestedRows);
    await expect(writer.write([{ episodeCode: "x", airDate: "2000-01-01", byLanguage: 3 as never }])).rejects.toThrow();
    await expect(readdir(directory)).resolves.toEqual([]);
    await expect(writer.close()).rejects.toThrow(/after the writer was aborted by an earlier error/);
  });
});
