import { readFileSync } from "node:fs";
import { symlink, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compareSourceFiles } from "../../pipeline/ingest/file-names.js";
import { listRawFiles, MAX_BLOB_BYTES } from "../../pipeline/ingest/ingest.js";
import type { BuildSummary } from "../../pipeline/run.js";
import { sha256Hex } from "../../pipeline/text.js";
import type { Manifest } from "../../schemas/manifest.js";
import { build } from "../build.js";
import { tempTree } from "../helpers.js";
import { readCsvRows } from "../readers.js";

/**
 * Issue 11.17: manifest.json said "every input" but left rejected files out, and files were
 * sorted by UTF-16 code units while the README said code points. Now every file found is in
 * the manifest, and one order, code points of source_file, holds everywhere.
 */

/** U+1D49C (a surrogate pair in UTF-16) and U+FF5E: UTF-16 code units put the first first, code points the second. */
const ASTRAL = "\u{1D49C}.txt";
const FULLWIDTH_TILDE = "\uFF5E.txt";

describe("file order", () => {
  it("[11.17a] is by code points, where UTF-16 code units would differ", async () => {
    const names = [ASTRAL, FULLWIDTH_TILDE, "é.txt", "z.txt", "a/b.txt", "a.txt", "\uE000.txt"];
    expect([...names].sort()).not.toEqual([...names].sort(compareSourceFiles));
    const byUtf8Bytes = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...names].sort(compareSourceFiles)).toEqual(byUtf8Bytes);
    expect(byUtf8Bytes).toEqual(["a.txt", "a/b.txt", "z.txt", "é.txt", "\uE000.txt", FULLWIDTH_TILDE, ASTRAL]);
    const raw = await tempTree(Object.fromEntries(names.map((name) => [name, "x"])));
    expect((await listRawFiles(raw)).files.map((file) => file.sourceFile)).toEqual(byUtf8Bytes);
  });
});

describe("manifest inputs", () => {
  let raw: string;
  let out: string;
  let summary: BuildSummary;
  const manifest = () => JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as Manifest;
  const BINARY = Buffer.from([0x43, 0x00, 0x01]);
  const ASTRAL_TEXT = "Carrie zählt Schuhe.\n";
  // Its second line has no visible text: a line reject in a file that is read.
  const TILDE_TEXT = "Miranda zählt Fälle.\n\u200b\n";

  beforeAll(async () => {
    raw = await tempTree({
      [ASTRAL]: ASTRAL_TEXT,
      [FULLWIDTH_TILDE]: TILDE_TEXT,
      "binary.bin": BINARY,
      "empty.txt": "",
      "huge.txt": "",
    });
    await truncate(path.join(raw, "huge.txt"), MAX_BLOB_BYTES + 1); // sparse: never written, never read
    await symlink(path.join(raw, "empty.txt"), path.join(raw, "link.txt"));
    out = `${raw}-out`;
    summary = await build({ rawDir: raw, outDir: out, threads: 1 });
  });

  it("[11.17b] list every file found, rejected ones too, with their bytes and SHA-256 where the build read them", () => {
    expect(manifest().inputs).toEqual([
      { path: "binary.bin", bytes: 3, sha256: sha256Hex(BINARY) },
      { path: "empty.txt", bytes: 0, sha256: sha256Hex("") },
      { path: "huge.txt", bytes: MAX_BLOB_BYTES + 1, sha256: null },
      { path: "link.txt", bytes: null, sha256: null },
      { path: FULLWIDTH_TILDE, bytes: Buffer.byteLength(TILDE_TEXT), sha256: sha256Hex(TILDE_TEXT) },
      { path: ASTRAL, bytes: Buffer.byteLength(ASTRAL_TEXT), sha256: sha256Hex(ASTRAL_TEXT) },
    ]);
  });

  it("[11.17d] name every source_file of occurrences and rejects, and every table follows the same order", () => {
    const inputs = manifest().inputs.map((input) => input.path);
    const occurrenceFiles = readCsvRows(path.join(out, "occurrences.csv"), new Set()).map((row) => String(row.source_file));
    const rejectFiles = readCsvRows(path.join(out, "rejects.csv"), new Set()).map((row) => String(row.source_file));
    expect(occurrenceFiles).toEqual([FULLWIDTH_TILDE, ASTRAL]);
    expect(rejectFiles).toEqual(["binary.bin", "empty.txt", "huge.txt", "link.txt", FULLWIDTH_TILDE]);
    for (const file of [...occurrenceFiles, ...rejectFiles]) expect(inputs).toContain(file);
    expect(summary.rejects.map((reject) => reject.sourceFile)).toEqual(rejectFiles);
  });

  it("[11.17c] change when only a rejected file's content changes, so the manifest never records stale hashes", async () => {
    await writeFile(path.join(raw, "binary.bin"), Buffer.from([0x44, 0x00, 0x02, 0x03]));
    const rebuilt = await build({ rawDir: raw, outDir: out, threads: 1 });
    expect(rebuilt.upToDate).toBe(false);
    expect(manifest().inputs[0]).toEqual({ path: "binary.bin", bytes: 4, sha256: sha256Hex(Buffer.from([0x44, 0x00, 0x02, 0x03])) });
  });
});
