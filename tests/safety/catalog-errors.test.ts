import { readFileSync } from "node:fs";
import { cp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG_DIRECTORY, readCatalog } from "../../pipeline/link/catalog.js";
import { PipelineError } from "../../pipeline/validate.js";
import { tempTree } from "../helpers.js";

/**
 * Issue 11.12 (the catalog): a catalog that is not JSON stopped the build with a bare
 * SyntaxError naming no file. Every way a catalog file can be broken now stops it with one
 * line that names the file, where in it, and what to do.
 */

const SEASON = readFileSync(path.join(CATALOG_DIRECTORY, "season-1.json"), "utf8");
const LINES = SEASON.split("\n");
/** The line of the file (1-based) that starts S01E03's entry, `   "code": "S01E03",`. */
const LINE = LINES.findIndex((line) => line.includes('"code": "S01E03"')) + 1;
const withLine = (replacement: string) => LINES.map((line, index) => (index + 1 === LINE ? replacement : line)).join("\n");

/** A copy of the catalog with season-1.json replaced by `content` (or removed). */
async function failureOf(content: string | Uint8Array | null): Promise<{ file: string; message: string }> {
  const directory = await tempTree({});
  await cp(CATALOG_DIRECTORY, directory, { recursive: true });
  const file = path.join(directory, "season-1.json");
  if (content === null) await rm(file);
  else await writeFile(file, content);
  const error = await readCatalog(directory).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PipelineError);
  return { file, message: (error as Error).message };
}

describe("a broken catalog file", () => {
  it.each([
    ["has a trailing comma", () => withLine('   "code": "S01E03",,'), `line ${LINE}, column 21: not valid JSON (Expected double-quoted property name); fix the syntax there.`],
    ["has a stray word where a value belongs", () => withLine('   "code": S01E03,'), `line ${LINE}, column 12: not valid JSON (Unexpected token 'S'); fix the syntax there.`],
    ["misses a comma", () => withLine('   "code": "S01E03"'), `line ${LINE + 1}, column 4: not valid JSON (Expected ',' or '}' after property value)`],
    ["is cut off", () => SEASON.slice(0, SEASON.indexOf('"characters"') + 3), "not valid JSON (Unterminated string)"],
    ["ends before its last brace", () => SEASON.trimEnd().slice(0, -1), `line ${SEASON.trimEnd().split("\n").length}, column 1: not valid JSON (Expected ',' or '}' after property value)`],
    ["is empty", () => "", "line 1, column 1: not valid JSON (Unexpected end of JSON input)"],
    ["is not UTF-8", () => Buffer.concat([Buffer.from(SEASON.slice(0, 10)), Buffer.from([0xff]), Buffer.from(SEASON.slice(10))]), " line 2: not valid UTF-8 (byte 0xFF at offset 10); re-save it as UTF-8."],
    ["breaks its schema", () => withLine('   "code": "S1E3",'), "field episodes.2.code: episode codes look like S06E18; fix that field."],
    ["lists an episode twice", () => SEASON.replace('"code": "S01E03"', '"code": "S01E02"').replace('"episode": 3,', '"episode": 2,'), " is inconsistent: S01E02: listed twice; S01E03: missing"],
  ])("[11.12h] that %s stops the build with one line naming the file, the place and what to do", async (_name, content, expected) => {
    const { file, message } = await failureOf(content());
    if (!expected.startsWith(" is inconsistent")) expect(message.startsWith(file)).toBe(true);
    expect(message).toContain(expected);
    expect(message).not.toMatch(/[\n\r]/);
  });

  it("[11.12i] that is missing stops the build with one line naming what is missing", async () => {
    const { message } = await failureOf(null);
    expect(message).toMatch(/S01E01: missing/);
    const directory = await tempTree({});
    await expect(readCatalog(directory)).rejects.toThrow(`${path.join(directory, "series.json")}: cannot be read (ENOENT); restore it from version control`);
  });
});
