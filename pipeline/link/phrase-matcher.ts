import { TermMatcher } from "./term-matcher.js";

/**
 * Multi-word catalog terms matched loosely: a phrase is found when each of its words occurs,
 * inflected or not, within WINDOW words of its first word, in any order. Text in inflecting
 * languages rarely repeats a catalog phrase word for word ("Big flyttar till Paris" is written
 * "Big berättar att han ska flytta till Paris"), and word order moves between languages.
 */

/** How far apart, in words, a phrase's words may stand. */
const WINDOW = 8;
/** Words this long lose their last two letters to an inflection-tolerant stem ("flyttar" → "flytt"). */
const MIN_TRIMMED_LENGTH = 6;
const INFLECTION_LETTERS = 2;
const SPACE = 0x20;

export function phraseWordStem(word: string): string {
  return word.length >= MIN_TRIMMED_LENGTH ? word.slice(0, word.length - INFLECTION_LETTERS) : word;
}

export class PhraseMatcher {
  private readonly words: TermMatcher;
  /** Per phrase: its words' positions in `words.terms`. */
  private readonly phraseWords: number[][];
  /** Per word: the phrases it is the first word of, so that only phrases whose first word occurs are checked. */
  private readonly phrasesStartingWith: number[][];

  /** `phrases` are folded (foldForMatching, trimmed) and have at least two words. */
  constructor(readonly phrases: readonly string[]) {
    const stems = new Map<string, number>();
    this.phraseWords = phrases.map((phrase) =>
      [...new Set(phrase.split(" ").map(phraseWordStem))].map((stem) => {
        if (!stems.has(stem)) stems.set(stem, stems.size);
        return stems.get(stem)!;
      }),
    );
    this.words = new TermMatcher([...stems.keys()], "word-starts");
    this.phrasesStartingWith = Array.from({ length: stems.size }, () => []);
    this.phraseWords.forEach((words, phrase) => this.phrasesStartingWith[words[0]!]!.push(phrase));
  }

  /** Positions in `phrases` of the phrases found in folded text, ascending. */
  find(folded: string): number[] {
    // Word number of every match of every stem: the number of spaces before it.
    const wordNumbers = new Map<number, number[]>();
    let spaces = 0;
    let counted = 0;
    // Every stem at a place, not only the longest: "artis" of one phrase and "artist" of another both start "artists".
    this.words.forEachMatch(
      folded,
      (stem, position) => {
        for (; counted < position; counted++) if (folded.charCodeAt(counted) === SPACE) spaces++;
        const list = wordNumbers.get(stem);
        if (list) list.push(spaces);
        else wordNumbers.set(stem, [spaces]);
      },
      true,
    );
    if (wordNumbers.size < 2) return [];
    const found: number[] = [];
    for (const [first, starts] of wordNumbers) {
      for (const phrase of this.phrasesStartingWith[first]!) {
        const rest = this.phraseWords[phrase]!.slice(1);
        if (!rest.every((word) => wordNumbers.has(word))) continue;
        const near = (at: number) => rest.every((word) => wordNumbers.get(word)!.some((other) => Math.abs(other - at) <= WINDOW));
        if (starts.some(near)) found.push(phrase);
      }
    }
    return found.sort((a, b) => a - b);
  }
}
