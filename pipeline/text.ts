import { createHash } from "node:crypto";
import { createReadStream, type PathLike } from "node:fs";

/**
 * Invisible format characters that change bytes but not what a reader sees: zero-width
 * space, word joiner, soft hyphen, a BOM inside the text, and bidi embedding/isolate
 * controls. ZWJ and ZWNJ (U+200C, U+200D) are kept: they change rendering in Persian,
 * Indic scripts and emoji.
 */
const INVISIBLE_FORMAT_CHARACTERS = /[\u00AD\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

/** Whitespace other than a space standing alone: where collapsing whitespace changes the text. */
const UNCOLLAPSED_WHITESPACE = /[^\S ]|\s\s/u;

/**
 * What counts as "the same paragraph" (exact dedup and paragraph ids): Unicode NFKC,
 * invisible format characters removed, every whitespace run made one space, trimmed.
 * Case, punctuation and quote styles are kept: those differences are near-duplicates.
 */
export function normalizeText(text: string): string {
  const visible = text.normalize("NFKC").replace(INVISIBLE_FORMAT_CHARACTERS, "");
  // Replacing every single space between words by itself was most of the time this took.
  return (UNCOLLAPSED_WHITESPACE.test(visible) ? visible.replace(/\s+/gu, " ") : visible).trim();
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The SHA-256 of a file, read as a stream so that a large output is never held whole. */
export async function sha256OfFile(filePath: PathLike): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Hex digits of a paragraph id: 64 bits, enough to tell billions of paragraphs apart. */
export const PARAGRAPH_ID_HEX_DIGITS = 16;

/** The paragraph id depends on the normalised text only, so it is the same on every build and machine. */
export function paragraphIdOf(normalizedText: string): string {
  return sha256Hex(normalizedText).slice(0, PARAGRAPH_ID_HEX_DIGITS);
}

const GREEK_LETTERS: Record<string, string> = {
  α: "a", β: "v", γ: "g", δ: "d", ε: "e", ζ: "z", η: "i", θ: "th", ι: "i", κ: "k", λ: "l", μ: "m", ν: "n",
  ξ: "x", ο: "o", π: "p", ρ: "r", σ: "s", ς: "s", τ: "t", υ: "y", φ: "f", χ: "ch", ψ: "ps", ω: "o",
};
const CYRILLIC_LETTERS: Record<string, string> = {
  а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "i", к: "k", л: "l",
  м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "kh", ц: "ts", ч: "ch",
  ш: "sh", щ: "shch", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya", і: "i", ї: "i", є: "e", ґ: "g",
};
/** Per code unit: its Latin transliteration, for the Greek and Cyrillic letters that have one. */
const LATIN_OF = newCodeUnitTable<string | undefined>(undefined);
for (const [letter, latin] of Object.entries({ ...GREEK_LETTERS, ...CYRILLIC_LETTERS })) LATIN_OF[letter.charCodeAt(0)] = latin;

/**
 * The form in which paragraph text and catalog terms are compared: NFKC, lower case,
 * Latin/Greek/Cyrillic diacritics removed (ß → ss), Hebrew and Arabic vowel points removed
 * (most text leaves them out), Greek and Cyrillic transliterated to Latin, and every run of
 * characters that are not letters, digits or marks made one space, with a space at each end
 * so that word starts are always preceded by a space. The marks of other scripts (Devanagari
 * and Thai vowel signs) are part of their words.
 */
export function foldForMatching(text: string): string {
  const length = foldCaseAndMarksByTable(text) ?? copyCodeUnits(foldCaseAndMarks(text));
  return transliterateAndSpace(length);
}

/** The steps of folding that work on characters: NFKC, lower case, diacritics removed, ß → ss. */
function foldCaseAndMarks(text: string): string {
  // Only the combining diacritics of Latin, Greek and Cyrillic go: the marks of other
  // scripts (Devanagari vowel signs, kana voicing marks) are part of their letters.
  return text.normalize("NFKC").toLowerCase().normalize("NFD").replace(/[\u0300-\u036F]+/g, "").normalize("NFC").replace(/ß/g, "ss");
}

/**
 * Characters whose foldCaseAndMarks does not depend on their neighbours, so that a text made
 * only of them folds one character at a time through a table instead of three normalisations of
 * the whole text: Latin, Greek and Cyrillic with their combining diacritics, punctuation, CJK
 * ideographs and kana. Left out are characters that normalisation joins with a neighbour (kana
 * voicing marks, Hangul jamo, other scripts' combining marks) and surrogates. Greek capital
 * sigma lower-cases by context, to σ or ς, but both transliterate to "s".
 */
const FOLDS_ALONE = /[\u0000-\u024F\u0300-\u036F\u0370-\u0482\u048A-\u04FF\u1E00-\u1FFF\u2000-\u206F\u3000-\u3029\u3030-\u3098\u309B-\u30FF\u4E00-\u9FFF]/;

/** Per code unit: foldCaseAndMarks of it alone; null where that depends on its neighbours; undefined until first needed. */
const foldedAlone = newCodeUnitTable<string | null | undefined>(undefined);

/** Per code unit: 1 when it is part of a word (letter, digit, mark), 2 when it separates words, 3 when it is dropped, 0 until first needed. */
const letterOrDigit = new Uint8Array(0x10000);
const LETTER_OR_DIGIT = /^[\p{L}\p{N}\p{M}]$/u;
/** Hebrew points and cantillation, Arabic harakat and the superscript alef. */
const DROPPED_MARK = /^[\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u064B-\u065F\u0670]$/u;
const PART_OF_WORD = 1;
const DROPPED = 3;

/** Where foldForMatching keeps the text between its two steps, and the result; reused, since folding is synchronous. */
let caseFolded: Uint16Array = new Uint16Array(1024);
let spaced: Uint16Array = new Uint16Array(1024);
const UTF16 = new TextDecoder("utf-16le");

/** foldCaseAndMarks into `caseFolded`, character by character; null when the text has a character that cannot be folded alone. */
function foldCaseAndMarksByTable(text: string): number | null {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let folded = foldedAlone[code];
    if (folded === undefined) {
      const character = String.fromCharCode(code);
      folded = foldedAlone[code] = FOLDS_ALONE.test(character) ? foldCaseAndMarks(character) : null;
    }
    if (folded === null) return null;
    if (length + folded.length > caseFolded.length) caseFolded = grown(caseFolded, length + folded.length);
    for (let j = 0; j < folded.length; j++) caseFolded[length++] = folded.charCodeAt(j);
  }
  return length;
}

function copyCodeUnits(text: string): number {
  if (text.length > caseFolded.length) caseFolded = grown(caseFolded, text.length);
  for (let i = 0; i < text.length; i++) caseFolded[i] = text.charCodeAt(i);
  return text.length;
}

/**
 * The steps of folding that work on words, over `caseFolded`: Greek digraphs and letters and
 * Cyrillic letters to Latin, every run of characters that are not letters or digits to one space,
 * padded with a space at each end.
 */
function transliterateAndSpace(length: number): string {
  // At most four Latin letters per letter ("щ" → "shch"), a space before each, and the padding.
  if (5 * length + 2 > spaced.length) spaced = new Uint16Array(5 * length + 2);
  spaced[0] = SPACE;
  let out = 1;
  for (let i = 0; i < length; i++) {
    const code = caseFolded[i]!;
    let latin = LATIN_OF[code];
    if (latin !== undefined) {
      const digraph = greekDigraph(i, length);
      if (digraph !== undefined) {
        latin = digraph;
        i++;
      }
      for (let j = 0; j < latin.length; j++) spaced[out++] = latin.charCodeAt(j);
    } else if (classOf(code) === DROPPED) {
      continue;
    } else if (classOf(code) === PART_OF_WORD) {
      spaced[out++] = code;
    } else if (isHighSurrogate(code) && i + 1 < length && LETTER_OR_DIGIT.test(String.fromCharCode(code, caseFolded[i + 1]!))) {
      spaced[out++] = code;
      spaced[out++] = caseFolded[++i]!;
    } else if (spaced[out - 1] !== SPACE) {
      spaced[out++] = SPACE;
    }
  }
  // A text without letters or digits is two spaces: nothing, padded.
  if (out === 1 || spaced[out - 1] !== SPACE) spaced[out++] = SPACE;
  return UTF16.decode(spaced.subarray(0, out));
}

/**
 * The Latin for the Greek digraph at `caseFolded[at]`, or undefined. Reading left to right and
 * taking the first digraph that starts at each letter gives what replacing each digraph in turn
 * over the whole text (ου, αι, ει and οι, μπ, ντ, γγ, γκ) would: the only letter that ends one
 * digraph and starts another is γ, in γγ, which comes before γκ anyway. μπ and ντ at the
 * start or after whitespace sound b and d.
 */
function greekDigraph(at: number, length: number): string | undefined {
  if (at + 1 >= length) return undefined;
  const next = caseFolded[at + 1];
  switch (caseFolded[at]) {
    case 0x03bf: // ο
      return next === 0x03c5 ? "u" : next === 0x03b9 ? "i" : undefined; // ου, οι
    case 0x03b1: // α
      return next === 0x03b9 ? "e" : undefined; // αι
    case 0x03b5: // ε
      return next === 0x03b9 ? "i" : undefined; // ει
    case 0x03bc: // μ
      return next === 0x03c0 ? (startsWord(at) ? "b" : "mb") : undefined; // μπ
    case 0x03bd: // ν
      return next === 0x03c4 ? (startsWord(at) ? "d" : "nd") : undefined; // ντ
    case 0x03b3: // γ
      return next === 0x03b3 ? "ng" : next === 0x03ba ? "g" : undefined; // γγ, γκ
    default:
      return undefined;
  }
}

function startsWord(at: number): boolean {
  return at === 0 || WHITESPACE.test(String.fromCharCode(caseFolded[at - 1]!));
}

function classOf(code: number): number {
  if (letterOrDigit[code] === 0) {
    const character = String.fromCharCode(code);
    letterOrDigit[code] = DROPPED_MARK.test(character) ? DROPPED : LETTER_OR_DIGIT.test(character) ? PART_OF_WORD : 2;
  }
  return letterOrDigit[code]!;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const WHITESPACE = /^\s$/;
const SPACE = 0x20;

/** A table with an entry for every UTF-16 code unit; filled, since V8 keeps sparse arrays as slow dictionaries. */
function newCodeUnitTable<T>(initial: T): T[] {
  return new Array<T>(0x10000).fill(initial);
}

function grown(array: Uint16Array, atLeast: number): Uint16Array {
  const larger = new Uint16Array(Math.max(2 * array.length, atLeast));
  larger.set(array);
  return larger;
}
