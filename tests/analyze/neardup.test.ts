import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { compareNearDup, featuresOf, isNearDuplicate, jaccard, JACCARD_THRESHOLD, nearDupKey } from "../../pipeline/analyze/neardup.js";
import { normalizeText } from "../../pipeline/text.js";

interface LabelledPair {
  kind: string;
  expected: "true" | "false";
  note: string;
  text_a: string;
  text_b: string;
}

const pairs = parse(readFileSync(new URL("../fixtures/near-dup-pairs.csv", import.meta.url), "utf8"), { columns: true }) as LabelledPair[];
const keyOf = (text: string) => nearDupKey(normalizeText(text));

describe("near-duplicate verification on the labelled pairs", () => {
  it("reaches precision 1 and recall 1 on tests/fixtures/near-dup-pairs.csv", () => {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    const wrong: string[] = [];
    for (const pair of pairs) {
      const predicted = compareNearDup(keyOf(pair.text_a), keyOf(pair.text_b)).nearDuplicate;
      const expected = pair.expected === "true";
      if (predicted && expected) truePositives++;
      if (predicted && !expected) falsePositives++;
      if (!predicted && expected) falseNegatives++;
      if (predicted !== expected) wrong.push(`${pair.kind}: ${pair.note}`);
    }
    expect(wrong).toEqual([]);
    expect(truePositives / (truePositives + falsePositives)).toBe(1);
    expect(truePositives / (truePositives + falseNegatives)).toBe(1);
    expect(pairs.filter((pair) => pair.expected === "true").length).toBeGreaterThanOrEqual(15);
    expect(new Set(pairs.map((pair) => pair.kind))).toEqual(new Set(["near-twin", "same-episode", "translation", "short-different"]));
  });
});

describe("isNearDuplicate", () => {
  it("stops early yet decides like the full Jaccard similarity, across the whole range of similarities", () => {
    const base = keyOf(pairs[0]!.text_a).split(" ");
    let checked = 0;
    for (let cut = 0; cut < base.length; cut++) {
      // Ever more words of the paragraph replaced: similarities from 1 down to 0.
      const variant = base.map((word, i) => (i < cut ? `${word}x${i}` : word)).join(" ");
      const [a, b] = [featuresOf(base.join(" ")), featuresOf(variant)];
      const byFullMerge = jaccard(a.shingles, b.shingles) >= JACCARD_THRESHOLD || compareNearDup(base.join(" "), variant).wordEditWithinLimit;
      expect(isNearDuplicate(a, b), `${cut} words changed`).toBe(byFullMerge);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
