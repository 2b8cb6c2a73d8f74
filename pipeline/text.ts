import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/**
 * Invisible format characters that change bytes but not what a reader sees: zero-width
 * space, word joiner, soft hyphen, a BOM inside the text, and bidi embedding/isolate
 * controls. ZWJ and ZWNJ (U+200C, U+200D) are kept: they change rendering in Persian,
 * Indic scripts and emoji.
 */
const INVISIBLE_FORMAT_CHARACTERS = /[\u00AD\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

/**
 * What counts as "the same paragraph" (exact dedup and paragraph ids): Unicode NFKC,
 * invisible format characters removed, every whitespace run made one space, trimmed.
 * Case, punctuation and quote styles are kept: those differences are near-duplicates.
 */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE_FORMAT_CHARACTERS, "").replace(/\s+/gu, " ").trim();
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The SHA-256 of a file, read as a stream so that a large output is never held whole. */
export async function sha256OfFile(filePath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The paragraph id depends on the normalised text only, so it is the same on every build and machine. */
export function paragraphIdOf(normalizedText: string): string {
  return sha256Hex(normalizedText).slice(0, 16);
}

const GREEK_DIGRAPHS: Array<[RegExp, string]> = [
  [/ου/g, "u"],
  [/αι/g, "e"],
  [/ει|οι/g, "i"],
  [/(^|\s)μπ/g, "$1b"],
  [/μπ/g, "mb"],
  [/(^|\s)ντ/g, "$1d"],
  [/ντ/g, "nd"],
  [/γγ/g, "ng"],
  [/γκ/g, "g"],
];
const GREEK_LETTERS: Record<string, string> = {
  α: "a", β: "v", γ: "g", δ: "d", ε: "e", ζ: "z", η: "i", θ: "th", ι: "i", κ: "k", λ: "l", μ: "m", ν: "n",
  ξ: "x", ο: "o", π: "p", ρ: "r", σ: "s", ς: "s", τ: "t", υ: "y", φ: "f", χ: "ch", ψ: "ps", ω: "o",
};
const CYRILLIC_LETTERS: Record<string, string> = {
  а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "i", к: "k", л: "l",
  м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "kh", ц: "ts", ч: "ch",
  ш: "sh", щ: "shch", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya", і: "i", ї: "i", є: "e", ґ: "g",
};
const LETTERS_TO_TRANSLITERATE = /[\u0370-\u03FF\u0400-\u04FF]/gu;

/**
 * The form in which paragraph text and catalog terms are compared: NFKC, lower case,
 * Latin/Greek/Cyrillic diacritics removed (ß → ss), Greek and Cyrillic transliterated to Latin, and every run
 * of characters that are not letters or digits made one space, with a space at each end
 * so that word starts are always preceded by a space.
 */
export function foldForMatching(text: string): string {
  // Only the combining diacritics of Latin, Greek and Cyrillic go: the marks of other
  // scripts (Devanagari vowel signs, kana voicing marks) are part of their letters.
  let folded = text.normalize("NFKC").toLowerCase().normalize("NFD").replace(/[\u0300-\u036F]+/g, "").normalize("NFC").replace(/ß/g, "ss");
  if (/[\u0370-\u03FF]/u.test(folded)) for (const [pattern, latin] of GREEK_DIGRAPHS) folded = folded.replace(pattern, latin);
  folded = folded.replace(LETTERS_TO_TRANSLITERATE, (letter) => GREEK_LETTERS[letter] ?? CYRILLIC_LETTERS[letter] ?? letter);
  return ` ${folded.replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}
