import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { truncate } from "node:fs/promises";
import path from "node:path";
import { countLines, listRawFiles, MAX_BLOB_BYTES, readRawFile, scanBlob } from "../../pipeline/ingest/ingest.js";
import { rawFile, tempTree, utf8 } from "../helpers.js";

describe("scanBlob", () => {
  it("strips a leading BOM, records it, and hashes the raw bytes", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("Carrie\n")]);
    const result = scanBlob("a.txt", bytes);
    expect(result.kind).toBe("blob");
    if (result.kind !== "blob") return;
    expect(result.scanned.textByteOffset).toBe(3);
    expect(result.scanned.blob.bomStripped).toBe(true);
    expect(result.scanned.blob.sizeBytes).toBe(10);
    expect(result.scanned.blob.blobSha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("rejects invalid UTF-8 with the offset and line of the first bad byte instead of decoding mojibake", () => {
    const bytes = new Uint8Array([...utf8("gut\nauch gut\nGr"), 0xf6, ...utf8("\u00dfe\n")]);
    const result = scanBlob("latin1.txt", bytes);
    expect(result.kind).toBe("reject");
    if (result.kind !== "reject") return;
    expect(result.reject).toMatchObject({ sourceFile: "latin1.txt", lineStart: 1, lineEnd: 3 });
    expect(result.reject.reason).toContain("not valid UTF-8: byte 0xF6 at offset 15 (line 3)");
  });

  it.each([
    ["UTF-16", new Uint8Array([0xff, 0xfe, 0x43, 0x00]), "UTF-16"],
    ["binary", new Uint8Array([0x43, 0x00, 0x01]), "NUL byte at offset 1"],
    ["empty", new Uint8Array([]), "empty file"],
    ["whitespace only", utf8(" \n\t\r\n"), "only whitespace"],
    ["BOM only", new Uint8Array([0xef, 0xbb, 0xbf]), "only whitespace or a byte order mark"],
  ])("rejects %s input with a reason", (_name, bytes, reason) => {
    const result = scanBlob("x", bytes);
    expect(result.kind).toBe("reject");
    if (result.kind === "reject") expect(result.reject.reason).toContain(reason);
  });
});

describe("scanBlob in chunks", () => {
  const bytesOf = (...parts: Array<string | number[]>) => new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...utf8(part)] : part)));
  const everyChunkSize = (bytes: Uint8Array) => Array.from({ length: bytes.length }, (_, index) => index + 1);

  // Reasons and line ranges as the whole-file decoder before streaming gave them.
  it.each([
    ["a sequence cut short by ASCII", bytesOf("eins\r\nzwei €", [0xe2, 0x82], "A\n"), 2, "byte 0x41 at offset 16 (line 2)"],
    ["a sequence cut short by a line end", bytesOf("eins\rzwei", [0xe2], "\nmehr\n"), 3, "byte 0x0A at offset 10 (line 2)"],
    ["a sequence cut short by the end of the file", bytesOf("\ufeffeins\nzwei ", [0xf0, 0x9f, 0x98]), 2, "byte 0x98 at offset 15 (line 2)"],
    ["an overlong sequence after CR line ends", bytesOf("a\r\rb", [0xe0, 0x80, 0x80], "c"), 3, "byte 0x80 at offset 5 (line 3)"],
    ["a stray continuation byte between CR and LF", bytesOf("x\r", [0x80], "\n"), 2, "byte 0x80 at offset 2 (line 2)"],
    ["a bad byte right after the BOM", bytesOf([0xef, 0xbb, 0xbf, 0xc3], "("), 1, "byte 0x28 at offset 4 (line 1)"],
  ])("finds the first bad byte of %s wherever the chunks are cut", (_name, bytes, lineEnd, where) => {
    for (const chunkBytes of everyChunkSize(bytes)) {
      const result = scanBlob("x.txt", bytes, chunkBytes);
      expect(result.kind === "reject" && result.reject, `chunks of ${chunkBytes}`).toEqual({
        sourceFile: "x.txt",
        lineStart: 1,
        lineEnd,
        reason: `not valid UTF-8: ${where}; re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)`,
      });
    }
  });

  it("reports a NUL byte after invalid UTF-8 (binary wins), in any chunks", () => {
    const bytes = bytesOf("\u00e9".repeat(5), [0xff], "x", [0]);
    for (const chunkBytes of everyChunkSize(bytes)) {
      expect(scanBlob("x.bin", bytes, chunkBytes)).toMatchObject({ kind: "reject", reject: { lineEnd: 1, reason: expect.stringContaining("NUL byte at offset 12") } });
    }
  });

  it("gives the same hash, BOM and layout whatever the chunk size", () => {
    const bytes = bytesOf([0xef, 0xbb, 0xbf], "Größe 😀 über\r\n\r\nzweite € Zeile\rdritte\n");
    const whole = scanBlob("a.txt", bytes);
    expect(whole).toMatchObject({ kind: "blob", scanned: { textByteOffset: 3, blob: { sizeBytes: bytes.length, bomStripped: true } } });
    for (const chunkBytes of everyChunkSize(bytes)) expect(scanBlob("a.txt", bytes, chunkBytes), `chunks of ${chunkBytes}`).toEqual(whole);
  });
});

describe("countLines", () => {
  it("counts LF, CRLF and CR line ends and an unterminated last line", () => {
    expect(countLines(utf8("a\nb\r\nc\rd"))).toBe(4);
    expect(countLines(utf8("a\n"))).toBe(1);
    expect(countLines(utf8(""))).toBe(0);
  });
});

describe("listRawFiles and readRawFile", () => {
  it("lists every file recursively in code-point order with / separators", async () => {
    const root = await tempTree({ "b.txt": "b", "a/z.txt": "z", "a/B.txt": "B", "Z.md": "Z" });
    const { files, folderRejects } = await listRawFiles(root);
    expect(files.map((file) => file.sourceFile)).toEqual(["Z.md", "a/B.txt", "a/z.txt", "b.txt"]);
    expect(files.map((file) => Buffer.from(file.path).toString())).toEqual(["Z.md", "a/B.txt", "a/z.txt", "b.txt"]);
    expect(folderRejects).toEqual([]);
  });

  it("rejects a file too large for 32-bit byte offsets before reading it", async () => {
    const root = await tempTree({ "huge.txt": "" });
    await truncate(path.join(root, "huge.txt"), MAX_BLOB_BYTES + 1); // sparse: no 2 GiB written
    const result = await readRawFile(root, rawFile("huge.txt"));
    expect(result.kind === "reject" && result.reject.reason).toMatch(/more than the 2147483647 a blob may have.*split the file/);
  });

  it("turns an unreadable path into a reject row rather than an exception", async () => {
    const root = await tempTree({ "a.txt": "a" });
    const result = await readRawFile(root, rawFile("missing.txt"));
    expect(result.kind).toBe("reject");
    if (result.kind === "reject") expect(result.reject.reason).toContain("cannot be read (ENOENT)");
  });
});
