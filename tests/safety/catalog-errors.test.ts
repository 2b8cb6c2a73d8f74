import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../pipeline/episode.js";
import { PipelineError } from "../../pipeline/validate.js";
import { tempTree } from "../helpers.js";

/**
 * Issue 11.12 (the catalog): a catalog that is not JSON stopped the build with a bare
 * SyntaxError naming no file. Every way the catalog can be broken now stops it with one
 * line that names the file, where in it, and what to do.
 */

const CATALOG_TEXT = readFileSync(new URL("../../catalog/episodes.json", import.meta.url), "utf8");
const LINES = CATALOG_TEXT.split("\n");
/** The line of the catalog (1-based) that starts S01E03's entry, `   "code": "S01E03",`. */
const LINE = LINES.findIndex((line) => line.includes('"code": "S01E03"')) + 1;
const withLine = (replacement: string) => LINES.map((line, index) => (index + 1 === LINE ? replacement : line)).join("\n");

async function failureOf(content: string | Uint8Array): Promise<{ file: string; message: string }> {
  const directory = await tempTree({});
  const file = path.join(directory, "episodes.json");
  await writeFile(file, content);
  const error = await loadCatalog(file).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PipelineError);
  return { file, message: (error as Error).message };
}

describe("a broken catalog", () => {
  it.each([
    ["has a trailing comma", () => withLine('   "code": "S01E03",,'), `line ${LINE}, column 21: not valid JSON (Expected double-quoted property name); fix the syntax there.`],
    ["has a stray word where a value belongs", () => withLine('   "code": S01E03,'), `line ${LINE}, column 12: not valid JSON (Unexpected token 'S'); fix the syntax there.`],
    ["misses a comma", () => withLine('   "code": "S01E03"'), `line ${LINE + 1}, column 4: not valid JSON (Expected ',' or '}' after property value)`],
    ["is cut off", () => CATALOG_TEXT.slice(0, CATALOG_TEXT.indexOf('"characters"')), "line 4, column 2: not valid JSON (Expected double-quoted property name)"],
    ["ends in the middle of a string", () => CATALOG_TEXT.slice(0, CATALOG_TEXT.indexOf("Sex and")), "line 3, column 13: not valid JSON (Unterminated string)"],
    ["ends before its last brace", () => CATALOG_TEXT.trimEnd().slice(0, -1), `line ${LINES.length}, column 1: not valid JSON (Expected ',' or '}' after property value)`],
    ["is empty", () => "", "line 1, column 1: not valid JSON (Unexpected end of JSON input)"],
    ["is not UTF-8", () => Buffer.concat([Buffer.from(CATALOG_TEXT.slice(0, 100)), Buffer.from([0xff]), Buffer.from(CATALOG_TEXT.slice(100))]), " line 6: not valid UTF-8 (byte 0xFF at offset 100); re-save it as UTF-8."],
    ["breaks its schema", () => withLine('   "code": "S1E3",'), "field episodes.2.code: episode codes look like S06E18; fix that field."],
    ["lists an episode twice", () => CATALOG_TEXT.replace('"code": "S01E03"', '"code": "S01E02"').replace('"episode": 3,', '"episode": 2,'), " is inconsistent: S01E02: listed twice; S01E03: missing; 93 episodes; the series has 94; fix these entries."],
  ])("[11.12h] that %s stops the build with one line naming the file, the place and what to do", async (_name, content, expected) => {
    const { file, message } = await failureOf(content());
    expect(message.startsWith(file)).toBe(true);
    expect(message).toContain(expected);
    expect(message).not.toMatch(/[\n\r]/);
  });

  it("[11.12i] that is missing stops the build with one line naming it and how to restore it", async () => {
    const missing = path.join(await tempTree({}), "episodes.json");
    await expect(loadCatalog(missing)).rejects.toThrow(`${missing}: cannot be read (ENOENT); restore it from version control`);
  });
});
