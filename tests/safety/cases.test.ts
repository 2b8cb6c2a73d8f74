import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** The case ids in the first column of docs/safety.md's table (in backticks), and those that start the names of the tests in tests/safety/ (in brackets), `it(…)`, `it.each(…)(…)` and `it.skipIf(…)(…)` alike. */
const documented = [...readFileSync("docs/safety.md", "utf8").matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
const tested = readdirSync("tests/safety")
  .filter((name) => name.endsWith(".test.ts"))
  .flatMap((name) => [...readFileSync(path.join("tests/safety", name), "utf8").matchAll(/(?:\b(?:it|test)(?:\.\w+\([^()]*\))?|\]\))\("\[([^\]]+)\]/g)])
  .map((match) => match[1]!);

describe("docs/safety.md and tests/safety/", () => {
  it("list the same case ids, each once", () => {
    expect(documented.length).toBeGreaterThan(0);
    expect(new Set(documented).size).toBe(documented.length);
    expect(new Set(tested).size).toBe(tested.length);
    expect([...tested].sort()).toEqual([...documented].sort());
  });
});
