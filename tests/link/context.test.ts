import { describe, expect, it } from "vitest";
import { contextWithinBlob, NOT_LINKED } from "../../pipeline/link/context.js";

describe("context within a blob", () => {
  // Paragraph ordinals per line; per ordinal the first-pass episode position (or NOT_LINKED) and its probability.
  const sequence = (paragraphOrdinals: number[], firstPassPositions: number[]) => ({
    paragraphOrdinals: Int32Array.from(paragraphOrdinals),
    firstPassPositions: Int16Array.from(firstPassPositions),
    firstPassScores: Float64Array.from(firstPassPositions, () => 0.8),
  });

  it("lends an unlinked line of a guide running forward the episodes its linked neighbours predict for it", () => {
    // Episodes 10, 11, ?, 13, 14, one per line: the guide moves on one episode per line.
    const bonusAt = contextWithinBlob(sequence([0, 1, 2, 3, 4], [10, 11, NOT_LINKED, 13, 14]));
    const bonus = bonusAt(2);
    const best = [...bonus].sort((x, y) => y[1] - x[1])[0]!;
    expect(best[0]).toBe(12);
    expect(bonus.get(12)!).toBeGreaterThan(bonus.get(11) ?? 0);
    expect(bonus.get(12)!).toBeGreaterThan(bonus.get(13) ?? 0);
  });

  it("reads a guide running backwards", () => {
    const bonusAt = contextWithinBlob(sequence([0, 1, 2, 3, 4], [14, 13, NOT_LINKED, 11, 10]));
    expect([...bonusAt(2)].sort((x, y) => y[1] - x[1])[0]![0]).toBe(12);
  });

  it("lends nothing from a paragraph repeated next to itself, nor from unlinked neighbours", () => {
    const bonusAt = contextWithinBlob(sequence([0, 0, 1, 1], [20, NOT_LINKED]));
    expect(bonusAt(0).size).toBe(0);
    expect(bonusAt(1).size).toBe(0);
    // Its neighbours one and two lines back were linked to 20; with no direction known, either way.
    expect([...bonusAt(2).keys()].sort()).toEqual([18, 19, 20, 21, 22]);
  });
});
