import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { BuildSummary } from "../../pipeline/run.js";
import { forTerminal } from "../../pipeline/runtime/terminal.js";
import { explain } from "../../tools/explain.js";
import { renderDataDictionary } from "../../tools/data-dictionary.js";
import { build } from "../build.js";
import { tempTree } from "../helpers.js";
import { readCsvRows } from "../readers.js";

/**
 * Issue 11.14: cells beginning with = + - @ open as formulas in a spreadsheet; documented, the
 * data unchanged. Issue 11.16: escape sequences in file names and texts reached the terminal
 * raw through the build log and `explain`.
 */

const FORMULA_TEXTS = ['=HYPERLINK("http://example.invalid","Carrie")', "+1 Carrie kauft Schuhe", "-Big ruft an", "@SUM(A1:A9) Miranda"];
/** A file name that recolours the terminal, and a text that sets its window title, rings the bell and reorders the line. */
const ESCAPING_NAME = "\u001b[31mred.txt";
const ESCAPING_TEXT = "Carrie \u001b]0;owned\u0007schreibt \u202eetwas\u202c \u009b2J weiter.";
/** Raw control characters a terminal would act on. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let raw: string;
let out: string;
let summary: BuildSummary;
const logged: string[] = [];

beforeAll(async () => {
  raw = await tempTree({
    "=cmd.txt": `${FORMULA_TEXTS.join("\n")}\n`,
    [ESCAPING_NAME]: `${ESCAPING_TEXT}\n`,
    "\u001b[2Jrejected.bin": new Uint8Array([0x41, 0x00]),
  });
  out = `${raw}-out`;
  summary = await build({ rawDir: raw, outDir: out, log: (line) => logged.push(line), threads: 1 });
});

describe("cells a spreadsheet would read as formulas", () => {
  it("[11.14a] are explained in docs/DATA.md, with what to do", () => {
    const dictionary = renderDataDictionary();
    expect(dictionary).toContain("## Opening the CSV files in a spreadsheet");
    expect(dictionary).toMatch(/begins with `=`, `\+`, `-` or `@`.*\n?.*opens as a formula/);
    expect(dictionary).toContain("Import the CSV files with every column as text");
  });

  it("[11.14b] are counted in the report, texts and file names, with the same advice", () => {
    const html = readFileSync(path.join(out, "report.html"), "utf8");
    expect(html).toContain("<h2>Opening the CSV files in a spreadsheet</h2>");
    expect(html).toContain("In this build 4 paragraph text(s) and 1 <code>source_file</code> name(s) begin with such a character.");
  });

  it("[11.14c] are written exactly as in RAW: the data is not altered", () => {
    const paragraphs = readCsvRows(path.join(out, "paragraphs.csv"), new Set());
    expect(paragraphs.filter((row) => row.source_file === "=cmd.txt").map((row) => row.text)).toEqual(FORMULA_TEXTS);
    expect(readFileSync(path.join(out, "paragraphs.csv"), "utf8")).toContain('"=HYPERLINK(""http://example.invalid"",""Carrie"")"');
  });
});

describe("text shown on a terminal", () => {
  it.each([
    ["an ANSI colour sequence", "\u001b[31mred", "\\x1B[31mred"],
    ["a window title set with BEL", "\u001b]0;owned\u0007", "\\x1B]0;owned\\x07"],
    ["line breaks and a carriage return that would overwrite the line", "a\nb\rc\td", "a\\x0Ab\\x0Dc\\x09d"],
    ["a C1 control sequence introducer and DEL", "\u009b2J\u007f", "\\x9B2J\\x7F"],
    ["bidi overrides, isolates and line separators", "\u202eabc\u202c \u2066x\u2069 \u2028", "\\u202Eabc\\u202C \\u2066x\\u2069 \\u2028"],
    ["ordinary text in any script, a backslash and emoji", "Größe \\x41 Κάρι キャリー 👠 \u200d", "Größe \\x41 Κάρι キャリー 👠 \u200d"],
  ])("[11.16a] escapes what a terminal would act on in %s, and nothing else", (_name, text, shown) => {
    expect(forTerminal(text)).toBe(shown);
  });

  it("[11.16b] the build log shows file names and reasons with their control characters escaped", () => {
    expect(summary.rejects).toHaveLength(1);
    const rejectLine = logged.find((line) => line.startsWith("  rejected"))!;
    expect(rejectLine).toContain("rejected \\x1B[2Jrejected.bin lines 1-1: binary file");
    for (const line of logged) expect(line).not.toMatch(CONTROL);
  });

  it("[11.16c] explain shows the escaped file name and text of a paragraph, and of a reject", async () => {
    const lineage = await explain({ ref: `${ESCAPING_NAME}:1`, outDir: out, rawDir: raw });
    expect(lineage).toContain("\\x1B[31mred.txt lines 1-1");
    expect(lineage).toContain("Carrie \\x1B]0;owned\\x07schreibt \\u202Eetwas\\u202C \\x9B2J weiter.");
    expect(lineage).not.toMatch(CONTROL);
    const rejected = await explain({ ref: "\u001b[2Jrejected.bin:1", outDir: out, rawDir: raw });
    expect(rejected).toContain("\\x1B[2Jrejected.bin:1 was rejected");
    expect(rejected).not.toMatch(CONTROL);
  });
});
