import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG_DIRECTORY, readCatalog } from "../../pipeline/link/catalog.js";
import { coverageOf } from "../../tools/catalog-coverage.js";
import { tempTree } from "../helpers.js";

describe("the catalog in catalog/", () => {
  it("holds all 94 episodes, consistent and complete", async () => {
    const { catalog, version } = await readCatalog();
    expect(catalog.episodes).toHaveLength(94);
    expect(version).toMatch(/ sha256:[0-9a-f]{16}$/);
    expect(coverageOf(catalog)).toHaveLength(94);
  });

  it("names the file and the field, in one line, when a catalog file is broken", async () => {
    const directory = await tempTree({});
    await cp(CATALOG_DIRECTORY, directory, { recursive: true });
    await writeFile(path.join(directory, "season-2.json"), "{ not json");
    await expect(readCatalog(directory)).rejects.toThrow(/season-2\.json line 1, column 3: not valid JSON .*; fix the syntax there\.$/);

    await cp(path.join(CATALOG_DIRECTORY, "season-2.json"), path.join(directory, "season-2.json"));
    const season = JSON.parse(await readFile(path.join(directory, "season-3.json"), "utf8"));
    season.episodes[4].airDate = "May 2000";
    await writeFile(path.join(directory, "season-3.json"), JSON.stringify(season));
    await expect(readCatalog(directory)).rejects.toThrow(/season-3\.json, field episodes\.4\.airDate: air dates are ISO dates; fix that field\./);
  });

  it("finds a missing episode", async () => {
    const directory = await tempTree({});
    await cp(CATALOG_DIRECTORY, directory, { recursive: true });
    const season = JSON.parse(await readFile(path.join(directory, "season-5.json"), "utf8"));
    season.episodes.pop();
    await writeFile(path.join(directory, "season-5.json"), JSON.stringify(season));
    await expect(readCatalog(directory)).rejects.toThrow(/S05E08: missing/);
  });
});
