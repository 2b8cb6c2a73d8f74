import { createHash } from "node:crypto";
import type { Occurrence, Reject } from "../../schemas/records.js";
import { CHUNK_BYTES, chunksOf } from "./chunks.js";
import { GrowableArray } from "../growable.js";
import type { ScannedBlob } from "./ingest.js";
import { LineReader, type Line } from "./lines.js";
import { normalizeText } from "../text.js";
import { NothingLostAudit, PipelineError } from "../validate.js";

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

/** A paragraph with its provenance, or lines that could not become one, in line order. */
export type SplitPiece =
  | { kind: "paragraph"; lineStart: number; lineEnd: number; byteStart: number; byteEnd: number; text: string; normalizedText: string }
  | { kind: "reject"; lineStart: number; lineEnd: number; reason: string };

/**
 * The layout rule, decided from lines fed in order: a blob is hard-wrapped when it has at
 * least two blocks (runs of non-blank lines) and its lines that continue into a next line
 * of their block look wrapped: there are at least two of them, the longest is at least
 * MIN_WRAP_WIDTH characters, and most are "full" (the next line's first word would not have
 * fitted within that longest line). Otherwise every non-blank line is a paragraph
 * (one-paragraph-per-line blobs, teaser lists, podcast notes). Holds one number per
 * continuing line, since "full" depends on the longest line, known only at the end.
 */
export class LayoutStatistics {
  private blocks = 0;
  private wrapWidth = 0;
  /** Trimmed length of the previous line when it was not blank. */
  private previousLength: number | null = null;
  /** Per continuing line: its length plus a space plus the next line's first word. */
  private readonly widthsWithNextWord = new GrowableArray((length) => new Float64Array(length));

  add(line: Line): void {
    if (line.trimmedLength === 0) {
      this.previousLength = null;
      return;
    }
    if (this.previousLength === null) this.blocks++;
    else {
      this.wrapWidth = Math.max(this.wrapWidth, this.previousLength);
      this.widthsWithNextWord.push(this.previousLength + 1 + line.firstWordLength);
    }
    this.previousLength = line.trimmedLength;
  }

  layout(): BlobLayout {
    const continuing = this.widthsWithNextWord.view();
    if (this.blocks < 2 || continuing.length < 2 || this.wrapWidth < MIN_WRAP_WIDTH) return "line-per-paragraph";
    let full = 0;
    for (const width of continuing) if (width > this.wrapWidth) full++;
    return full >= WRAPPED_LINE_SHARE * continuing.length ? "blank-line-blocks" : "line-per-paragraph";
  }
}

/**
 * Groups lines into paragraphs by the blob's layout: each non-blank line, or each block of
 * them. A paragraph's text is its lines' trimmed texts joined with single spaces; once a
 * block passes MAX_PARAGRAPH_BYTES only its extent is kept, since it can only be rejected.
 */
class ParagraphSplitter {
  private block: { first: Line; last: Line; texts: string[] | null } | null = null;

  constructor(private readonly layout: BlobLayout) {}

  /** The paragraph or reject this line completes, if any. */
  push(line: Line): SplitPiece | null {
    if (line.trimmedLength === 0) return this.endBlock();
    if (this.layout === "line-per-paragraph") return pieceOf(line, line, line.trimmed === null ? null : [line.trimmed]);
    const block = (this.block ??= { first: line, last: line, texts: [] });
    block.last = line;
    if (block.texts !== null && line.trimmed !== null && byteEndOf(line) - byteStartOf(block.first) <= MAX_PARAGRAPH_BYTES) block.texts.push(line.trimmed);
    else block.texts = null;
    return null;
  }

  finish(): SplitPiece | null {
    return this.endBlock();
  }

  private endBlock(): SplitPiece | null {
    const block = this.block;
    this.block = null;
    return block && pieceOf(block.first, block.last, block.texts);
  }
}

const byteStartOf = (line: Line) => line.byteStart + line.leadingBytes;
const byteEndOf = (line: Line) => line.byteEnd - line.trailingBytes;

/**
 * `texts` is null only past the limit: a line's text is dropped only beyond it. The
 * normalised text (text.ts) travels with the paragraph, since its id is derived from it.
 */
function pieceOf(first: Line, last: Line, texts: string[] | null): SplitPiece {
  const [byteStart, byteEnd] = [byteStartOf(first), byteEndOf(last)];
  const [lineStart, lineEnd] = [first.number, last.number];
  if (byteEnd - byteStart > MAX_PARAGRAPH_BYTES) {
    return {
      kind: "reject",
      lineStart,
      lineEnd,
      reason:
        `paragraph of ${byteEnd - byteStart} bytes exceeds the ${MAX_PARAGRAPH_BYTES}-byte limit; ` +
        "a description is never this long: split the text into paragraphs or remove it",
    };
  }
  const text = texts!.join(" ");
  const normalizedText = normalizeText(text);
  // Only invisible format characters: nothing to read, and every such line would share one id.
  if (normalizedText === "") {
    return {
      kind: "reject",
      lineStart,
      lineEnd,
      reason: "no visible text: only invisible characters (zero-width spaces, soft hyphens, bidi controls, a BOM); delete the line or write its text",
    };
  }
  return { kind: "paragraph", lineStart, lineEnd, byteStart, byteEnd, text, normalizedText };
}

/**
 * The split pass over a scanned blob: its bytes, fed chunk by chunk from the start of the
 * file, become paragraphs and line rejects as soon as they are complete. Every line is
 * audited ("nothing lost"), and the bytes must be those the scan hashed: a file that
 * changed in between would be cached under the wrong key.
 */
export class BlobSplitter {
  private readonly hash = createHash("sha256");
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private readonly lines: LineReader;
  private readonly paragraphs: ParagraphSplitter;
  private readonly audit: NothingLostAudit;
  private position = 0;
  private completed: SplitPiece[] = [];

  constructor(private readonly scanned: ScannedBlob) {
    this.paragraphs = new ParagraphSplitter(scanned.layout);
    this.audit = new NothingLostAudit(scanned.blob.sourceFile);
    this.lines = new LineReader(scanned.textByteOffset, MAX_PARAGRAPH_BYTES, (line) => {
      this.audit.line(line.number, line.trimmedLength === 0);
      this.complete(this.paragraphs.push(line));
    });
  }

  /** The pieces this chunk completes. */
  push(chunk: Uint8Array): SplitPiece[] {
    this.hash.update(chunk);
    const bomBytes = Math.max(0, this.scanned.textByteOffset - this.position);
    this.position += chunk.length;
    this.lines.push(this.decode(chunk.subarray(bomBytes)));
    return this.takeCompleted();
  }

  finish(): SplitPiece[] {
    this.lines.push(this.decode(null));
    this.lines.end();
    this.complete(this.paragraphs.finish());
    this.audit.finish();
    if (this.position !== this.scanned.blob.sizeBytes || this.hash.digest("hex") !== this.scanned.blob.blobSha256) throw this.changed();
    return this.takeCompleted();
  }

  private decode(bytes: Uint8Array | null): string {
    try {
      return bytes === null ? this.decoder.decode() : this.decoder.decode(bytes, { stream: true });
    } catch {
      throw this.changed(); // the scan found it valid UTF-8
    }
  }

  private changed(): PipelineError {
    return new PipelineError(`${this.scanned.blob.sourceFile} changed while the build read it; run the build again.`);
  }

  private complete(piece: SplitPiece | null): void {
    if (!piece) return;
    this.audit.cover(piece.lineStart, piece.lineEnd);
    this.completed.push(piece);
  }

  private takeCompleted(): SplitPiece[] {
    const completed = this.completed;
    this.completed = [];
    return completed;
  }
}

/** The split of a blob held in memory (tests and tools), by the same streaming pass. */
export function splitBlob(
  blob: ScannedBlob & { bytes: Uint8Array },
  chunkBytes = CHUNK_BYTES,
): { layout: BlobLayout; occurrences: Occurrence[]; rejects: Reject[] } {
  const splitter = new BlobSplitter(blob);
  const pieces = [...chunksOf(blob.bytes, chunkBytes)].flatMap((chunk) => splitter.push(chunk)).concat(splitter.finish());
  const { sourceFile, blobSha256 } = blob.blob;
  const occurrences: Occurrence[] = [];
  const rejects: Reject[] = [];
  for (const piece of pieces) {
    if (piece.kind === "paragraph") {
      const { lineStart, lineEnd, byteStart, byteEnd, text } = piece;
      occurrences.push({ sourceFile, lineStart, lineEnd, byteStart, byteEnd, blobSha256, text });
    } else rejects.push({ sourceFile, lineStart: piece.lineStart, lineEnd: piece.lineEnd, reason: piece.reason });
  }
  return { layout: blob.layout, occurrences, rejects };
}
