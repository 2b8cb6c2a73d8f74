import { NearDupFeatureStore, type FeatureBlock } from "./neardup-features.js";
import { firstOfPair, NearDupIndex, packPair, secondOfPair } from "./neardup-index.js";
import { featuresOf, isNearDuplicate, nearDupFingerprint, nearDupKey } from "./neardup.js";
import { ScratchDirectory, type SpillFile } from "./spill.js";

/** Feature words per block (96 MiB, plus at most one record); two blocks are held at once. */
const WORDS_PER_FEATURE_BLOCK = 24 << 20;

/**
 * Near-duplicate clusters: the connected components of the candidate pairs that verify,
 * found with union-find. A cluster's root is its first paragraph in output order, so its
 * id (that paragraph's id) is stable across builds. Components do not depend on the order
 * pairs are verified in, which lets verification go block by block.
 *
 * 1. The constructor takes the candidate pairs from the index, keeps them on disk and
 *    marks the paragraphs whose texts verification needs (`needsText`).
 * 2. The caller hands those texts over in ascending paragraph order (`addText`); their
 *    features go to disk (neardup-features.ts).
 * 3. `roots()` verifies every pair with both features in memory: a block nested-loop
 *    join, each block of earlier paragraphs against itself and every block after it, so
 *    memory holds two blocks whatever the corpus size.
 */
export class NearDupClusters {
  readonly needsText: Uint8Array;
  readonly candidates: number;
  private readonly pairs: SpillFile<Float64Array>;
  private readonly features: NearDupFeatureStore;
  private readonly parent: Int32Array;

  constructor(index: NearDupIndex, scratch: ScratchDirectory) {
    this.needsText = new Uint8Array(index.paragraphs);
    this.pairs = scratch.spillFile("candidate-pairs.f64", (length) => new Float64Array(length));
    for (const batch of index.candidatePairs()) {
      for (const packed of batch) {
        this.needsText[firstOfPair(packed)] = this.needsText[secondOfPair(packed)] = 1;
        this.pairs.push(packed);
      }
    }
    this.candidates = this.pairs.length;
    this.features = new NearDupFeatureStore(index.paragraphs, scratch);
    this.parent = Int32Array.from({ length: index.paragraphs }, (_, paragraphNumber) => paragraphNumber);
  }

  /** The near-dup key of a paragraph in `needsText`, in ascending paragraph order. */
  addText(paragraphNumber: number, key: string): void {
    this.features.add(paragraphNumber, featuresOf(key));
  }

  /** Verifies every candidate pair; per paragraph, the number of its cluster's first paragraph. */
  roots(wordsPerBlock = WORDS_PER_FEATURE_BLOCK): Int32Array {
    const blocks = this.features.blocks(wordsPerBlock);
    const pairStarts = this.pairStartsPerBlock(blocks);
    blocks.forEach((earlierBlock, earlierIndex) => {
      // This block's pairs, re-sorted by the later paragraph so that each later block's pairs are one run.
      const byLater = this.pairs
        .readRange(pairStarts[earlierIndex]!, pairStarts[earlierIndex + 1]! - pairStarts[earlierIndex]!)
        .map((packed) => packPair(secondOfPair(packed), firstOfPair(packed)))
        .sort();
      const earlierFeatures = this.features.load(earlierBlock);
      let next = 0;
      for (let laterIndex = earlierIndex; laterIndex < blocks.length && next < byLater.length; laterIndex++) {
        const laterBlock = blocks[laterIndex]!;
        if (firstOfPair(byLater[next]!) >= laterBlock.endParagraph) continue;
        const laterFeatures = laterIndex === earlierIndex ? earlierFeatures : this.features.load(laterBlock);
        for (; next < byLater.length; next++) {
          const later = firstOfPair(byLater[next]!);
          const earlier = secondOfPair(byLater[next]!);
          if (later >= laterBlock.endParagraph) break;
          if (this.root(earlier) !== this.root(later) && isNearDuplicate(earlierFeatures(earlier), laterFeatures(later))) this.join(earlier, later);
        }
      }
    });
    this.pairs.close();
    this.features.close();
    return this.parent.map((_, paragraphNumber) => this.root(paragraphNumber));
  }

  /** Pairs are sorted by their earlier paragraph, so each block's pairs start where the previous block's end. */
  private pairStartsPerBlock(blocks: FeatureBlock[]): number[] {
    const starts = [0];
    let position = 0;
    let blockIndex = 0;
    for (const chunk of this.pairs.chunks(1 << 20)) {
      for (const packed of chunk) {
        const earlier = firstOfPair(packed);
        while (earlier >= blocks[blockIndex]!.endParagraph) {
          starts.push(position);
          blockIndex++;
        }
        position++;
      }
    }
    while (starts.length <= blocks.length) starts.push(position);
    return starts;
  }

  private root(paragraphNumber: number): number {
    let current = paragraphNumber;
    while (this.parent[current] !== current) {
      this.parent[current] = this.parent[this.parent[current]!]!;
      current = this.parent[current]!;
    }
    return current;
  }

  private join(a: number, b: number): void {
    const [rootA, rootB] = [this.root(a), this.root(b)];
    this.parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  }
}

export interface NearDupInput {
  paragraphId: string;
  normalizedText: string;
}

/** Cluster ids for paragraphs held in memory, in output order (the id of each one's cluster's first paragraph), through the same steps as a build. */
export async function clusterNearDuplicates(paragraphs: readonly NearDupInput[], wordsPerBlock?: number): Promise<string[]> {
  const scratch = await ScratchDirectory.create("satc-neardup-");
  try {
    const index = new NearDupIndex(scratch);
    paragraphs.forEach((paragraph, paragraphNumber) => index.add(paragraphNumber, nearDupFingerprint(paragraph.normalizedText)));
    const clusters = new NearDupClusters(index, scratch);
    paragraphs.forEach((paragraph, paragraphNumber) => {
      if (clusters.needsText[paragraphNumber]) clusters.addText(paragraphNumber, nearDupKey(paragraph.normalizedText));
    });
    const roots = clusters.roots(wordsPerBlock);
    return paragraphs.map((_, paragraphNumber) => paragraphs[roots[paragraphNumber]!]!.paragraphId);
  } finally {
    await scratch.remove();
  }
}
