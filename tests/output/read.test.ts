import { cp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openTableWriter } from "../../pipeline/output/write.js";
import { InvalidBuildError, openBuild, readArrowTable, type BuildReader } from "../../pipeline/output/read.js";
import { occurrenceRowSchema, paragraphRowSchema, type OccurrenceRow, type ParagraphRow } from "../../schemas/records.js";
import { readArrowRows } from "../readers.js";
import { build, project } from "../safety/fixtures.js";

/** Two near twins (upper case) from tests/fixtures/near-dup-pairs.csv. */
const TWIN =
  "Mr. Big ist wieder in New York und erzählt Carrie in einem Resturant so ganz nebenbei, dass er in Kürze eine unbedeutende Herz-OP hat. Trotzdem, und das überrascht sie selbst, bricht Carrie in Tränen aus.";

/** A name rejects.csv has to quote: a quote, a comma and line breaks. */
const ODD_NAME = 'say "hi",\nand\rbye.bin';

let root: string;
let out: string;

beforeAll(async () => {
  const tiny = await project();
  root = tiny.root;
  out = tiny.out;
  // b.txt's first line again (an exact duplicate), a line of invisible characters (a line reject), near twins; an empty file (a whole-file reject) and a binary file with an odd name.
  await writeFile(path.join(tiny.raw, "c.txt"), `Charlotte heiratet Trey MacDougal.\n\u200b\u200b\n${TWIN}\n${TWIN.toUpperCase()}\n`);
  await writeFile(path.join(tiny.raw, "e.txt"), "");
  await writeFile(path.join(tiny.raw, ODD_NAME), new Uint8Array([0x41, 0x00]));
  await build({ rawDir: tiny.raw, outDir: out });
});

async function withBuild(use: (reader: BuildReader) => Promise<void>, outDir = out): Promise<void> {
  const reader = await openBuild(outDir);
  try {
    await use(reader);
  } finally {
    await reader.close();
  }
}

/** What apache-arrow reads from the Arrow file, as records: the reference the typed rows must equal. */
function arrowRecords<T>(table: string): T[] {
  const camel = (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
  return readArrowRows(path.join(out, `${table}.arrow`)).map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [camel(column), value])) as T);
}

describe("lookups", () => {
  it("find a paragraph by id with its row, its occurrences in output order with theirs, and its near-duplicate cluster", async () => {
    const paragraphs = arrowRecords<ParagraphRow>("paragraphs");
    const occurrences = arrowRecords<OccurrenceRow>("occurrences");
    const charlotte = paragraphs.findIndex((row) => row.text === "Charlotte heiratet Trey MacDougal.");
    const twins = paragraphs.filter((row) => row.text.toLowerCase() === TWIN.toLowerCase());
    expect(twins).toHaveLength(2);
    await withBuild(async (reader) => {
      expect(await reader.paragraph(paragraphs[charlotte]!.paragraphId)).toEqual({ row: charlotte + 1, record: paragraphs[charlotte] });
      expect(await reader.paragraph("0000000000000000")).toBeNull();
      const own = occurrences.flatMap((record, index) => (record.paragraphId === paragraphs[charlotte]!.paragraphId ? [{ row: index + 1, record }] : []));
      expect(own.map(({ record }) => `${record.sourceFile}:${record.lineStart}`)).toEqual(["b.txt:1", "c.txt:1"]);
      expect(await reader.occurrencesOf(paragraphs[charlotte]!.paragraphId)).toEqual(own);
      expect(await reader.nearDuplicates(twins[1]!.nearDupCluster)).toEqual(twins);
      expect(twins[1]!.nearDupCluster).toBe(twins[0]!.paragraphId);
    });
  });

  it("find the occurrence or the reject that covers a line, and the paragraphs that begin at lines, in the order asked", async () => {
    const paragraphs = arrowRecords<ParagraphRow>("paragraphs");
    const byText = (text: string) => paragraphs.find((row) => row.text === text)!;
    await withBuild(async (reader) => {
      expect(await reader.occurrenceAt({ sourceFile: "c.txt", line: 1 })).toMatchObject({ sourceFile: "c.txt", lineStart: 1, lineEnd: 1, paragraphId: byText("Charlotte heiratet Trey MacDougal.").paragraphId });
      expect(await reader.occurrenceAt({ sourceFile: "c.txt", line: 2 })).toBeNull();
      expect(await reader.rejectAt({ sourceFile: "c.txt", line: 2 })).toEqual({ sourceFile: "c.txt", lineStart: 2, lineEnd: 2, reason: expect.stringContaining("no visible text") });
      expect(await reader.rejectAt({ sourceFile: "e.txt", line: 7 })).toEqual({ sourceFile: "e.txt", lineStart: 0, lineEnd: 0, reason: "empty file: nothing to read" });
      expect(await reader.rejectAt({ sourceFile: "a.txt", line: 1 })).toBeNull();
      expect(await reader.rejectAt({ sourceFile: ODD_NAME, line: 1 })).toEqual({ sourceFile: ODD_NAME, lineStart: 1, lineEnd: 1, reason: expect.stringContaining("binary file") });
      const places = [
        { sourceFile: "c.txt", line: 3 },
        { sourceFile: "a.txt", line: 2 },
        { sourceFile: "c.txt", line: 2 },
        { sourceFile: "c.txt", line: 1.5 },
        { sourceFile: "b.txt", line: 1 },
      ];
      expect(await reader.paragraphsStartingAt(places)).toEqual([byText(TWIN), byText("Samantha zieht in den Meatpacking District."), null, null, byText("Charlotte heiratet Trey MacDougal.")]);
    });
  });

  it("give the manifest, parsed, and remove their scratch folder when closed", async () => {
    const scratch = async () => (await readdir(os.tmpdir())).filter((name) => name.startsWith(`satc-read-${process.pid}-`));
    const reader = await openBuild(out);
    expect(reader.manifest.counts).toEqual({ blobs: 3, occurrences: 7, paragraphs: 6, linkedParagraphs: expect.any(Number) });
    expect(await scratch()).toHaveLength(1);
    await reader.close();
    expect(await scratch()).toEqual([]);
  });
});

describe("whole tables from the Arrow files", () => {
  it("are the rows the build wrote, as typed records, nulls included", () => {
    const paragraphs = [...readArrowTable(out, "paragraphs")].flat();
    expect(paragraphs).toEqual(arrowRecords("paragraphs"));
    expect(paragraphs.some((row) => row.episodeCode === null)).toBe(true);
    expect([...readArrowTable(out, "occurrences")].flat()).toEqual(arrowRecords("occurrences"));
  });
});

describe("an OUT this version cannot read", () => {
  /** A copy of the build with `change` made to it. */
  async function changed(name: string, change: (copy: string) => Promise<unknown>): Promise<string> {
    const copy = path.join(root, name);
    await cp(out, copy, { recursive: true });
    await change(copy);
    return copy;
  }

  /** The one line openBuild refuses `outDir` with; fails when it opens. */
  async function refusal(outDir: string): Promise<string> {
    const error = await openBuild(outDir).then(
      async (reader) => {
        await reader.close();
        return null;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InvalidBuildError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }

  it("is refused with one line naming the missing file", async () => {
    expect(await refusal(path.join(root, "raw"))).toBe(`${path.join(root, "raw", "manifest.json")} is missing; is ${path.join(root, "raw")} a build output (make build-dataset OUT=${path.join(root, "raw")})?`);
    const noParagraphs = await changed("no-paragraphs", (copy) => rm(path.join(copy, "paragraphs.parquet")));
    expect(await refusal(noParagraphs)).toContain(`${path.join(noParagraphs, "paragraphs.parquet")} is missing`);
    expect(() => [...readArrowTable(path.join(root, "nowhere"), "occurrences")]).toThrow(`${path.join(root, "nowhere", "occurrences.arrow")} is missing`);
  });

  it("is refused when a file is not what it should be: a manifest of another kind, or a table that cannot be read", async () => {
    const otherManifest = await changed("other-manifest", (copy) => writeFile(path.join(copy, "manifest.json"), JSON.stringify({ buildKey: "abc" })));
    expect(await refusal(otherManifest)).toMatch(/manifest\.json, field buildKey: .*Rebuild it\.$/);
    const notParquet = await changed("not-parquet", (copy) => writeFile(path.join(copy, "occurrences.parquet"), "not parquet"));
    expect(await refusal(notParquet)).toMatch(/occurrences\.parquet is not a readable Parquet file \(.+\); rebuild it\.$/);
    const notArrow = await changed("not-arrow", (copy) => writeFile(path.join(copy, "paragraphs.arrow"), ""));
    expect(() => [...readArrowTable(notArrow, "paragraphs")]).toThrow(/paragraphs\.arrow is not a readable Arrow IPC file/);
  });

  it("is refused when a table has other columns, naming the file, what it has and what this version expects", async () => {
    const swapped = await changed("other-columns", async (copy) => {
      const writer = await openTableWriter(occurrenceRowSchema, copy, "paragraphs", ["parquet", "arrow"]);
      await writer.close();
    });
    expect(await refusal(swapped)).toMatch(/paragraphs\.parquet has columns source_file VARCHAR, .*; this version expects paragraph_id VARCHAR, text VARCHAR, .*\. Rebuild it\.$/);
    expect(() => [...readArrowTable(swapped, "paragraphs")]).toThrow(/paragraphs\.arrow has columns source_file:Utf8,.*; this version expects paragraph_id:Utf8,.*\. Rebuild it\.$/);
    const rejects = await changed("other-rejects", (copy) => writeFile(path.join(copy, "rejects.csv"), "source_file,line,reason\n"));
    expect(await refusal(rejects)).toMatch(/rejects\.csv has columns source_file,line,reason; this version expects source_file,line_start,line_end,reason\. Rebuild it\.$/);
  });

  it("is refused when a value breaks its schema, naming the file and column", async () => {
    const drifted = await changed("drifted", async (copy) => {
      const rows = arrowRecords<ParagraphRow>("paragraphs").map((row) => ({ ...row, language: "not a language" }));
      const writer = await openTableWriter<ParagraphRow>(paragraphRowSchema, copy, "paragraphs", ["parquet", "arrow"]);
      await writer.write(rows);
      await writer.close();
    });
    expect(() => [...readArrowTable(drifted, "paragraphs")]).toThrow(new RegExp(`^${path.join(drifted, "paragraphs.arrow").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, column language: .*Rebuild it\\.$`));
    await withBuild(async (reader) => {
      await expect(reader.nearDuplicates(arrowRecords<ParagraphRow>("paragraphs")[0]!.nearDupCluster)).rejects.toThrow(/paragraphs\.parquet, column language: /);
    }, drifted);
  });

  it("leaves no scratch folder behind when refused", async () => {
    await refusal(await changed("refused", (copy) => writeFile(path.join(copy, "paragraphs.parquet"), "not parquet")));
    expect((await readdir(os.tmpdir())).filter((name) => name.startsWith(`satc-read-${process.pid}-`))).toEqual([]);
  });
});
