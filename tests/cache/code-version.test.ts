import { appendFile, cp, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codeVersionOf } from "../../pipeline/cache/code-version.js";

describe("the code versions of the per-blob worker (part of every cache key) and of the build (part of the build key)", () => {
  it("changes with the files the worker imports, and only with them", async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), "satc-code-"));
    for (const folder of ["pipeline", "schemas"]) await cp(new URL(`../../${folder}`, import.meta.url), path.join(copy, folder), { recursive: true });
    const version = () => codeVersionOf(copy, "pipeline/analyze/blob-worker.ts");
    // The build's own version (part of the build key): every stage, publish and report included.
    const buildVersion = () => codeVersionOf(copy, "pipeline/tasks/task.ts");
    const original = await version();
    const originalBuild = await buildVersion();
    expect(original).toMatch(/^[0-9a-f]{64}$/);

    await appendFile(path.join(copy, "pipeline/output/report.ts"), "\n// the report's styles changed\n");
    await appendFile(path.join(copy, "pipeline/run.ts"), "\n// the command line changed\n");
    expect(await version()).toBe(original);
    expect(await buildVersion()).not.toBe(originalBuild);

    await appendFile(path.join(copy, "pipeline/ingest/split.ts"), "\n// the layout rule changed\n");
    const afterSplit = await version();
    expect(afterSplit).not.toBe(original);

    await appendFile(path.join(copy, "schemas/records.ts"), "\n// a record changed\n");
    expect(await version()).not.toBe(afterSplit);
  });
});
