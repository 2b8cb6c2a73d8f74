import { CharacterTrie } from "./char-trie.js";

/** Terms shorter than this must match a whole word; longer ones are stems. */
export const MIN_STEM_LENGTH = 4;
/** Single-word terms at least this long also match inside a word (the second half of a German compound). */
const MIN_INFIX_LENGTH = 7;
const SCRIPTS_WITHOUT_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

/**
 * Where terms may match (terms in scripts written without spaces match anywhere, whatever this says):
 * - "stems": short terms as whole words, longer ones as word-start stems, long single words
 *   (compound parts) anywhere;
 * - "word-starts": short terms as whole words, longer ones as word-start stems only;
 * - "whole-words": every term as whole words or a whole phrase.
 */
export type Placement = "stems" | "word-starts" | "whole-words";

/**
 * Finds which catalog terms occur in folded text, placed as `placement` says. Where several terms match at one place, only
 * the longest counts, so "alexa" does not fire inside "Alexandr" when "alexandr" is a term.
 * All terms sit in one character trie, so each text position costs a walk as deep as the
 * longest term that starts there, not a look-up per term.
 */
export class TermMatcher {
  private readonly trie: CharacterTrie;
  /** Per trie node: the position in `terms` of the term that ends there, or -1. */
  private readonly termAt: Int32Array;
  /** Per trie node: where the term that ends there may match. */
  private readonly placeAt: Uint8Array;

  constructor(
    readonly terms: readonly string[],
    placement: Placement = "stems",
  ) {
    this.trie = new CharacterTrie(terms);
    this.termAt = new Int32Array(this.trie.nodeIdLimit).fill(-1);
    this.placeAt = new Uint8Array(this.trie.nodeIdLimit);
    terms.forEach((term, termIndex) => {
      const cjk = SCRIPTS_WITHOUT_SPACES.test(term);
      const place = cjk
        ? Place.Anywhere
        : placement === "whole-words" || term.length < MIN_STEM_LENGTH
          ? Place.WholeWord
          : placement === "stems" && term.length >= MIN_INFIX_LENGTH && !term.includes(" ")
            ? Place.Anywhere
            : Place.WordStart;
      const node = this.trie.endNodes[termIndex]!;
      this.termAt[node] = termIndex;
      this.placeAt[node] = place;
    });
  }

  /** `folded` must come from foldForMatching: words separated by single spaces, padded. */
  find(folded: string): Set<string> {
    const found = new Set<string>();
    this.forEachMatch(folded, (term) => found.add(this.terms[term]!));
    return found;
  }

  /**
   * Calls `visit` with the position in `terms` of the longest term matching at each text
   * position (or, with `everyLength`, of every term matching there), and that position, in
   * text order; a term may come more than once.
   */
  forEachMatch(folded: string, visit: (term: number, position: number) => void, everyLength = false): void {
    let wordStart = 1;
    for (let position = 1; position < folded.length; position++) {
      if (folded.charCodeAt(position - 1) === SPACE) wordStart = position;
      const atWordStart = wordStart === position || isCliticPrefix(folded, wordStart, position);
      // Deeper nodes end longer terms, so the last allowed one on the walk is the longest.
      let longest = -1;
      let node = 0;
      for (let at = position; at < folded.length; at++) {
        node = this.trie.child(node, folded.charCodeAt(at));
        if (node < 0) break;
        const place = this.placeAt[node];
        if (
          place === Place.Anywhere ||
          (atWordStart && (place === Place.WordStart || (place === Place.WholeWord && folded.charCodeAt(at + 1) === SPACE)))
        ) {
          if (everyLength) visit(this.termAt[node]!, position);
          else longest = node;
        }
      }
      if (longest >= 0) visit(this.termAt[longest]!, position);
    }
  }
}

const SPACE = 0x20;

/**
 * Hebrew and Arabic write some prepositions, conjunctions and the article as letters joined to
 * the next word ("וביג", "and Big"; "بالحفلة", "at the party"), so a word in those scripts also
 * starts after up to three such letters. Hebrew: ו ה ב ל מ ש כ; Arabic: و ف ب ك ل and the article ال.
 */
const CLITIC_LETTERS = new Set([..."והבלמשכ", ..."وفبكلا"].map((letter) => letter.charCodeAt(0)));
const MAX_CLITIC_LETTERS = 3;

function isCliticPrefix(folded: string, wordStart: number, position: number): boolean {
  if (position - wordStart > MAX_CLITIC_LETTERS) return false;
  for (let at = wordStart; at < position; at++) if (!CLITIC_LETTERS.has(folded.charCodeAt(at))) return false;
  return true;
}

/** Where a term may match (0 in `placeAt`: no term ends at that node). */
const enum Place {
  WholeWord = 1,
  WordStart,
  Anywhere,
}
