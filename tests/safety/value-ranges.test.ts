import { describe, expect, it } from "vitest";
import { allTerms } from "../../schemas/catalog.js";
import { decideEpisode } from "../../pipeline/link/decide.js";
import { scoreParagraph, type Candidate } from "../../pipeline/link/evidence.js";
import { loadLinker } from "../../pipeline/link/linker.js";
import { roundedProbability } from "../../pipeline/probability.js";
import { episodeFields } from "../../schemas/records.js";

/**
 * Issue 11.4, beyond language: no legitimate value may drift out of its column's range and
 * stop the build. Episode probabilities come from a logistic calibration over evidence that
 * grows with every catalog term a paragraph names; they must stay in [0, 1] for any finite evidence.
 */

const linker = await loadLinker();
const { catalog, index } = linker;
const [first, second, third] = index.episodes.map((episode) => episode.code) as [string, string, string];
const candidate = (code: string, evidence: number, facts = 2): Candidate => ({ code, evidence, facts, named: false, matched: [] });
const own = (candidates: Candidate[]) => ({ candidates, framing: [] });
const valid = (fields: unknown) => {
  const parsed = episodeFields.safeParse(fields);
  expect(parsed.success, JSON.stringify(fields)).toBe(true);
};

describe("episode probabilities", () => {
  it.each([
    ["evidence far above what exp() can hold", [candidate(first, 1e6), candidate(second, 1e6 - 1)]],
    ["evidence just past exp()'s overflow", [candidate(first, 800)]],
    ["evidence far below nothing", [candidate(first, -1e6)]],
    ["every episode with the same large evidence", index.episodes.map(({ code }) => candidate(code, 500))],
    ["tiny differences at huge evidence", [candidate(first, 1e300), candidate(second, 1e300), candidate(third, -1e300)]],
  ])("[11.4d] stay in [0, 1] with %s", (_name, candidates) => {
    const fields = decideEpisode(own(candidates), linker);
    valid(fields);
    for (const score of [fields.episodeScore, fields.episodeRunnerUpScore]) if (score !== null) expect(Number.isNaN(score)).toBe(false);
  });

  it("[11.4i] link the clear winner at huge evidence instead of producing NaN", () => {
    const fields = decideEpisode(own([candidate(first, 1e6, 4), candidate(second, 10, 0)]), linker);
    expect(fields.episodeCode).toBe(first);
    expect(fields.episodeScore).toBeGreaterThan(0.99);
  });

  it("[11.4e] a paragraph naming every anchor of every episode scores within range", () => {
    const everyTerm = catalog.episodes.flatMap((episode) => [episode.title, ...episode.anchors.flatMap((anchor) => allTerms(anchor.terms))]).join(" ");
    const scored = scoreParagraph(everyTerm, index);
    expect(scored.candidates.length).toBe(index.episodes.length);
    valid(decideEpisode(scored, linker));
  });

  it("[11.4f] context bonuses of any size keep the decision within range", () => {
    const candidates = own([candidate(first, 4), candidate(second, 3.9)]);
    for (const bonus of [1e3, 1e9, 1e308]) valid(decideEpisode(candidates, linker, new Map([[index.positionOf.get(second)!, bonus]])));
  });
});

describe("roundedProbability", () => {
  it.each([
    [1.0000697, 1],
    [1 + Number.EPSILON, 1],
    [0.99995, 1],
    [0.99994, 0.9999],
    [-0, 0],
    [-1e-12, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 1],
    [0.12345, 0.1235],
  ])("[11.4g] %s → %s", (value, expected) => {
    expect(roundedProbability(value)).toBe(expected);
  });
});
