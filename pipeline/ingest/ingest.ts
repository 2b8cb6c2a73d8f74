import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { Manifest } from "../../schemas/manifest.js";
import type { Blob, Reject } from "../../schemas/records.js";
import { CHUNK_BYTES, chunksOf, readFileChunks, type OpenFile } from "./chunks.js";
import { compareSourceFiles, sourceFileOf } from "./file-names.js";
import { LineReader } from "./lines.js";
import { LayoutStatistics, type BlobLayout } from "./split.js";
import { sha256OfFile } from "../text.js";

/** A blob that is UTF-8 text, as the scan pass found it: what the split pass needs to read it again. */
export interface ScannedBlob {
  blob: Blob;
  /** Where the text starts: past a stripped BOM. */
  textByteOffset: number;
  layout: BlobLayout;
}

/** What the manifest records of an input file: its size, and its SHA-256 when the build read it. */
export type InputFile = Manifest["inputs"][number];

export type IngestResult = { kind: "blob"; scanned: ScannedBlob } | { kind: "reject"; reject: Reject; input: InputFile };

/** A file found under RAW. */
export interface RawFile {
  /** How the outputs name it (see file-names.ts). */
  sourceFile: string;
  /** Its path relative to RAW, `/`-separated, as the file system's bytes. */
  path: Uint8Array;
}

export interface RawListing {
  files: RawFile[];
  /** One per folder that could not be read; its `source_file` ends in `/`. */
  folderRejects: Reject[];
}

/** Lists a folder, given its full path as bytes; names come as bytes too. */
export type ReadDirectory = (fullPath: Buffer) => Promise<Array<{ name: Buffer; isDirectory(): boolean }>>;

const readDirectory: ReadDirectory = (fullPath) => readdir(fullPath, { encoding: "buffer", withFileTypes: true });

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SLASH = Buffer.from("/");

/**
 * Every file under `rawDir`, recursively, in compareSourceFiles order: everything that is not a
 * folder, links and devices included, for readRawFile to refuse. Names are read as bytes, so a
 * name that is not UTF-8 is still told apart from every other one. A folder that cannot be read
 * (permissions, a path longer than the system allows) is a reject rather than a failed build;
 * only RAW itself must be readable.
 */
export async function listRawFiles(rawDir: string, read: ReadDirectory = readDirectory): Promise<RawListing> {
  const files: RawFile[] = [];
  const folderRejects: Reject[] = [];
  async function walk(relativeDir: Buffer | null): Promise<void> {
    let entries: Awaited<ReturnType<ReadDirectory>>;
    try {
      entries = await read(relativeDir === null ? Buffer.from(rawDir) : absolutePathOf(rawDir, relativeDir));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (relativeDir === null || code === undefined) throw error;
      const reason = `${unreadableReason(code, "folder")}; none of the files in it were read`;
      folderRejects.push({ sourceFile: `${sourceFileOf(relativeDir)}/`, lineStart: 0, lineEnd: 0, reason });
      return;
    }
    for (const entry of entries) {
      const relativePath = relativeDir === null ? entry.name : Buffer.concat([relativeDir, SLASH, entry.name]);
      if (entry.isDirectory()) await walk(relativePath);
      else files.push({ sourceFile: sourceFileOf(relativePath), path: relativePath });
    }
  }
  await walk(null);
  return { files: files.sort((a, b) => compareSourceFiles(a.sourceFile, b.sourceFile)), folderRejects };
}

/** The full path of a file under RAW, as bytes (its name need not be UTF-8). */
export function absolutePathOf(rawDir: string, relativePath: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(rawDir), SLASH, relativePath]);
}

/** Why a file or folder the file system refused could not be read, and what to do (by its error code). */
function unreadableReason(code: string, kind: "file" | "folder"): string {
  if (code === "ENAMETOOLONG") {
    return "cannot be read (ENAMETOOLONG): its path is longer than the system allows (PATH_MAX); move it nearer the top of RAW or shorten the names on its path";
  }
  if (code === "EACCES" || code === "EPERM") return `cannot be read (${code}); check the ${kind}'s permissions`;
  return `cannot be read (${code}); check that the ${kind} still exists and can be read`;
}

const NAME_NOT_UTF8 =
  "file name is not valid UTF-8: source_file writes each byte that is not UTF-8 as \\xHH and a backslash as \\\\, " +
  "so that no two names read alike; rename the file in UTF-8 (e.g. convmv -f latin1 -t utf-8 --notest)";

/** The largest blob: its byte offsets must fit the 32-bit byte_start and byte_end columns. */
export const MAX_BLOB_BYTES = 2 ** 31 - 1;

/** Scans one listed file, refusing anything that is not a regular file inside RAW with a UTF-8 name. */
export async function readRawFile(rawDir: string, { sourceFile, path: relativePath }: RawFile, openFile?: OpenFile): Promise<IngestResult> {
  const fullPath = absolutePathOf(rawDir, relativePath);
  let bytes: number | null = null;
  const wholeFile = (reason: string, sha256: string | null = null): IngestResult => ({
    kind: "reject",
    reject: { sourceFile, lineStart: 0, lineEnd: 0, reason },
    input: { path: sourceFile, bytes, sha256 },
  });
  try {
    const stats = await lstat(fullPath);
    if (stats.isSymbolicLink()) {
      const target = await realpath(fullPath, { encoding: "buffer" }).catch(() => null);
      const rawRoot = await realpath(rawDir, { encoding: "buffer" });
      if (target === null) return wholeFile("symbolic link whose target does not exist; replace it with the file itself");
      const inside = target.length > rawRoot.length && target[rawRoot.length] === path.sep.charCodeAt(0) && target.subarray(0, rawRoot.length).equals(rawRoot);
      if (!inside) return wholeFile("symbolic link pointing outside RAW; the build never reads outside RAW: copy the file in instead");
      return wholeFile("symbolic link inside RAW; its target is read on its own, so the link is skipped to avoid counting the file twice");
    }
    if (!stats.isFile()) return wholeFile("not a regular file (device, socket or FIFO); remove it from RAW");
    bytes = stats.size;
    if (stats.size > MAX_BLOB_BYTES) {
      return wholeFile(`${stats.size} bytes, more than the ${MAX_BLOB_BYTES} a blob may have (byte offsets are 32-bit columns); split the file into smaller ones`);
    }
    if (!isUtf8(relativePath)) return wholeFile(NAME_NOT_UTF8, await sha256OfFile(fullPath));
    const scanner = new BlobScanner(sourceFile);
    for await (const chunk of readFileChunks(fullPath, openFile)) scanner.push(chunk);
    return scanner.finish();
  } catch (error) {
    // Only the file system's errors are about the input; anything else is a bug to surface.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    return wholeFile(unreadableReason(code, "file"));
  }
}

/** The scan of a blob held in memory (tests and tools), by the same streaming pass. */
export function scanBlob(sourceFile: string, bytes: Uint8Array, chunkBytes = CHUNK_BYTES): IngestResult {
  const scanner = new BlobScanner(sourceFile);
  for (const chunk of chunksOf(bytes, chunkBytes)) scanner.push(chunk);
  return scanner.finish();
}

/**
 * The scan pass: one streaming read that hashes a blob, applies the whole-file checks and
 * gathers what the layout rule needs, holding none of the text. Strict UTF-8: a file that
 * is not valid UTF-8 is rejected whole, with the position of the first bad byte, rather
 * than decoded into replacement characters. Whole-file rejects span the file's lines.
 */
class BlobScanner {
  private readonly hash = createHash("sha256");
  private size = 0;
  private lastByte = -1;
  /** The first bytes, held until there are enough to tell a BOM. */
  private head: Uint8Array | null = new Uint8Array(0);
  private textByteOffset = 0;
  private utf16 = false;
  private nulAt = -1;
  private invalidUtf8: { offset: number; byte: number; line: number } | null = null;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  /** The last bytes decoded, for finding a bad byte that ends a sequence begun in an earlier chunk. */
  private recentText: Uint8Array = new Uint8Array(0);
  private readonly lineCounter = new LineCounter();
  private readonly layout = new LayoutStatistics();
  private hasText = false;
  // Only the lines' measures matter here, not their positions or texts.
  private readonly lines = new LineReader(0, 0, (line) => {
    this.hasText ||= line.trimmedLength > 0;
    this.layout.add(line);
  });

  constructor(private readonly sourceFile: string) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.hash.update(chunk);
    const nulAt = this.nulAt === -1 ? asBuffer(chunk).indexOf(0) : -1;
    if (nulAt !== -1) this.nulAt = this.size + nulAt;
    this.size += chunk.length;
    this.lastByte = chunk[chunk.length - 1]!;
    if (!this.head) this.consume(chunk, this.size - chunk.length);
    else if (this.head.length + chunk.length >= UTF8_BOM.length) this.readHead(concatBytes(this.head, chunk));
    else this.head = concatBytes(this.head, chunk).slice(); // the chunk's buffer is reused
  }

  finish(): IngestResult {
    if (this.head) this.readHead(this.head);
    if (this.decoding()) {
      let rest = "";
      try {
        rest = this.decoder.decode();
      } catch {
        // A sequence cut off by the end of the file fails at the last byte.
        this.invalidUtf8 = { offset: this.size - 1, byte: this.lastByte, line: this.lineCounter.lines() };
      }
      this.lines.push(rest);
    }
    this.lines.end();
    const lineCount = this.lineCounter.lines();
    const reject = (reason: string): IngestResult => ({
      kind: "reject",
      reject: { sourceFile: this.sourceFile, lineStart: lineCount === 0 ? 0 : 1, lineEnd: lineCount, reason },
      input: { path: this.sourceFile, bytes: this.size, sha256: this.hash.digest("hex") },
    });
    if (this.utf16) return reject("UTF-16 text (byte order mark FF FE or FE FF); convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8");
    if (this.nulAt !== -1) return reject(`binary file: NUL byte at offset ${this.nulAt}; only UTF-8 text files belong in RAW`);
    if (this.invalidUtf8) {
      const { offset, byte, line } = this.invalidUtf8;
      return reject(
        `not valid UTF-8: byte 0x${byte.toString(16).toUpperCase().padStart(2, "0")} at offset ${offset} (line ${line}); ` +
          "re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
      );
    }
    if (!this.hasText) return reject(this.size === 0 ? "empty file: nothing to read" : "no text: the file holds only whitespace or a byte order mark");
    const blob: Blob = { sourceFile: this.sourceFile, blobSha256: this.hash.digest("hex"), sizeBytes: this.size, bomStripped: this.textByteOffset > 0 };
    return { kind: "blob", scanned: { blob, textByteOffset: this.textByteOffset, layout: this.layout.layout() } };
  }

  /** The first bytes of the file (at least three, unless it is shorter) tell a BOM. */
  private readHead(head: Uint8Array): void {
    this.utf16 = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
    this.textByteOffset = UTF8_BOM.every((byte, index) => head[index] === byte) ? UTF8_BOM.length : 0;
    this.head = null;
    this.consume(head, 0);
  }

  /** Text is decoded only while it can still matter: not once the file is bound to be rejected. */
  private decoding(): boolean {
    return !this.utf16 && this.nulAt === -1 && this.invalidUtf8 === null;
  }

  /** Bytes from `offset` on, in order, once the head is read. */
  private consume(bytes: Uint8Array, offset: number): void {
    const text = bytes.subarray(Math.max(0, this.textByteOffset - offset));
    const badAt = this.decoding() ? this.decode(text, offset + bytes.length - text.length) : -1;
    if (badAt === -1) {
      this.lineCounter.push(bytes);
      return;
    }
    // The bad byte's line is the number of lines up to and including it, as an editor shows it.
    const upToBad = bytes.subarray(0, badAt - offset + 1);
    this.lineCounter.push(upToBad);
    this.invalidUtf8 = { offset: badAt, byte: bytes[badAt - offset]!, line: this.lineCounter.lines() };
    this.lineCounter.push(bytes.subarray(upToBad.length));
  }

  /** Decodes the next bytes of text into lines; returns the offset of the first byte that is not UTF-8, or -1. */
  private decode(text: Uint8Array, textOffset: number): number {
    let decoded: string;
    try {
      decoded = this.decoder.decode(text, { stream: true });
    } catch {
      // The decoder does not say where: decode again byte by byte, from the sequence it had begun.
      const begun = unfinishedSequence(this.recentText);
      return textOffset + firstInvalidUtf8Offset(concatBytes(begun, text)) - begun.length;
    }
    this.recentText = concatBytes(this.recentText, text.subarray(-3)).slice(-3);
    this.lines.push(decoded);
    return -1;
  }
}

/**
 * Lines as an editor counts them, over bytes fed in order (the text may not be decodable):
 * LF, CRLF and CR each end a line; a last line needs no terminator.
 */
class LineCounter {
  private terminators = 0;
  private previous = -1;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const view = asBuffer(bytes);
    for (let at = view.indexOf(CARRIAGE_RETURN); at !== -1; at = view.indexOf(CARRIAGE_RETURN, at + 1)) this.terminators++;
    for (let at = view.indexOf(LINE_FEED); at !== -1; at = view.indexOf(LINE_FEED, at + 1)) {
      if ((at === 0 ? this.previous : view[at - 1]) !== CARRIAGE_RETURN) this.terminators++;
    }
    this.previous = view[view.length - 1]!;
  }

  lines(): number {
    const unterminated = this.previous !== -1 && this.previous !== LINE_FEED && this.previous !== CARRIAGE_RETURN;
    return this.terminators + (unterminated ? 1 : 0);
  }
}

export function countLines(bytes: Uint8Array): number {
  const counter = new LineCounter();
  counter.push(bytes);
  return counter.lines();
}

/** The bytes of a UTF-8 sequence still unfinished at the end of valid text. */
function unfinishedSequence(recent: Uint8Array): Uint8Array {
  for (let back = 1; back <= recent.length; back++) {
    const byte = recent[recent.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? recent.subarray(recent.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
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

/** A Buffer over the same memory: its indexOf is a native byte search, a Uint8Array's is not. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
