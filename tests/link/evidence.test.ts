import { describe, expect, it } from "vitest";
import { episodesNumbered, scoreParagraph, seasonsMentioned } from "../../pipeline/link/evidence.js";
import { foldForMatching } from "../../pipeline/text.js";
import { testLinker } from "./fixtures.js";

const { index } = testLinker;

describe("scoreParagraph", () => {
  it("counts each anchor, guest and title once as a fact, however many of its terms match", () => {
    const [best] = scoreParagraph("Lexi fällt aus dem Fenster, finestra, window; Vibratoren", index).candidates;
    expect(best).toMatchObject({ code: "S06E18", facts: 3, named: false });
    expect(best!.matched.some((label) => label.startsWith("character lexi"))).toBe(true);
  });

  it("does not count a character an arc puts in many episodes as a fact", () => {
    const [best] = scoreParagraph("Aidan und die Feuerwehr", index).candidates;
    expect(best).toMatchObject({ code: "S03E01", facts: 1 });
  });

  it("names the episode by a localised title or by its number", () => {
    expect(scoreParagraph('„Splat im Glas": Carrie', index).candidates[0]).toMatchObject({ code: "S06E18", named: true, facts: 1 });
    expect(scoreParagraph("Season 3, Episode 2: Carrie", index).candidates[0]).toMatchObject({ code: "S03E02", named: true, facts: 1 });
    expect(scoreParagraph("Carrie (S03E05)", index).candidates).toEqual([]);
  });

  it("reports framing that marks text about something other than one episode, as whole words only", () => {
    expect(scoreParagraph("Der Film zeigt die Feuerwehrmänner von Staten Island", index).framing).toEqual(["film"]);
    expect(scoreParagraph("Der Filmstar und die Feuerwehrmänner von Staten Island", index).framing).toEqual([]);
    expect(scoreParagraph("映画でキャリーは", index).framing).toEqual(["film"]);
    expect(scoreParagraph("ובהסרט קארי", index).framing).toEqual(["film"]);
  });

  it("lends a named season's episodes evidence but no fact", () => {
    const plain = scoreParagraph("Feuerwehr und Comptroller", index).candidates;
    const named = scoreParagraph("In der 3. Staffel: Feuerwehr und Comptroller", index).candidates;
    expect(named.map((c) => c.evidence)).toEqual(plain.map((c) => c.evidence + 1.5));
    expect(named.map((c) => c.facts)).toEqual(plain.map((c) => c.facts));
  });
});

describe("numbers in text", () => {
  const numbered = (text: string) => [...episodesNumbered(foldForMatching(text))];
  it("reads season and episode numbers in the usual forms and languages", () => {
    expect(numbered("S03E05")).toEqual(["S03E05"]);
    expect(numbered("Folge 3x05:")).toEqual(["S03E05"]);
    expect(numbered("Staffel 3, Folge 5")).toEqual(["S03E05"]);
    expect(numbered("temporada 3, episodio 12")).toEqual(["S03E12"]);
    expect(numbered("第3季第5集")).toEqual(["S03E05"]);
    expect(numbered("シーズン3 第5話")).toEqual(["S03E05"]);
    expect(numbered("Episode 14 of our rewatch")).toEqual([]);
  });
  it("reads a season mentioned on its own", () => {
    expect([...seasonsMentioned(foldForMatching("In der 2. Staffel"))]).toEqual([2]);
    expect([...seasonsMentioned(foldForMatching("season 4 at a glance"))]).toEqual([4]);
  });
});
