import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDataset } from "../../pipeline/run.js";
import { evaluateBuild, formatEvaluation } from "../../tools/evaluate.js";

/**
 * The linker's measured quality on the seeds (`make evaluate`), as floors: a change that
 * links fewer paragraphs correctly, links a none-paragraph it used to abstain on, or names
 * a language wrong fails here. Raise the floors when the linker improves.
 */
const FLOORS = { correctEpisodes: 98, episodeBearing: 98, abstained: 3, none: 3, languagesCorrect: 101 };

/**
 * The same on the development set (tests/fixtures/dev: teasers over all seasons in twelve
 * languages and meta lines). It was written before the catalog was read, but its misses then
 * drove catalog and method changes, so reaching it is no longer a held-out estimate.
 */
const DEV_FLOORS = { correctEpisodes: 47, episodeBearing: 47, abstained: 12, none: 12, languagesCorrect: 59 };

async function expectFloors(rawDir: string, goldFile: string, floors: typeof FLOORS): Promise<void> {
  const out = await mkdtemp(path.join(os.tmpdir(), "satc-evaluate-test-"));
  await buildDataset({ rawDir, outDir: out, log: () => {} });
  const { overall, misses } = await evaluateBuild(out, goldFile);
  const report = formatEvaluation({ overall, perBlob: new Map(), perLanguage: new Map(), misses });
  expect(overall.episodeBearing, report).toBe(floors.episodeBearing);
  expect(overall.none, report).toBe(floors.none);
  expect(overall.correct, report).toBeGreaterThanOrEqual(floors.correctEpisodes);
  expect(overall.abstained, report).toBeGreaterThanOrEqual(floors.abstained);
  expect(overall.languageCorrect, report).toBeGreaterThanOrEqual(floors.languagesCorrect);
}

describe("evaluation against tests/fixtures/gold.csv", () => {
  it("keeps episode accuracy, abstention and language accuracy at or above what was reached", async () => {
    await expectFloors("raw", "tests/fixtures/gold.csv", FLOORS);
  });
});

describe("evaluation against the development set, tests/fixtures/dev/gold.csv", () => {
  it("keeps episode accuracy, abstention and language accuracy at or above what was reached", async () => {
    await expectFloors("tests/fixtures/dev/raw", "tests/fixtures/dev/gold.csv", DEV_FLOORS);
  });
});
