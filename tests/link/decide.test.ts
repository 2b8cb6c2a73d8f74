import { describe, expect, it } from "vitest";
import { assess, decideEpisode, NO_EPISODE } from "../../pipeline/link/decide.js";
import { scoreParagraph } from "../../pipeline/link/evidence.js";
import { testLinker } from "./fixtures.js";

const decide = (text: string, bonus?: Map<number, number>) => decideEpisode(scoreParagraph(text, testLinker.index), testLinker, bonus);

describe("decideEpisode", () => {
  it("links a paragraph that names two independent facts of one episode, in any language", () => {
    const fields = decide("Miranda myöntää arvelunsa Aleksandrista, ja Samantha sekoittaneen hieromasauvat ikkunasta.");
    expect(fields).toMatchObject({ season: 6, episode: 18, episodeCode: "S06E18", episodeTitle: "Title S06E18" });
    expect(fields.episodeScore).toBeGreaterThan(0.5);
    expect(fields.episodeRunnerUp).toBe("S06E17");
    expect(fields.episodeRunnerUpScore!).toBeLessThan(fields.episodeScore!);
    expect(fields.episodeEvidence).toContain("anchor 2 of S06E18");
  });

  it("does not link on one fact alone, however rare, but shows it as the best guess", () => {
    const fields = decide("Carrie entdeckt die Vibratoren.");
    expect(fields.episodeCode).toBeNull();
    expect(fields.episodeRunnerUp).toBe("S06E18");
    expect(fields.episodeEvidence).toContain("anchor 2 of S06E18");
  });

  it("links one fact when a confidently linked neighbour points to the same episode", () => {
    const position = testLinker.index.positionOf.get("S06E18")!;
    expect(decide("Carrie entdeckt die Vibratoren.", new Map([[position, 2]])).episodeCode).toBe("S06E18");
  });

  it("abstains with every column null when nothing points to any episode", () => {
    expect(decide("Η Κάρι και οι φίλες της.")).toEqual(NO_EPISODE);
  });

  it("abstains on an exact tie", () => {
    const assessment = assess(scoreParagraph("Feuerwehr, Staten Island, Comptroller, golden shower", testLinker.index), testLinker.index)!;
    expect(assessment.tied).toBe(true);
    expect(decide("Feuerwehr, Staten Island, Comptroller, golden shower").episodeCode).toBeNull();
  });

  it("gives less confidence to framed text and to text naming facts of several episodes", () => {
    const bestScore = (text: string) => {
      const fields = decide(text);
      return fields.episodeScore ?? fields.episodeRunnerUpScore!;
    };
    const plain = bestScore("Die Feuerwehr von Staten Island");
    expect(bestScore("Der Film zeigt die Feuerwehr von Staten Island")).toBeLessThan(plain);
    expect(bestScore("Die Feuerwehr von Staten Island, der Comptroller, die Vogue")).toBeLessThan(plain);
  });

  it("keeps scores in [0, 1] for extreme evidence", () => {
    const fields = decide("Feuerwehr ".repeat(50) + "Staten Island Kalender Season 3, Episode 1");
    expect(fields.episodeScore).toBeGreaterThan(0.9);
    expect(fields.episodeScore).toBeLessThanOrEqual(1);
  });
});
