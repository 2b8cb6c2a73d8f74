import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { splitBlob } from "../../pipeline/ingest/split.js";
import { build } from "../build.js";
import { tempTree, scannedBlob } from "../helpers.js";
import { readCsvRows } from "../readers.js";

/**
 * Issue 11.15: a line made only of invisible characters normalises to nothing; as a paragraph
 * it had an empty normalised text and one id shared across files. It is a reject instead, and
 * every non-blank line is still in exactly one occurrence or reject.
 */

const INVISIBLE_LINES = [
  "\u200b", // zero-width space
  "\u00ad\u00ad", // soft hyphens
  "\u202e\u202c", // right-to-left override and pop
  " \u2066\u2069 \u200e ", // isolates and a left-to-right mark between spaces
  "\u2060\ufeff", // word joiner and a BOM inside the text
];
const NO_VISIBLE_TEXT = expect.stringContaining("no visible text");

/** Every non-blank line number of `content` (as the splitter counts lines: LF, CRLF or CR). */
const nonBlankLines = (content: string) =>
  content
    .split(/\r\n|\r|\n/)
    .map((line, index) => (line.trim() === "" ? 0 : index + 1))
    .filter((line) => line > 0);

/** Each line covered by the pieces, once per piece covering it. */
const coveredLines = (pieces: Array<{ lineStart: number; lineEnd: number }>) =>
  pieces.flatMap(({ lineStart, lineEnd }) => Array.from({ length: lineEnd - lineStart + 1 }, (_, offset) => lineStart + offset)).sort((a, b) => a - b);

describe("lines of invisible characters", () => {
  it("[11.15a] are rejected as having no visible text, one reject per line, with nothing lost", () => {
    const content = ["Carrie schreibt.", ...INVISIBLE_LINES, "Big ruft an."].join("\n");
    const { occurrences, rejects } = splitBlob(scannedBlob("a.txt", content));
    expect(occurrences.map((o) => o.text)).toEqual(["Carrie schreibt.", "Big ruft an."]);
    expect(rejects).toEqual(INVISIBLE_LINES.map((_, index) => ({ sourceFile: "a.txt", lineStart: index + 2, lineEnd: index + 2, reason: NO_VISIBLE_TEXT })));
    expect(coveredLines([...occurrences, ...rejects])).toEqual(nonBlankLines(content));
  });

  it("[11.15b] in a hard-wrapped blob: a block of them is one reject; one inside a block of text stays part of that paragraph", () => {
    const content = [
      "Carrie sits at her laptop and wonders whether\nthe men of Manhattan are afraid of commitment\nor simply afraid of the women who ask them\nabout it over brunch on Sunday.",
      `${INVISIBLE_LINES[0]}\n${INVISIBLE_LINES[1]}`,
      "Samantha throws a party at the restaurant,\nCharlotte looks for a husband with a plan, and\nMiranda keeps her lawyer hours, whatever the\ncity says about it.\n\u200b",
      "Aidan builds a chair in the cabin and waits for\nCarrie to say what she wants from the weekend,\nwhile Big sends her a letter she cannot answer.",
    ].join("\n\n");
    const { layout, occurrences, rejects } = splitBlob(scannedBlob("wrapped.txt", content));
    expect(layout).toBe("blank-line-blocks");
    expect(occurrences.map((o) => [o.lineStart, o.lineEnd])).toEqual([[1, 4], [9, 13], [15, 17]]);
    expect(occurrences[1]!.text.endsWith("city says about it. \u200b")).toBe(true);
    expect(rejects).toEqual([{ sourceFile: "wrapped.txt", lineStart: 6, lineEnd: 7, reason: NO_VISIBLE_TEXT }]);
    expect(coveredLines([...occurrences, ...rejects])).toEqual(nonBlankLines(content));
  });

  it("[11.15c] in a build: no paragraph without visible text, no id shared by them across files, every line accounted for", async () => {
    const files = {
      "a.txt": `Carrie schreibt.\n${INVISIBLE_LINES.join("\n")}\n`,
      "b.txt": `${INVISIBLE_LINES[0]}\r\nMiranda lacht.\r\n${INVISIBLE_LINES[2]}\r\n`,
      "only-invisible.txt": `${INVISIBLE_LINES.join("\n")}\n`,
    };
    const raw = await tempTree(files);
    const out = `${raw}-out`;
    const summary = await build({ rawDir: raw, outDir: out, threads: 1 });
    const paragraphs = readCsvRows(path.join(out, "paragraphs.csv"), new Set());
    expect(paragraphs.map((row) => row.text)).toEqual(["Carrie schreibt.", "Miranda lacht."]);
    const occurrences = readCsvRows(path.join(out, "occurrences.csv"), new Set(["line_start", "line_end"]));
    for (const [sourceFile, content] of Object.entries(files)) {
      const pieces = [...occurrences.filter((row) => row.source_file === sourceFile), ...summary.rejects.filter((reject) => reject.sourceFile === sourceFile)];
      const lines = pieces.map((piece) => ({ lineStart: Number("line_start" in piece ? piece.line_start : piece.lineStart), lineEnd: Number("line_end" in piece ? piece.line_end : piece.lineEnd) }));
      expect(coveredLines(lines), sourceFile).toEqual(nonBlankLines(content));
    }
    expect(summary.rejects.filter((reject) => reject.reason.startsWith("no visible text"))).toHaveLength(2 * INVISIBLE_LINES.length + 2);
    expect(readFileSync(path.join(out, "rejects.csv"), "utf8")).toContain(`only-invisible.txt,1,1,"no visible text`);
  });
});
