/**
 * Lines of a blob's text, read as the text arrives piece by piece and measured on the way,
 * so that neither a pass over a blob nor one line of it needs the whole text at once.
 */

/** One physical line, without its terminator, with where it sits in the raw bytes. */
export interface Line {
  /** 1-based. */
  number: number;
  /** Offset of its first byte in the raw blob. */
  byteStart: number;
  /** Offset of its terminator, or the end of the blob. */
  byteEnd: number;
  /** UTF-8 bytes of whitespace before its first and after its last other character (a blank line's are all leading). */
  leadingBytes: number;
  trailingBytes: number;
  /** The line without surrounding whitespace; null when that is longer than the reader keeps. */
  trimmed: string | null;
  /** Code points of the trimmed line; 0 exactly when the line is blank. */
  trimmedLength: number;
  /** Code points of its first word (the trimmed line up to its first whitespace). */
  firstWordLength: number;
}

/** The same whitespace String.prototype.trim removes. */
const WHITESPACE = /\s/;
const NON_WHITESPACE = /\S/;
const SURROGATE = /[\uD800-\uDFFF]/;
const LINE_FEED = 0x0a;

/**
 * Splits text, fed in pieces in order, into lines and hands each to `onLine` as soon as it
 * ends. LF, CRLF and CR all end a line; UTF-8 never uses their bytes inside a multi-byte
 * character, so byte offsets follow from the lines' UTF-8 lengths. A line's trimmed text is
 * kept only up to `maxTextBytes` (0 in a pass that only measures); beyond that the line is
 * measured but not held.
 */
export class LineReader {
  private readonly measure: LineMeasure;
  private number = 1;
  private byteStart: number;
  /** The last piece ended in CR: an LF at the start of the next one belongs to that terminator. */
  private afterCarriageReturn = false;

  constructor(
    firstByte: number,
    maxTextBytes: number,
    private readonly onLine: (line: Line) => void,
  ) {
    this.byteStart = firstByte;
    this.measure = new LineMeasure(maxTextBytes);
  }

  push(text: string): void {
    let from = 0;
    if (this.afterCarriageReturn && text.length > 0) {
      this.afterCarriageReturn = false;
      if (text.charCodeAt(0) === LINE_FEED) {
        from = 1;
        this.byteStart++;
      }
    }
    // Searched once per character kind and piece, not once per line: a blob may have only one kind.
    let nextLineFeed = text.indexOf("\n", from);
    let nextCarriageReturn = text.indexOf("\r", from);
    for (;;) {
      if (nextLineFeed !== -1 && nextLineFeed < from) nextLineFeed = text.indexOf("\n", from);
      if (nextCarriageReturn !== -1 && nextCarriageReturn < from) nextCarriageReturn = text.indexOf("\r", from);
      const end = nextCarriageReturn === -1 || (nextLineFeed !== -1 && nextLineFeed < nextCarriageReturn) ? nextLineFeed : nextCarriageReturn;
      if (end === -1) {
        this.measure.feed(from === 0 ? text : text.slice(from));
        return;
      }
      this.measure.feed(text.slice(from, end));
      const terminatorBytes = end === nextCarriageReturn && nextLineFeed === end + 1 ? 2 : 1;
      from = end + terminatorBytes;
      // Only a lone CR at the very end may be the first half of a CRLF split between pieces.
      this.afterCarriageReturn = terminatorBytes === 1 && end === nextCarriageReturn && from === text.length;
      this.endLine(terminatorBytes);
    }
  }

  /** The end of the text: an unterminated last line counts when it has any bytes. */
  end(): void {
    if (this.measure.bytes > 0) this.endLine(0);
  }

  private endLine(terminatorBytes: number): void {
    const byteEnd = this.byteStart + this.measure.bytes;
    this.onLine(this.measure.take(this.number, this.byteStart, byteEnd));
    this.number++;
    this.byteStart = byteEnd + terminatorBytes;
  }
}

/** Measures one line as its text arrives, keeping its trimmed text only while it is within the limit. */
class LineMeasure {
  bytes = 0;
  private leadingBytes = 0;
  private started = false;
  private inFirstWord = false;
  private firstWordLength = 0;
  private trimmedBytes = 0;
  private trimmedLength = 0;
  private parts: string[] | null = [];
  /** Whitespace after the last other character so far: trailing, unless more text follows it. */
  private pending: string | null = "";
  private pendingBytes = 0;
  private pendingLength = 0;

  constructor(private readonly maxTextBytes: number) {}

  feed(piece: string): void {
    if (piece === "") return;
    const pieceBytes = utf8Length(piece);
    this.bytes += pieceBytes;
    if (!this.started) {
      const first = piece.search(NON_WHITESPACE);
      if (first === -1) {
        this.leadingBytes += pieceBytes;
        return;
      }
      this.leadingBytes += utf8Length(piece.slice(0, first));
      piece = piece.slice(first);
      this.started = this.inFirstWord = true;
    }
    if (this.inFirstWord) {
      const wordEnd = piece.search(WHITESPACE);
      this.firstWordLength += codePointLength(wordEnd === -1 ? piece : piece.slice(0, wordEnd));
      this.inFirstWord = wordEnd === -1;
    }
    const content = piece.trimEnd();
    if (content.length > 0) {
      // The whitespace held back is inside the line after all.
      this.addTrimmed(this.pending, this.pendingBytes, this.pendingLength);
      this.addTrimmed(content, utf8Length(content), codePointLength(content));
      this.pending = "";
      this.pendingBytes = this.pendingLength = 0;
    }
    const whitespace = content.length === piece.length ? "" : piece.slice(content.length);
    this.pendingBytes += utf8Length(whitespace);
    this.pendingLength += whitespace.length; // whitespace is never astral
    this.pending = this.pending !== null && this.trimmedBytes + this.pendingBytes <= this.maxTextBytes ? this.pending + whitespace : null;
  }

  take(number: number, byteStart: number, byteEnd: number): Line {
    const line: Line = {
      number,
      byteStart,
      byteEnd,
      leadingBytes: this.leadingBytes,
      trailingBytes: this.pendingBytes,
      trimmed: this.parts === null ? null : this.parts.join(""),
      trimmedLength: this.trimmedLength,
      firstWordLength: this.firstWordLength,
    };
    this.bytes = this.leadingBytes = this.firstWordLength = this.trimmedBytes = this.trimmedLength = 0;
    this.pendingBytes = this.pendingLength = 0;
    this.started = this.inFirstWord = false;
    this.parts = [];
    this.pending = "";
    return line;
  }

  private addTrimmed(text: string | null, bytes: number, length: number): void {
    this.trimmedBytes += bytes;
    this.trimmedLength += length;
    if (this.parts === null || bytes === 0) return;
    if (text === null || this.trimmedBytes > this.maxTextBytes) this.parts = null;
    else this.parts.push(text);
  }
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Code points, as `for…of` counts them: a surrogate pair is one. */
export function codePointLength(text: string): number {
  // The regular expression rejects text without surrogates at once (at no cost for Latin-1 text).
  if (!SURROGATE.test(text)) return text.length;
  let length = text.length;
  for (let i = 1; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0xd800 && before <= 0xdbff) length--;
    }
  }
  return length;
}
