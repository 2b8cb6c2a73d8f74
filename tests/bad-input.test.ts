import { cp, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRawFile } from "../pipeline/ingest/ingest.js";
import type { BuildSummary } from "../pipeline/run.js";
import { PipelineError } from "../pipeline/validate.js";
import { build } from "./build.js";
import { rawFile } from "./helpers.js";
import { readCsvRows, type Row } from "./readers.js";

/**
 * The bad-input corpus (tests/fixtures/bad-input, plus what cannot be committed: a 50 MB
 * line, symlinks) built as one RAW. Each input's documented behaviour is one row below.
 */
const expectations: Array<[string, { paragraphs: number } | { reject: string }]> = [
  ["empty.txt", { reject: "empty file" }],
  ["whitespace-only.txt", { reject: "only whitespace" }],
  ["bom-only.txt", { reject: "only whitespace or a byte order mark" }],
  ["invalid-utf8-middle.txt", { reject: "not valid UTF-8: byte 0xFF at offset 57 (line 3)" }],
  ["utf16-bom.txt", { reject: "UTF-16" }],
  ["latin1.txt", { reject: "not valid UTF-8" }],
  ["binary.bin", { reject: "NUL byte" }],
  ["huge-line.txt", { reject: "exceeds the 1048576-byte limit" }],
  ["link-outside.txt", { reject: "pointing outside RAW" }],
  ["link-inside.txt", { reject: "symbolic link inside RAW" }],
  ["mixed-line-ends.txt", { paragraphs: 4 }],
  ["zero-width-bidi.txt", { paragraphs: 2 }],
  ["nfc.txt", { paragraphs: 1 }],
  ["nfd.txt", { paragraphs: 1 }],
  ["no-extension", { paragraphs: 1 }],
  ["nested/a/same-name.txt", { paragraphs: 1 }],
  ["nested/b/same-name.txt", { paragraphs: 1 }],
];

let raw: string;
let out: string;
let summary: BuildSummary;
let occurrences: Row[];
let paragraphs: Row[];
const SECRET_OUTSIDE_RAW = "Dieser Text liegt außerhalb von RAW und darf nie gelesen werden.";

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-bad-input-"));
  raw = path.join(root, "raw");
  out = path.join(root, "out");
  await cp(new URL("./fixtures/bad-input", import.meta.url), raw, { recursive: true });
  await writeFile(path.join(root, "outside.txt"), `${SECRET_OUTSIDE_RAW}\n`);
  await symlink(path.join(root, "outside.txt"), path.join(raw, "link-outside.txt"));
  await symlink(path.join(raw, "nfc.txt"), path.join(raw, "link-inside.txt"));
  await writeFile(path.join(raw, "huge-line.txt"), `Kurz davor.\n${"Carrie schreibt. ".repeat(50 * 1024 * 1024 / 17)}\nKurz danach.\n`);
  summary = await build({ rawDir: raw, outDir: out });
  occurrences = readCsvRows(path.join(out, "occurrences.csv"), new Set(["line_start", "line_end", "byte_start", "byte_end"]));
  paragraphs = readCsvRows(path.join(out, "paragraphs.csv"), new Set(["occurrence_count"]));
});

describe("bad input", () => {
  it.each(expectations)("%s: behaves as documented", (sourceFile, expected) => {
    const rejects = summary.rejects.filter((reject) => reject.sourceFile === sourceFile);
    if ("reject" in expected) {
      expect(rejects.map((reject) => reject.reason).join(" | ")).toContain(expected.reject);
    } else {
      expect(rejects).toEqual([]);
      expect(occurrences.filter((row) => row.source_file === sourceFile)).toHaveLength(expected.paragraphs);
    }
  });

  it("keeps the good lines around a rejected 50 MB line, with their line numbers", () => {
    expect(occurrences.filter((row) => row.source_file === "huge-line.txt").map((row) => row.line_start)).toEqual([1, 3]);
    expect(summary.rejects.find((reject) => reject.sourceFile === "huge-line.txt")).toMatchObject({ lineStart: 2, lineEnd: 2 });
  });

  it("never reads outside RAW", () => {
    expect(paragraphs.some((row) => String(row.text).includes("außerhalb von RAW"))).toBe(false);
  });

  it("merges NFC and NFD forms of one text into one paragraph, and keeps invisible characters in the text as written", () => {
    const nfc = occurrences.find((row) => row.source_file === "nfc.txt")!;
    const nfd = occurrences.find((row) => row.source_file === "nfd.txt")!;
    expect(nfd.paragraph_id).toBe(nfc.paragraph_id);
    const zeroWidth = occurrences.find((row) => row.source_file === "zero-width-bidi.txt" && row.line_start === 1)!;
    const paragraph = paragraphs.find((row) => row.paragraph_id === zeroWidth.paragraph_id)!;
    expect(paragraph.text).toBe("Carrie\u200b trifft\u200d Big.");
  });

  it("writes every reject to rejects.csv, sorted, and accounts for every line", () => {
    const rows = readCsvRows(path.join(out, "rejects.csv"), new Set(["line_start", "line_end"]));
    expect(rows).toHaveLength(summary.rejects.length);
    const files = rows.map((row) => String(row.source_file));
    expect(files).toEqual([...files].sort());
  });

  it("fails a STRICT build when anything was rejected, after writing OUT", async () => {
    const strictOut = path.join(path.dirname(out), "strict-out");
    // With the analyses of the build above: the 50 MB line is not analysed again.
    const cacheDir = path.join(path.dirname(out), ".out.cache");
    await expect(build({ rawDir: raw, outDir: strictOut, cacheDir, strict: true })).rejects.toThrow(PipelineError);
    expect(readCsvRows(path.join(strictOut, "rejects.csv"), new Set()).length).toBe(summary.rejects.length);
  });

  it("turns a file that cannot be read (permissions) into a reject row", async () => {
    const denied = async () => {
      throw Object.assign(new Error("permission denied"), { code: "EACCES" });
    };
    const result = await readRawFile(raw, rawFile("nfc.txt"), denied);
    expect(result).toMatchObject({ kind: "reject", reject: { sourceFile: "nfc.txt", reason: expect.stringContaining("cannot be read (EACCES)") } });
  });
});
