import type { Occurrence, Reject } from "../schemas/records.js";
import type { DecodedBlob } from "./ingest.js";

/** One physical line of a blob, without its terminator, with where it sits in the raw bytes. */
interface Line {
  number: number;
  text: string;
  byteStart: number;
  byteEnd: number;
}

export type BlobLayout = "line-per-paragraph" | "blank-line-blocks";

/** Share of continuing lines that must be "full" for a blob to count as hard-wrapped. */
const WRAPPED_LINE_SHARE = 0.8;
/**
 * A paragraph longer than this is not a description (a dump, a minified file, a 50 MB
 * line): it is rejected with its lines, rather than slowing every later stage down.
 */
export const MAX_PARAGRAPH_BYTES = 1 << 20;
/** Text is hard-wrapped at 40 columns or more; shorter lines are lists, not wrapped prose. */
const MIN_WRAP_WIDTH = 40;

/** Splits a decoded blob into paragraph occurrences with exact provenance. */
export function splitBlob(decoded: DecodedBlob): { layout: BlobLayout; occurrences: Occurrence[]; rejects: Reject[] } {
  const lines = linesOf(decoded.text, decoded.textByteOffset);
  const blocks = blocksOf(lines);
  const layout = detectLayout(blocks);
  const groups = layout === "blank-line-blocks" ? blocks : blocks.flat().map((line) => [line]);
  const { sourceFile, blobSha256 } = decoded.blob;
  const occurrences = groups.map((group): Occurrence => {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const leading = first.text.length - first.text.trimStart().length;
    const trailing = last.text.length - last.text.trimEnd().length;
    return {
      sourceFile,
      lineStart: first.number,
      lineEnd: last.number,
      byteStart: first.byteStart + utf8Length(first.text.slice(0, leading)),
      byteEnd: last.byteEnd - utf8Length(last.text.slice(last.text.length - trailing)),
      blobSha256,
      text: group.map((line) => line.text.trim()).join(" "),
    };
  });
  const rejects = occurrences
    .filter((occurrence) => occurrence.byteEnd - occurrence.byteStart > MAX_PARAGRAPH_BYTES)
    .map((occurrence) => ({
      sourceFile,
      lineStart: occurrence.lineStart,
      lineEnd: occurrence.lineEnd,
      reason:
        `paragraph of ${occurrence.byteEnd - occurrence.byteStart} bytes exceeds the ${MAX_PARAGRAPH_BYTES}-byte limit; ` +
        "a description is never this long: split the text into paragraphs or remove it",
    }));
  const kept = occurrences.filter((occurrence) => occurrence.byteEnd - occurrence.byteStart <= MAX_PARAGRAPH_BYTES);
  return { layout, occurrences: kept, rejects };
}

/**
 * A blob is hard-wrapped when it has at least two blocks separated by blank lines and its
 * lines that continue into a next line look wrapped: there are at least two of them, the
 * longest is at least MIN_WRAP_WIDTH characters, and most are "full" (the next line's
 * first word would not have fitted within that longest line). Otherwise every non-blank
 * line is a paragraph (one-paragraph-per-line blobs, teaser lists, podcast notes).
 */
export function detectLayout(blocks: Line[][]): BlobLayout {
  const continuing = blocks.flatMap((block) =>
    block.slice(0, -1).map((line, i) => ({
      length: codePointLength(line.text.trim()),
      nextFirstWordLength: codePointLength(block[i + 1]!.text.trim().split(/\s+/u)[0]!),
    })),
  );
  if (blocks.length < 2 || continuing.length < 2) return "line-per-paragraph";
  const wrapWidth = Math.max(...continuing.map((line) => line.length));
  if (wrapWidth < MIN_WRAP_WIDTH) return "line-per-paragraph";
  const full = continuing.filter((line) => line.length + 1 + line.nextFirstWordLength > wrapWidth).length;
  return full >= WRAPPED_LINE_SHARE * continuing.length ? "blank-line-blocks" : "line-per-paragraph";
}

/** Runs of consecutive non-blank lines. */
function blocksOf(lines: Line[]): Line[][] {
  const blocks: Line[][] = [];
  let current: Line[] = [];
  for (const line of lines) {
    if (line.text.trim() === "") {
      if (current.length > 0) blocks.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

/** LF, CRLF and CR all end a line; UTF-8 never uses their bytes inside a multi-byte character. */
function linesOf(text: string, textByteOffset: number): Line[] {
  const lines: Line[] = [];
  const terminator = /\r\n|\r|\n/g;
  let charStart = 0;
  let byteStart = textByteOffset;
  let number = 1;
  for (;;) {
    const match = terminator.exec(text);
    const charEnd = match ? match.index : text.length;
    const lineText = text.slice(charStart, charEnd);
    const byteEnd = byteStart + utf8Length(lineText);
    if (match || lineText.length > 0) lines.push({ number, text: lineText, byteStart, byteEnd });
    if (!match) break;
    charStart = charEnd + match[0].length;
    byteStart = byteEnd + match[0].length;
    number++;
  }
  return lines;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
