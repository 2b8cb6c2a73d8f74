import { lstat, readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { Blob, Reject } from "../schemas/records.js";
import { sha256Hex } from "./text.js";

/** A blob that decoded as UTF-8, with its text (BOM stripped) and the byte offset where the text starts. */
export interface DecodedBlob {
  blob: Blob;
  bytes: Uint8Array;
  text: string;
  textByteOffset: number;
}

export type IngestResult = { kind: "blob"; decoded: DecodedBlob } | { kind: "reject"; reject: Reject };

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Every regular file under `rawDir`, recursively, as `/`-separated paths relative to it,
 * in sorted order (code-point order, independent of locale and file system).
 */
export async function listRawFiles(rawDir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(relativeDir: string): Promise<void> {
    const entries = await readdir(path.join(rawDir, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const relativePath = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(relativePath);
      else found.push(relativePath);
    }
  }
  await walk("");
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export type ReadBytes = (fullPath: string) => Promise<Uint8Array>;

/** Reads one listed file, refusing anything that is not a regular file inside RAW. */
export async function readRawFile(rawDir: string, sourceFile: string, readBytes: ReadBytes = readFile): Promise<IngestResult> {
  const fullPath = path.join(rawDir, sourceFile);
  const wholeFile = (reason: string): IngestResult => ({ kind: "reject", reject: { sourceFile, lineStart: 0, lineEnd: 0, reason } });
  try {
    const stats = await lstat(fullPath);
    if (stats.isSymbolicLink()) {
      const target = await realpath(fullPath).catch(() => null);
      const rawRoot = await realpath(rawDir);
      if (target === null) return wholeFile("symbolic link whose target does not exist; replace it with the file itself");
      if (!target.startsWith(rawRoot + path.sep)) return wholeFile("symbolic link pointing outside RAW; the build never reads outside RAW: copy the file in instead");
      return wholeFile("symbolic link inside RAW; its target is read on its own, so the link is skipped to avoid counting the file twice");
    }
    if (!stats.isFile()) return wholeFile("not a regular file (device, socket or FIFO); remove it from RAW");
    return decodeBlob(sourceFile, new Uint8Array(await readBytes(fullPath)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    return wholeFile(`cannot be read (${code}); check the file's permissions`);
  }
}

/**
 * Strict UTF-8 decoding: a file that is not valid UTF-8 is rejected whole, with the
 * position of the first bad byte, rather than decoded into replacement characters.
 */
export function decodeBlob(sourceFile: string, bytes: Uint8Array): IngestResult {
  // Lines are counted only for a reject row's range; a readable file is not scanned twice.
  const reject = (reason: string): IngestResult => {
    const lineCount = countLines(bytes);
    return { kind: "reject", reject: { sourceFile, lineStart: lineCount === 0 ? 0 : 1, lineEnd: lineCount, reason } };
  };
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return reject("UTF-16 text (byte order mark FF FE or FE FF); convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8");
  }
  const nulAt = bytes.indexOf(0);
  if (nulAt !== -1) return reject(`binary file: NUL byte at offset ${nulAt}; only UTF-8 text files belong in RAW`);

  const hasBom = UTF8_BOM.every((byte, index) => bytes[index] === byte);
  const textByteOffset = hasBom ? UTF8_BOM.length : 0;
  const body = bytes.subarray(textByteOffset);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const badOffset = textByteOffset + firstInvalidUtf8Offset(body);
    const badLine = countLines(bytes.subarray(0, badOffset + 1));
    return reject(
      `not valid UTF-8: byte 0x${bytes[badOffset]!.toString(16).toUpperCase().padStart(2, "0")} at offset ${badOffset} (line ${badLine}); ` +
        "re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
    );
  }
  if (text.trim() === "") {
    return reject(bytes.length === 0 ? "empty file: nothing to read" : "no text: the file holds only whitespace or a byte order mark");
  }
  return {
    kind: "blob",
    decoded: {
      blob: { sourceFile, blobSha256: sha256Hex(bytes), sizeBytes: bytes.length, bomStripped: hasBom },
      bytes,
      text,
      textByteOffset,
    },
  };
}

/** Lines as an editor counts them: LF, CRLF and CR each end a line; a last line needs no terminator. */
export function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) lines++;
  }
  const last = bytes[bytes.length - 1];
  return bytes.length > 0 && last !== 0x0a && last !== 0x0d ? lines + 1 : lines;
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  // Decoding ever-longer prefixes in streaming mode finds the first byte that cannot start or continue a sequence.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return bytes.length - 1;
}
