import { isUtf8 } from "node:buffer";

/**
 * How a file under RAW is named in the outputs (`source_file`), and in what order files come.
 *
 * A file system name is bytes, not text. `source_file` is the path relative to RAW, with `/`
 * separators, as UTF-8 text with two escapes: a byte that is not part of valid UTF-8 is
 * written `\xHH` (two upper-case hex digits), and a backslash is written `\\`. Escaping the
 * backslash too keeps the spelling one-to-one: `\xFF` can only come from the byte 0xFF, never
 * from a file literally named with a backslash, an `x` and two letters (that one is spelled
 * `\\xFF`), so two files can never share a `source_file`, and `pathOfSourceFile` gives back the
 * exact bytes. Names that are UTF-8 and have no backslash, nearly all of them, are spelled as
 * they are.
 */
export function sourceFileOf(path: Uint8Array): string {
  const bytes = Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  let spelled = "";
  for (let at = 0; at < bytes.length; ) {
    const length = utf8SequenceLengthAt(bytes, at);
    if (length === 0) {
      spelled += `\\x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")}`;
      at++;
    } else {
      const character = bytes.toString("utf8", at, at + length);
      spelled += character === "\\" ? "\\\\" : character;
      at += length;
    }
  }
  return spelled;
}

/** The path bytes a `source_file` spells (the inverse of sourceFileOf). */
export function pathOfSourceFile(sourceFile: string): Buffer {
  const pieces: Buffer[] = [];
  let from = 0;
  for (const escape of sourceFile.matchAll(/\\(?:\\|x([0-9A-F]{2}))/g)) {
    pieces.push(Buffer.from(sourceFile.slice(from, escape.index), "utf8"), escape[1] === undefined ? Buffer.from("\\") : Buffer.of(parseInt(escape[1], 16)));
    from = escape.index + escape[0].length;
  }
  pieces.push(Buffer.from(sourceFile.slice(from), "utf8"));
  return Buffer.concat(pieces);
}

/**
 * The order of files everywhere (reading, manifest inputs, rejects): `source_file` by Unicode
 * code points, which for UTF-8 text is the order of its bytes. JavaScript's `<` compares
 * UTF-16 code units instead, which puts an astral character (a surrogate pair, from U+D800)
 * before U+E000–U+FFFF: code units from U+D800 up are moved so that surrogates sort last.
 */
export function compareSourceFiles(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const [x, y] = [a.charCodeAt(i), b.charCodeAt(i)];
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const codePointRank = (unit: number) => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);

/** Bytes of the valid UTF-8 sequence starting at `at`, or 0 when there is none. */
function utf8SequenceLengthAt(bytes: Buffer, at: number): number {
  const lead = bytes[at]!;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  return length > 0 && at + length <= bytes.length && isUtf8(bytes.subarray(at, at + length)) ? length : 0;
}
