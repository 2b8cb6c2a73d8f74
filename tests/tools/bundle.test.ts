import { spawnSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { PROGRAMS, WORKERS } from "../../tools/bundle.js";
import { runProgram } from "../programs.js";
import { builtProject, project } from "../safety/fixtures.js";

describe("the bundles that make runs", () => {
  // Made by tools/bundle.ts for this test run (tests/global-setup.ts), inside the project as dist/ is.
  const directory = inject("bundles");
  let raw: string;
  let fromBundle: string;

  beforeAll(async () => {
    const folder = await project();
    raw = folder.raw;
    fromBundle = path.join(folder.root, "from-bundle");
  });

  it("build what the sources build, byte for byte: the worker, the catalog and the language model are found", async () => {
    const run = runProgram("run.mjs", ["--raw", raw, "--out", fromBundle, "--threads", "1"]);
    expect(run.stderr).toMatch(/built .*: 2 blobs \(2 analysed, 0 from cache\)/);
    expect(run.status).toBe(0);
    const { out: fromSource } = await builtProject();
    const files = (await readdir(fromSource)).sort();
    expect(await readdir(fromBundle)).toEqual(expect.arrayContaining(files));
    for (const file of files) expect(await readFile(path.join(fromBundle, file)), file).toEqual(await readFile(path.join(fromSource, file)));
  });

  it("run only the program they were made from, not the programs it imports (evaluate imports the build's)", async () => {
    const gold = path.join(path.dirname(raw), "gold.csv");
    await writeFile(gold, "source_file,line,language,episode,alternatives,note\na.txt,1,de,none,,\n");
    const evaluate = runProgram("evaluate.mjs", ["--out", fromBundle, "--gold", gold]);
    expect(evaluate.stderr).toBe("");
    expect(evaluate.status).toBe(0);
    expect(evaluate.stdout).not.toBe("");
  });

  it("are one per program and worker, named after its source", async () => {
    expect((await readdir(directory)).sort()).toEqual(["meta.json", ...[...PROGRAMS, ...WORKERS].map((source) => `${path.basename(source, ".ts")}.mjs`)].sort());
  });
});

describe("the Makefile", () => {
  it("bundles again when any source of pipeline/, schemas/ or tools/ changed", () => {
    const database = spawnSync("make", ["--print-data-base", "--question", "-o", "node_modules/.package-lock.json", "dist/meta.json"], { encoding: "utf8" }).stdout;
    const prerequisites = /^dist\/meta\.json: (.*)$/m.exec(database)?.[1]?.split(" ") ?? [];
    expect(prerequisites).toEqual(expect.arrayContaining(["pipeline/ingest/split.ts", "pipeline/link/linker.ts", "schemas/records.ts", "tools/evaluate.ts", "tools/bundle.ts"]));
  });
});
