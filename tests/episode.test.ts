import { describe, expect, it } from "vitest";
import { contextWithinBlob, decideEpisode, indexCatalog, NOT_LINKED, scoreEpisodes, TermMatcher } from "../pipeline/episode.js";
import { foldForMatching } from "../pipeline/text.js";
import type { Catalog, Episode } from "../schemas/catalog.js";

describe("TermMatcher", () => {
  const find = (terms: string[], text: string) => [...new TermMatcher(terms).find(foldForMatching(text))].sort();

  it("matches short terms as whole words only", () => {
    expect(find(["big", "sam"], "Mr. Big trifft Sam")).toEqual(["big", "sam"]);
    expect(find(["big", "sam"], "bigger samples")).toEqual([]);
  });

  it("matches longer terms as word-start stems, and long ones inside compounds too", () => {
    expect(find(["vibrat"], "hieromasauvat und Vibratoren")).toEqual(["vibrat"]);
    expect(find(["feuerwehr", "kalender"], "der Feuerwehrkalender")).toEqual(["feuerwehr", "kalender"]);
    expect(find(["wehr"], "der Feuerwehrkalender")).toEqual([]);
  });

  it("counts only the longest term where several match at one place", () => {
    expect(find(["alexa", "alexandr"], "Alexandra")).toEqual(["alexandr"]);
    expect(find(["sam", "samantha"], "Samantha und Sam")).toEqual(["sam", "samantha"]);
    expect(find(["staten", "staten island"], "Staten Island")).toEqual(["staten island"]);
  });

  it("matches terms across scripts after folding, and CJK terms anywhere", () => {
    expect(find([foldForMatching("Aleksandr").trim()], "Александр")).toEqual(["aleksandr"]);
    expect(find(["ビッグ"], "キャリーとビッグが")).toEqual(["ビッグ"]);
  });
});

function episode(season: number, number: number, anchors: string[][], characters: string[] = []): Episode {
  const code = `S${String(season).padStart(2, "0")}E${String(number).padStart(2, "0")}`;
  return {
    season,
    episode: number,
    code,
    title: `Title ${code}`,
    airDate: "2000-01-01",
    synopsis: "A synopsis long enough for the schema.",
    characters,
    anchors: anchors.map((terms, index) => ({ label: `anchor ${index}`, terms })),
  };
}

const catalog: Catalog = {
  version: "test",
  series: "test",
  characters: [
    { id: "carrie", name: "Carrie", variants: ["Carrie", "Κάρι"], lead: true },
    { id: "aleksandr", name: "Aleksandr Petrovsky", variants: ["Aleksandr", "Alexandr", "Αλεξάντερ", "Petrovsky"], lead: false },
    { id: "aidan", name: "Aidan", variants: ["Aidan", "Aiden"], lead: false },
  ],
  arcs: [{ characterId: "aidan", description: "Carrie dates Aidan", from: "S03E01", to: "S03E02" }],
  nonEpisodeCues: [{ label: "the films", terms: ["der Film", "the movie"] }],
  episodes: [
    episode(3, 1, [["feuerwehr", "firem", "pompier"], ["staten island"], ["calendar", "kalender"]]),
    episode(3, 2, [["comptroller", "rechnungspr"], ["golden shower"], ["wahlkampf", "campaign"]]),
    episode(6, 17, [["exhibit", "ausstellung", "esposizion"], ["brooklyn"], ["tabloid", "klatschblatt"]], ["aleksandr"]),
    episode(6, 18, [["vogue"], ["window", "fenster", "ikkun", "finestra"], ["vibrat", "hieromasau"]], ["aleksandr"]),
  ],
};
const index = indexCatalog(catalog);

describe("linking", () => {
  it("links a paragraph to the episode whose distinctive anchors it names, in any language", () => {
    const fields = decideEpisode(scoreEpisodes("Miranda myöntää arvelunsa Aleksandrista, ja Samantha sekoittaneen hieromasauvat ikkunasta.", index), index);
    expect(fields).toMatchObject({ season: 6, episode: 18, episodeCode: "S06E18", episodeTitle: "Title S06E18" });
    expect(fields.episodeScore).toBeGreaterThan(0.5);
    expect(fields.episodeRunnerUp).toBe("S06E17");
    expect(fields.episodeRunnerUpScore!).toBeLessThan(fields.episodeScore!);
  });

  it("abstains when only lead characters are named, with every episode column null", () => {
    const fields = decideEpisode(scoreEpisodes("Η Κάρι και οι φίλες της.", index), index);
    expect(fields).toEqual({
      season: null,
      episode: null,
      episodeCode: null,
      episodeTitle: null,
      episodeScore: null,
      episodeRunnerUp: null,
      episodeRunnerUpScore: null,
    });
  });

  it("abstains on weak evidence but still shows the best guess as runner-up for review", () => {
    const fields = decideEpisode(scoreEpisodes("Aiden kommt vorbei.", index), index);
    expect(fields.episodeCode).toBeNull();
    expect(fields.episodeRunnerUp).toMatch(/^S03E0[12]$/);
  });

  it("makes texts framed as about something else (here: the films) need more evidence, matching cues as whole words", () => {
    const plain = scoreEpisodes("Die Feuerwehrmänner von Staten Island", index)[0]!;
    const framed = scoreEpisodes("Der Film zeigt die Feuerwehrmänner von Staten Island", index)[0]!;
    expect(framed.code).toBe(plain.code);
    expect(framed.evidence).toBeLessThan(plain.evidence);
    expect(framed.matched).toContain("framing: the films");
    expect(scoreEpisodes("Der Filmstar und die Feuerwehrmänner von Staten Island", index)[0]!.evidence).toBe(plain.evidence);
  });

  it("weighs a name shared by several episodes less than a distinctive anchor", () => {
    const scored = scoreEpisodes("Aleksandr und die Feuerwehrmänner von Staten Island", index);
    expect(scored[0]!.code).toBe("S03E01");
  });
});

describe("episode titles as evidence", () => {
  const titled: Catalog = {
    ...catalog,
    series: "Sex and the City",
    episodes: [
      { ...episode(1, 1, [["kurt"], ["skipper"], ["modelizer"]]), title: "Sex and the City" },
      { ...episode(2, 18, [["natasha"], ["verlobungsbrunch"], ["pferd"]]), title: "Ex and the City" },
      { ...episode(2, 11, [["dominic"], ["slip"], ["zahnbuerste"]]), title: "Evolution" },
      { ...episode(6, 19, [["paris"], ["plaza athenee"], ["boutique"]]), title: "An American Girl in Paris (Part Une)" },
    ],
  };
  const titledIndex = indexCatalog(titled);
  const best = (text: string) => scoreEpisodes(text, titledIndex)[0]?.code ?? "none";

  it("counts a multi-word title, but not the series' name, a title inside another, or a one-word title", () => {
    expect(best('In "Ex and the City" trifft Carrie Big wieder.')).toBe("S02E18");
    expect(best("Chris und Nils sprechen über Sex and the City.")).toBe("none");
    expect(best("Eine Revolution im Fernsehen.")).toBe("none");
  });
});

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

  it("lends nothing from a paragraph repeated next to itself, nor from unlinked neighbours", () => {
    const bonusAt = contextWithinBlob(sequence([0, 0, 1, 1], [20, NOT_LINKED]));
    expect(bonusAt(0).size).toBe(0);
    expect(bonusAt(1).size).toBe(0);
    // Its neighbours one and two lines back were linked to 20; with no direction known, either way.
    expect([...bonusAt(2).keys()].sort()).toEqual([18, 19, 20, 21, 22]);
  });
});
