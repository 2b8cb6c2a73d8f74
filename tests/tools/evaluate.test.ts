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

describe("evaluation against tests/fixtures/gold.csv", () => {
  it("keeps episode accuracy, abstention and language accuracy at or above what was reached", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "satc-evaluate-test-"));
    await buildDataset({ rawDir: "raw", outDir: out, log: () => {} });
    const { overall, misses } = await evaluateBuild(out, "tests/fixtures/gold.csv");
    const report = formatEvaluation({ overall, perBlob: new Map(), perLanguage: new Map(), misses });
    expect(overall.episodeBearing, report).toBe(FLOORS.episodeBearing);
    expect(overall.none, report).toBe(FLOORS.none);
    expect(overall.correct, report).toBeGreaterThanOrEqual(FLOORS.correctEpisodes);
    expect(overall.abstained, report).toBeGreaterThanOrEqual(FLOORS.abstained);
    expect(overall.languageCorrect, report).toBeGreaterThanOrEqual(FLOORS.languagesCorrect);
  });
});
