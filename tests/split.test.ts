import { describe, expect, it } from "vitest";
import { splitBlob } from "../pipeline/split.js";
import { decoded, utf8 } from "./helpers.js";

/** The raw bytes an occurrence points at, decoded. */
function bytesAt(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString("utf8");
}

describe("splitBlob", () => {
  it("makes each non-blank line a paragraph with 1-based lines and byte ranges that give back the text", () => {
    const content = "Erste Zeile über Größe.\n\n  Zweite Zeile – mit Einzug.  \nΗ Κάρι\n";
    const blob = decoded("a.txt", content);
    const { layout, occurrences } = splitBlob(blob);
    expect(layout).toBe("line-per-paragraph");
    expect(occurrences.map((o) => [o.lineStart, o.lineEnd, o.text])).toEqual([
      [1, 1, "Erste Zeile über Größe."],
      [3, 3, "Zweite Zeile – mit Einzug."],
      [4, 4, "Η Κάρι"],
    ]);
    for (const o of occurrences) expect(bytesAt(blob.bytes, o.byteStart, o.byteEnd)).toBe(o.text);
  });

  it.each([
    ["CRLF", "eins\r\nzwei\r\n\r\ndrei"],
    ["CR", "eins\rzwei\r\rdrei"],
    ["mixed", "eins\r\nzwei\n\rdrei"],
  ])("accepts %s line ends", (_name, content) => {
    const blob = decoded("a.txt", content);
    const { occurrences } = splitBlob(blob);
    expect(occurrences.map((o) => [o.lineStart, o.text])).toEqual([
      [1, "eins"],
      [2, "zwei"],
      [4, "drei"],
    ]);
    for (const o of occurrences) expect(bytesAt(blob.bytes, o.byteStart, o.byteEnd)).toBe(o.text);
  });

  it("offsets byte ranges past a stripped BOM", () => {
    const blob = decoded("bom.txt", new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("Größe\nzwei")]));
    const [first] = splitBlob(blob).occurrences;
    expect(first).toMatchObject({ byteStart: 3, byteEnd: 10, text: "Größe" });
  });

  it("joins hard-wrapped blocks separated by blank lines into one paragraph each", () => {
    const content = [
      "Carrie trifft Big auf einer Party und fragt sich, ob sie",
      "nur eine heimliche Liebschaft ist, weil er sie nie seinen",
      "Freunden vorstellt.",
      "",
      "Miranda lernt beim Boxtraining Ted kennen, und Charlotte",
      "datet einen Rabbi.",
      "",
    ].join("\n");
    const blob = decoded("wrapped.txt", content);
    const { layout, occurrences } = splitBlob(blob);
    expect(layout).toBe("blank-line-blocks");
    expect(occurrences.map((o) => [o.lineStart, o.lineEnd, o.text])).toEqual([
      [1, 3, "Carrie trifft Big auf einer Party und fragt sich, ob sie nur eine heimliche Liebschaft ist, weil er sie nie seinen Freunden vorstellt."],
      [5, 6, "Miranda lernt beim Boxtraining Ted kennen, und Charlotte datet einen Rabbi."],
    ]);
    // The byte range spans the paragraph's first to last character, line breaks included.
    const first = occurrences[0]!;
    expect(bytesAt(blob.bytes, first.byteStart, first.byteEnd).replace(/\n/g, " ")).toBe(first.text);
  });

  it("keeps short one-per-line teasers apart even when blank lines group them", () => {
    const content = "Carrie trifft Big.\nSamantha zieht um.\n\nMiranda bekommt ein Baby und nennt es Brady, nach Steve.\n";
    const { layout, occurrences } = splitBlob(decoded("teasers.txt", content));
    expect(layout).toBe("line-per-paragraph");
    expect(occurrences).toHaveLength(3);
  });
});
