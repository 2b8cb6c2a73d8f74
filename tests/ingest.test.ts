import { describe, expect, it } from "vitest";
import { countLines, decodeBlob, listRawFiles, readRawFile } from "../pipeline/ingest.js";
import { tempTree, utf8 } from "./helpers.js";

describe("decodeBlob", () => {
  it("strips a leading BOM, records it, and hashes the raw bytes", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("Carrie\n")]);
    const result = decodeBlob("a.txt", bytes);
    expect(result.kind).toBe("blob");
    if (result.kind !== "blob") return;
    expect(result.decoded.text).toBe("Carrie\n");
    expect(result.decoded.textByteOffset).toBe(3);
    expect(result.decoded.blob.bomStripped).toBe(true);
    expect(result.decoded.blob.sizeBytes).toBe(10);
    expect(result.decoded.blob.blobSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects invalid UTF-8 with the offset and line of the first bad byte instead of decoding mojibake", () => {
    const bytes = new Uint8Array([...utf8("gut\nauch gut\nGr"), 0xf6, ...utf8("\u00dfe\n")]);
    const result = decodeBlob("latin1.txt", bytes);
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
    const result = decodeBlob("x", bytes);
    expect(result.kind).toBe("reject");
    if (result.kind === "reject") expect(result.reject.reason).toContain(reason);
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
    expect(await listRawFiles(root)).toEqual(["Z.md", "a/B.txt", "a/z.txt", "b.txt"]);
  });

  it("turns an unreadable path into a reject row rather than an exception", async () => {
    const root = await tempTree({ "a.txt": "a" });
    const result = await readRawFile(root, "missing.txt");
    expect(result.kind).toBe("reject");
    if (result.kind === "reject") expect(result.reject.reason).toContain("cannot be read (ENOENT)");
  });
});
