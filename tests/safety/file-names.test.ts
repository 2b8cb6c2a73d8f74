import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pathOfSourceFile, sourceFileOf } from "../../pipeline/ingest/file-names.js";
import { absolutePathOf, listRawFiles, readRawFile } from "../../pipeline/ingest/ingest.js";
import { sha256Hex } from "../../pipeline/text.js";
import { explain } from "../../tools/explain.js";
import { build } from "../build.js";
import { tempTree } from "../helpers.js";
import { readCsvRows } from "../readers.js";

/**
 * Issue 11.3: file names are bytes. A name that is not UTF-8 used to be decoded with U+FFFD,
 * so `x\xff.txt` and `x\ufffd.txt` became one source_file and one file's text was lost.
 */

const bytes = (...parts: Array<string | number[] | Buffer>) => Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))));
/** Latin-1 "x\xff.txt": not UTF-8. */
const LATIN1_NAME = bytes("x", [0xff], ".txt");
/** What a lossy decoder makes of it, as a real UTF-8 name. */
const REPLACEMENT_NAME = bytes("x\ufffd.txt");
/** A real UTF-8 name that reads like the escaped spelling of the Latin-1 one. */
const LOOKALIKE_NAME = bytes("x\\xFF.txt");
const NOT_UTF8 = expect.stringContaining("file name is not valid UTF-8");

/** RAW holding files named by bytes. */
async function rawWith(files: Array<[name: Buffer, content: string]>): Promise<string> {
  const raw = await tempTree({});
  for (const [name, content] of files) await writeFile(absolutePathOf(raw, name), content);
  return raw;
}

describe("spelling file names as source_file", () => {
  it.each([
    ["a UTF-8 name", bytes("004_a58078538e24c6c1.txt"), "004_a58078538e24c6c1.txt"],
    ["letters beyond ASCII, an astral character and U+FFFD", bytes("Größe 😀 x\ufffd.txt"), "Größe 😀 x\ufffd.txt"],
    ["a BOM at the start of a name", bytes("\ufeffname.txt"), "\ufeffname.txt"],
    ["a Latin-1 byte", LATIN1_NAME, "x\\xFF.txt"],
    ["a backslash", LOOKALIKE_NAME, "x\\\\xFF.txt"],
    ["a sequence cut short, an overlong form and an encoded surrogate", bytes([0xe2, 0x82], "|", [0xc0, 0xaf], "|", [0xed, 0xa0, 0x80]), "\\xE2\\x82|\\xC0\\xAF|\\xED\\xA0\\x80"],
    ["bytes no UTF-8 sequence starts with", bytes([0x80, 0xf5, 0xfe, 0xff]), "\\x80\\xF5\\xFE\\xFF"],
  ])("[11.3a] spells %s unambiguously", (_name, name, expected) => {
    expect(sourceFileOf(name)).toBe(expected);
    expect(pathOfSourceFile(expected).equals(name)).toBe(true);
  });

  it("[11.3b] is one-to-one: distinct names never share a spelling, and every spelling gives back its bytes", () => {
    // Names of up to three bytes from an alphabet rich in the cases that matter, every combination.
    const alphabet = [0x41, 0x5c, 0x78, 0x46, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xf0, 0x9f, 0xff];
    const names: Buffer[] = [];
    for (const a of alphabet) for (const b of [null, ...alphabet]) for (const c of [null, ...alphabet]) {
      if (b === null && c !== null) continue;
      names.push(Buffer.from([a, ...(b === null ? [] : [b]), ...(c === null ? [] : [c])]));
    }
    const spellings = new Map<string, Buffer>();
    for (const name of names) {
      const spelled = sourceFileOf(name);
      expect(spellings.get(spelled)?.toString("hex") ?? name.toString("hex"), spelled).toBe(name.toString("hex"));
      spellings.set(spelled, name);
      expect(pathOfSourceFile(spelled).equals(name), spelled).toBe(true);
    }
    expect(spellings.size).toBe(names.length);
  });
});

describe("reading RAW by bytes", () => {
  it("[11.3c] lists a Latin-1 name, its U+FFFD twin and a look-alike with a backslash as three files, and rejects only the Latin-1 one", async () => {
    const raw = await rawWith([
      [LATIN1_NAME, "Carrie in Latin-1.\n"],
      [REPLACEMENT_NAME, "Carrie mit Ersatzzeichen.\n"],
      [LOOKALIKE_NAME, "Carrie with a backslash.\n"],
    ]);
    const { files } = await listRawFiles(raw);
    expect(files.map((file) => file.sourceFile)).toEqual(["x\\\\xFF.txt", "x\\xFF.txt", "x\ufffd.txt"]);
    const results = await Promise.all(files.map((file) => readRawFile(raw, file)));
    expect(results.map((result) => result.kind)).toEqual(["blob", "reject", "blob"]);
    expect(results[1]).toEqual({
      kind: "reject",
      reject: { sourceFile: "x\\xFF.txt", lineStart: 0, lineEnd: 0, reason: NOT_UTF8 },
      input: { path: "x\\xFF.txt", bytes: 19, sha256: sha256Hex("Carrie in Latin-1.\n") },
    });
    expect(results[1]!.kind === "reject" && results[1]!.reject.reason).toContain("\\xHH and a backslash as \\\\");
  });

  it("[11.3d] a build keeps each of them apart: one reject, each other line once, each input once, and explain finds the file behind an escaped name", async () => {
    const raw = await rawWith([
      [LATIN1_NAME, "Carrie in Latin-1.\n"],
      [REPLACEMENT_NAME, "Carrie mit Ersatzzeichen.\n"],
      [LOOKALIKE_NAME, "Carrie with a backslash.\n"],
    ]);
    const out = `${raw}-out`;
    const summary = await build({ rawDir: raw, outDir: out, threads: 1 });
    expect(summary.rejects).toEqual([{ sourceFile: "x\\xFF.txt", lineStart: 0, lineEnd: 0, reason: NOT_UTF8 }]);
    const occurrences = readCsvRows(path.join(out, "occurrences.csv"), new Set());
    expect(occurrences.map((row) => row.source_file)).toEqual(["x\\\\xFF.txt", "x\ufffd.txt"]);
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as { inputs: Array<{ path: string }> };
    expect(manifest.inputs.map((input) => input.path)).toEqual(["x\\\\xFF.txt", "x\\xFF.txt", "x\ufffd.txt"]);
    const lineage = await explain({ ref: "x\\\\xFF.txt:1", outDir: out, rawDir: raw });
    expect(lineage).toContain("(blob sha256 matches)");
    expect(lineage).toContain('"Carrie with a backslash."');
    expect(await explain({ ref: "x\\xFF.txt:1", outDir: out, rawDir: raw })).toContain("file name is not valid UTF-8");
  });

  it("[11.3e] reads a folder whose name is not UTF-8, and rejects each file in it under an escaped path", async () => {
    const folder = bytes("Staffel", [0xe4]);
    const raw = await tempTree({});
    await mkdir(absolutePathOf(raw, folder));
    await writeFile(absolutePathOf(raw, bytes(folder, "/a.txt")), "eins\n");
    await writeFile(absolutePathOf(raw, bytes(folder, "/b.txt")), "zwei\n");
    const { files, folderRejects } = await listRawFiles(raw);
    expect(folderRejects).toEqual([]);
    expect(files.map((file) => file.sourceFile)).toEqual(["Staffel\\xE4/a.txt", "Staffel\\xE4/b.txt"]);
    for (const file of files) expect(await readRawFile(raw, file)).toMatchObject({ kind: "reject", reject: { reason: NOT_UTF8 }, input: { bytes: 5 } });
  });
});
