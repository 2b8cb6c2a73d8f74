import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CHUNK_BYTES } from "../../pipeline/ingest/chunks.js";
import { scanBlob } from "../../pipeline/ingest/ingest.js";
import { BlobSplitter, MAX_PARAGRAPH_BYTES, splitBlob, type BlobLayout } from "../../pipeline/ingest/split.js";
import { scannedBlob, utf8 } from "../helpers.js";

/** The raw bytes an occurrence points at, decoded. */
function bytesAt(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString("utf8");
}

describe("splitBlob", () => {
  it("makes each non-blank line a paragraph with 1-based lines and byte ranges that give back the text", () => {
    const content = "Erste Zeile über Größe.\n\n  Zweite Zeile – mit Einzug.  \nΗ Κάρι\n";
    const blob = scannedBlob("a.txt", content);
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
    const blob = scannedBlob("a.txt", content);
    const { occurrences } = splitBlob(blob);
    expect(occurrences.map((o) => [o.lineStart, o.text])).toEqual([
      [1, "eins"],
      [2, "zwei"],
      [4, "drei"],
    ]);
    for (const o of occurrences) expect(bytesAt(blob.bytes, o.byteStart, o.byteEnd)).toBe(o.text);
  });

  it("offsets byte ranges past a stripped BOM", () => {
    const blob = scannedBlob("bom.txt", new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("Größe\nzwei")]));
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
    const blob = scannedBlob("wrapped.txt", content);
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
    const { layout, occurrences } = splitBlob(scannedBlob("teasers.txt", content));
    expect(layout).toBe("line-per-paragraph");
    expect(occurrences).toHaveLength(3);
  });
});

describe("splitBlob in chunks", () => {
  it("gives the same lines, paragraphs and byte ranges when lines, CRLFs and multi-byte characters straddle chunk boundaries", () => {
    const content = "\ufeff  Größe 😀 über\r\n\r\nzweite € Zeile  \rdritte\n\u00a0\n\r\nvierte ß\r\n";
    const blob = scannedBlob("a.txt", content);
    const whole = splitBlob(blob);
    expect(whole.occurrences.map((o) => [o.lineStart, o.text])).toEqual([
      [1, "Größe 😀 über"],
      [3, "zweite € Zeile"],
      [4, "dritte"],
      [7, "vierte ß"],
    ]);
    for (const o of whole.occurrences) expect(bytesAt(blob.bytes, o.byteStart, o.byteEnd)).toBe(o.text);
    for (let chunkBytes = 1; chunkBytes <= blob.bytes.length; chunkBytes++) expect(splitBlob(blob, chunkBytes), `chunks of ${chunkBytes}`).toEqual(whole);
  });

  it("rejects an oversized line by its trimmed byte length, and keeps a short text padded with more whitespace than the limit", () => {
    const pad = " ".repeat(MAX_PARAGRAPH_BYTES);
    const content = `kurz\n${pad}Carrie schreibt.${pad}\n ${"x".repeat(MAX_PARAGRAPH_BYTES + 1)} \nwieder kurz\n`;
    const { occurrences, rejects } = splitBlob(scannedBlob("padded.txt", content), 4096);
    expect(occurrences.map((o) => [o.lineStart, o.text, o.byteEnd - o.byteStart])).toEqual([
      [1, "kurz", 4],
      [2, "Carrie schreibt.", 16],
      [4, "wieder kurz", 11],
    ]);
    expect(rejects).toEqual([
      { sourceFile: "padded.txt", lineStart: 3, lineEnd: 3, reason: expect.stringContaining(`paragraph of ${MAX_PARAGRAPH_BYTES + 1} bytes exceeds`) },
    ]);
  });

  it("streams a line longer than the longest string V8 can hold: it is measured and rejected, never held whole", () => {
    // 2^29 characters and more cannot be one string, so holding the line would throw here.
    const words = utf8("Carrie schreibt. ".repeat(1 << 16));
    const repeats = Math.ceil((1 << 29) / words.length) + 1;
    const chunks = function* () {
      yield utf8("Kurz davor.\n");
      for (let i = 0; i < repeats; i++) yield words;
      yield utf8("\nKurz danach.\n");
    };
    const hash = createHash("sha256");
    let sizeBytes = 0;
    for (const chunk of chunks()) {
      hash.update(chunk);
      sizeBytes += chunk.length;
    }
    const blob = { sourceFile: "huge.txt", blobSha256: hash.digest("hex"), sizeBytes, bomStripped: false };
    const splitter = new BlobSplitter({ blob, textByteOffset: 0, layout: "line-per-paragraph" });
    const pieces = [...chunks()].flatMap((chunk) => splitter.push(chunk)).concat(splitter.finish());
    const hugeLineEnd = 12 + repeats * words.length;
    expect(pieces).toEqual([
      { kind: "paragraph", lineStart: 1, lineEnd: 1, byteStart: 0, byteEnd: 11, text: "Kurz davor.", normalizedText: "Kurz davor." },
      { kind: "reject", lineStart: 2, lineEnd: 2, reason: expect.stringContaining(`paragraph of ${hugeLineEnd - 1 - 12} bytes exceeds`) },
      { kind: "paragraph", lineStart: 3, lineEnd: 3, byteStart: hugeLineEnd + 1, byteEnd: hugeLineEnd + 13, text: "Kurz danach.", normalizedText: "Kurz danach." },
    ]);
  });
});

describe("layout statistics", () => {
  /** The layout rule as it was written over a blob's lines held in memory: the reference the streaming statistics must agree with. */
  function detectLayoutInMemory(text: string): BlobLayout {
    const codePoints = (line: string) => [...line].length;
    const lines = text.split(/\r\n|\r|\n/);
    const blocks: string[][] = [[]];
    for (const line of lines) {
      if (line.trim() === "") blocks.push([]);
      else blocks.at(-1)!.push(line);
    }
    const nonEmpty = blocks.filter((block) => block.length > 0);
    const continuing = nonEmpty.flatMap((block) =>
      block.slice(0, -1).map((line, i) => ({ length: codePoints(line.trim()), nextFirstWordLength: codePoints(block[i + 1]!.trim().split(/\s+/u)[0]!) })),
    );
    if (nonEmpty.length < 2 || continuing.length < 2) return "line-per-paragraph";
    const wrapWidth = Math.max(...continuing.map((line) => line.length));
    if (wrapWidth < 40) return "line-per-paragraph";
    const full = continuing.filter((line) => line.length + 1 + line.nextFirstWordLength > wrapWidth).length;
    return full >= 0.8 * continuing.length ? "blank-line-blocks" : "line-per-paragraph";
  }

  /** Deterministic blobs of wrapped prose, teaser lists and ragged lines, with mixed line ends and scripts. */
  function generatedBlob(seed: number): string {
    let state = seed;
    const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
    const words = ["Carrie", "schreibt", "über", "Größe", "😀", "Μιράντα", "キャリー", "Big", "a", "Feuerwehrkalender", "\u00a0", "New York"];
    const width = pick([30, 45, 72, 80]);
    const paragraphs: string[] = [];
    for (let p = 0, count = 1 + Math.floor(random() * 6); p < count; p++) {
      const paragraphWords = Array.from({ length: 3 + Math.floor(random() * 40) }, () => pick(words));
      const lines: string[] = [];
      let line = "";
      for (const word of paragraphWords) {
        const wrap = random() < 0.8 ? [...`${line} ${word}`].length > width : random() < 0.3;
        if (line !== "" && wrap) {
          lines.push(line);
          line = word;
        } else line = line === "" ? word : `${line} ${word}`;
      }
      lines.push(line);
      paragraphs.push(lines.map((text) => (random() < 0.1 ? `  ${text} ` : text)).join(pick(["\n", "\r\n", "\r"])));
    }
    return paragraphs.join(pick(["\n\n", "\r\n\r\n", "\n \n\n", "\n"])) + pick(["", "\n"]);
  }

  it("decide the layout exactly as the rule over lines held in memory, whatever the chunk size", () => {
    const seen = new Set<BlobLayout>();
    for (let seed = 1; seed <= 300; seed++) {
      const text = generatedBlob(seed);
      const expected = detectLayoutInMemory(text);
      seen.add(expected);
      for (const chunkBytes of [1, 7, 64, CHUNK_BYTES]) {
        const result = scanBlob("g.txt", utf8(text), chunkBytes);
        expect(result.kind === "blob" && result.scanned.layout, `seed ${seed}, chunks of ${chunkBytes}`).toBe(expected);
      }
    }
    expect([...seen].sort()).toEqual(["blank-line-blocks", "line-per-paragraph"]);
  });
});
