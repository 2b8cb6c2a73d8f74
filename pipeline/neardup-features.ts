import type { NearDupFeatures } from "./neardup.js";
import type { ScratchDirectory, SpillFile } from "./spill.js";

/** A run of consecutive paragraph numbers whose features are read into memory together. */
export interface FeatureBlock {
  firstParagraph: number;
  /** One past the last paragraph number. */
  endParagraph: number;
  startWord: number;
  endWord: number;
}

/** Reads a paragraph's features out of a loaded block. */
export type FeaturesOf = (paragraphNumber: number) => NearDupFeatures;

/**
 * The verification features of the paragraphs in candidate pairs, on disk: one record of
 * 32-bit words per paragraph (characters, shingle count, word count, the shingles, the
 * words), added in ascending paragraph number. In memory stays one offset a paragraph;
 * verification reads the records back block by block (neardup-clusters.ts).
 */
export class NearDupFeatureStore {
  private readonly file: SpillFile<Uint32Array>;
  /** Per paragraph, where its record starts in the file, or -1. */
  private readonly recordStarts: Float64Array;
  private lastAdded = -1;

  constructor(paragraphs: number, scratch: ScratchDirectory) {
    this.file = scratch.spillFile("features.u32", (length) => new Uint32Array(length));
    this.recordStarts = new Float64Array(paragraphs).fill(-1);
  }

  add(paragraphNumber: number, { characters, shingles, words }: NearDupFeatures): void {
    if (paragraphNumber <= this.lastAdded) throw new Error(`near-dup features must arrive in ascending paragraph order: got ${paragraphNumber} after ${this.lastAdded}`);
    this.lastAdded = paragraphNumber;
    this.recordStarts[paragraphNumber] = this.file.length;
    this.file.push(characters);
    this.file.push(shingles.length);
    this.file.push(words.length);
    this.file.pushAll(shingles);
    this.file.pushAll(words);
  }

  /** The stored paragraphs cut into blocks of at most `maxWords` words (a block holds at least one record). */
  blocks(maxWords: number): FeatureBlock[] {
    const blocks: FeatureBlock[] = [];
    let current: FeatureBlock | undefined;
    for (let paragraphNumber = 0; paragraphNumber < this.recordStarts.length; paragraphNumber++) {
      const start = this.recordStarts[paragraphNumber]!;
      if (start < 0) continue;
      if (current && start - current.startWord >= maxWords) {
        current.endWord = start;
        blocks.push(current);
        current = undefined;
      }
      current ??= { firstParagraph: paragraphNumber, endParagraph: 0, startWord: start, endWord: 0 };
      current.endParagraph = paragraphNumber + 1;
    }
    if (current) blocks.push({ ...current, endWord: this.file.length });
    return blocks;
  }

  load(block: FeatureBlock): FeaturesOf {
    const words = this.file.readRange(block.startWord, block.endWord - block.startWord);
    return (paragraphNumber) => {
      const at = this.recordStarts[paragraphNumber]! - block.startWord;
      if (paragraphNumber < block.firstParagraph || paragraphNumber >= block.endParagraph || at < 0) {
        throw new Error(`paragraph ${paragraphNumber} has no near-dup features in block ${block.firstParagraph}–${block.endParagraph - 1}`);
      }
      const shingleCount = words[at + 1]!;
      const shinglesStart = at + 3;
      const wordsStart = shinglesStart + shingleCount;
      return { characters: words[at]!, shingles: words.subarray(shinglesStart, wordsStart), words: words.subarray(wordsStart, wordsStart + words[at + 2]!) };
    };
  }

  close(): void {
    this.file.close();
  }
}
