import { describe, expect, it } from "vitest";
import { TermMatcher } from "../../pipeline/link/term-matcher.js";
import { foldForMatching } from "../../pipeline/text.js";

describe("TermMatcher", () => {
  const find = (terms: string[], text: string) => [...new TermMatcher(terms.map((term) => foldForMatching(term).trim())).find(foldForMatching(text))].sort();

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
    expect(find(["Aleksandr"], "Александр")).toEqual(["aleksandr"]);
    expect(find(["ビッグ"], "キャリーとビッグが")).toEqual(["ビッグ"]);
  });

  it("matches Hebrew and Arabic terms after the letters those languages join to a word, and nowhere else inside it", () => {
    expect(find(["ביג"], "וביג הגיע")).toEqual(["ביג"]);
    expect(find(["ביג"], "ולהביג")).toEqual(["ביג"]);
    expect(find(["حفلة"], "ذهبت بالحفلة")).toEqual(["حفلة"]);
    expect(find(["ביג"], "סביגה")).toEqual([]);
    expect(find(["vibrat"], "bvibrator")).toEqual([]);
  });
});
