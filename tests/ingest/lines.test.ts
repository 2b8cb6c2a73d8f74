import { describe, expect, it } from "vitest";
import { codePointLength, LineReader, type Line } from "../../pipeline/ingest/lines.js";

function readLines(pieces: string[], maxTextBytes = 1 << 20, firstByte = 0): Line[] {
  const lines: Line[] = [];
  const reader = new LineReader(firstByte, maxTextBytes, (line) => lines.push(line));
  for (const piece of pieces) reader.push(piece);
  reader.end();
  return lines;
}

describe("LineReader", () => {
  const text = "  Größe 😀 über\r\n\r\nzweite\tZeile  \rdritte\n\u00a0\n\r\n\nvierte";

  it("reads lines with LF, CRLF and CR ends, their byte ranges, trimmed texts and measures", () => {
    expect(readLines([text], 1 << 20, 3)).toEqual([
      { number: 1, byteStart: 3, byteEnd: 23, leadingBytes: 2, trailingBytes: 0, trimmed: "Größe 😀 über", trimmedLength: 12, firstWordLength: 5 },
      { number: 2, byteStart: 25, byteEnd: 25, leadingBytes: 0, trailingBytes: 0, trimmed: "", trimmedLength: 0, firstWordLength: 0 },
      { number: 3, byteStart: 27, byteEnd: 41, leadingBytes: 0, trailingBytes: 2, trimmed: "zweite\tZeile", trimmedLength: 12, firstWordLength: 6 },
      { number: 4, byteStart: 42, byteEnd: 48, leadingBytes: 0, trailingBytes: 0, trimmed: "dritte", trimmedLength: 6, firstWordLength: 6 },
      { number: 5, byteStart: 49, byteEnd: 51, leadingBytes: 2, trailingBytes: 0, trimmed: "", trimmedLength: 0, firstWordLength: 0 },
      { number: 6, byteStart: 52, byteEnd: 52, leadingBytes: 0, trailingBytes: 0, trimmed: "", trimmedLength: 0, firstWordLength: 0 },
      { number: 7, byteStart: 54, byteEnd: 54, leadingBytes: 0, trailingBytes: 0, trimmed: "", trimmedLength: 0, firstWordLength: 0 },
      { number: 8, byteStart: 55, byteEnd: 61, leadingBytes: 0, trailingBytes: 0, trimmed: "vierte", trimmedLength: 6, firstWordLength: 6 },
    ]);
  });

  it("gives the same lines wherever the text is cut into pieces, a CRLF included", () => {
    const whole = readLines([text]);
    // A decoder hands out whole characters: pieces never split a surrogate pair.
    const cuts = Array.from({ length: text.length + 1 }, (_, at) => at).filter((at) => !/[\ud800-\udbff]/.test(text.charAt(at - 1)));
    for (const cut of cuts) {
      for (const second of cuts.filter((at) => at >= cut)) {
        const pieces = [text.slice(0, cut), text.slice(cut, second), "", text.slice(second)];
        expect(readLines(pieces), `cut at ${cut} and ${second}`).toEqual(whole);
      }
    }
  });

  it("does not count a last line that has no bytes, and counts one that has", () => {
    expect(readLines(["eins\n"]).map((line) => line.number)).toEqual([1]);
    expect(readLines(["eins\r"]).map((line) => line.number)).toEqual([1]);
    expect(readLines(["eins\n "]).map((line) => line.number)).toEqual([1, 2]);
    expect(readLines([""])).toEqual([]);
  });

  it("measures a line longer than it keeps without its text, whatever the pieces", () => {
    const line = `   ${"Carrie schreibt. ".repeat(20)}  `;
    for (const pieceLength of [1, 3, 17, line.length]) {
      const pieces = Array.from({ length: Math.ceil(line.length / pieceLength) }, (_, index) => line.slice(index * pieceLength, (index + 1) * pieceLength));
      expect(readLines(pieces, 64)).toEqual([
        { number: 1, byteStart: 0, byteEnd: line.length, leadingBytes: 3, trailingBytes: 3, trimmed: null, trimmedLength: line.length - 6, firstWordLength: 6 },
      ]);
    }
  });

  it("keeps a short text however much whitespace pads it beyond the limit", () => {
    const pad = " ".repeat(100);
    for (const pieceLength of [1, 7, 1000]) {
      const line = `${pad}Carrie  schreibt.${pad}`;
      const pieces = Array.from({ length: Math.ceil(line.length / pieceLength) }, (_, index) => line.slice(index * pieceLength, (index + 1) * pieceLength));
      expect(readLines(pieces, 64)[0]).toMatchObject({ leadingBytes: 100, trailingBytes: 100, trimmed: "Carrie  schreibt." });
    }
  });
});

describe("codePointLength", () => {
  it("counts a surrogate pair as one, as for…of does", () => {
    for (const text of ["", "abc", "Größe", "😀", "a😀b😀", "\ud83d", "\ude00\ud83d", "Μιράντα キャリー"]) expect(codePointLength(text), text).toBe([...text].length);
  });
});
