import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DATA_DICTIONARY_PATH, renderDataDictionary } from "../../tools/data-dictionary.js";

describe("docs/DATA.md", () => {
  it("is what the schemas generate (run `make docs` after changing a schema)", () => {
    expect(readFileSync(DATA_DICTIONARY_PATH, "utf8")).toBe(renderDataDictionary());
  });

  it("documents every output column with its stage, a meaning and an example", () => {
    const rows = renderDataDictionary()
      .split("\n")
      .filter((line) => line.startsWith("| `"));
    expect(rows.length).toBeGreaterThan(25);
    for (const row of rows) expect(row.split("|").map((cell) => cell.trim()).filter(Boolean), row).toHaveLength(6);
  });
});
