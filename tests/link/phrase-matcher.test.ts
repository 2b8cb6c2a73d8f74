import { describe, expect, it } from "vitest";
import { PhraseMatcher } from "../../pipeline/link/phrase-matcher.js";
import { foldForMatching } from "../../pipeline/text.js";

describe("PhraseMatcher", () => {
  const found = (phrases: string[], text: string) => {
    const matcher = new PhraseMatcher(phrases.map((phrase) => foldForMatching(phrase).trim()));
    return matcher.find(foldForMatching(text)).map((index) => matcher.phrases[index]);
  };

  it("finds a phrase whose words are inflected and reordered, near each other", () => {
    expect(found(["big flyttar till paris"], "Big berättar att han ska flytta till Paris i sex månader")).toEqual(["big flyttar till paris"]);
    expect(found(["foot fetish"], "a fetish for her foot")).toEqual(["foot fetish"]);
    // A longer stem of another phrase starting at the same place does not hide this one's.
    expect(found(["meets the russian artist", "artists loft"], "she meets the Russian artist")).toEqual(["meets the russian artist"]);
  });

  it("does not find a phrase whose words are far apart or missing", () => {
    expect(found(["foot fetish"], "her foot " + "and more words ".repeat(4) + "a fetish")).toEqual([]);
    expect(found(["foot fetish"], "a fetish")).toEqual([]);
    // Short words must be whole words: "in" is not inside "inside".
    expect(found(["sex in public"], "sex inside public toilets")).toEqual([]);
  });
});
