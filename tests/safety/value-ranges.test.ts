import { describe, expect, it } from "vitest";
import { decideEpisode, decideInContext, loadCatalog, scoreEpisodes } from "../../pipeline/episode.js";
import { roundedProbability } from "../../pipeline/probability.js";
import { episodeFields } from "../../schemas/records.js";

/**
 * Issue 11.4, beyond language: no legitimate value may drift out of its column's range and
 * stop the build. Episode probabilities come from a softmax over evidence that grows with
 * every catalog term a paragraph names; they must stay in [0, 1] for any finite evidence.
 */

const { catalog, index } = await loadCatalog();
const [first, second, third] = index.episodes.map((episode) => episode.code) as [string, string, string];
const valid = (fields: unknown) => {
  const parsed = episodeFields.safeParse(fields);
  expect(parsed.success, JSON.stringify(fields)).toBe(true);
};

describe("episode probabilities", () => {
  it.each([
    ["evidence far above what exp() can hold", [{ code: first, evidence: 1e6 }, { code: second, evidence: 1e6 - 1 }]],
    ["evidence just past exp()'s overflow at the temperature", [{ code: first, evidence: 400 }]],
    ["evidence far below the none candidate", [{ code: first, evidence: -1e6 }]],
    ["every episode with the same large evidence", index.episodes.map(({ code }) => ({ code, evidence: 500 }))],
    ["tiny differences at huge evidence", [{ code: first, evidence: 1e300 }, { code: second, evidence: 1e300 }, { code: third, evidence: -1e300 }]],
  ])("[11.4d] stay in [0, 1] with %s", (_name, scored) => {
    const fields = decideEpisode(scored, index);
    valid(fields);
    for (const score of [fields.episodeScore, fields.episodeRunnerUpScore]) if (score !== null) expect(Number.isNaN(score)).toBe(false);
  });

  it("[11.4i] link the clear winner at huge evidence instead of producing NaN", () => {
    expect(decideEpisode([{ code: first, evidence: 1e6 }, { code: second, evidence: 10 }], index)).toMatchObject({ episodeCode: first, episodeScore: 1, episodeRunnerUpScore: 0 });
  });

  it("[11.4e] a paragraph naming every anchor of every episode scores within range", () => {
    const everyTerm = catalog.episodes.flatMap((episode) => [episode.title, ...episode.anchors.flatMap((anchor) => anchor.terms)]).join(" ");
    const scored = scoreEpisodes(everyTerm, index);
    expect(scored.length).toBe(index.episodes.length);
    valid(decideEpisode(scored, index));
  });

  it("[11.4f] context bonuses of any size keep the decision within range", () => {
    const own = [{ code: first, evidence: 4 }, { code: second, evidence: 3.9 }];
    for (const bonus of [1e3, 1e9, 1e308]) valid(decideInContext(own, new Map([[index.positionOf.get(second)!, bonus]]), index));
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
