import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BuildInterrupted } from "../../pipeline/errors.js";
import { tempTree } from "../helpers.js";
import { build } from "../safety/fixtures.js";
import { findCluster } from "./cluster.js";

/**
 * Whole builds with LAUNCHER=slurm on a real cluster, each task a Slurm job running the bundled
 * task entry (dist/task.mjs, which make test-cluster bundles first): the outputs must be the bytes
 * a local build writes, and an interrupted build must resume.
 */
const cluster = findCluster();

const RAW = "tests/fixtures/dev/raw";
const SLURM = { mem: "1G", pollMs: 300 };

/** The bytes of every output file in OUT, by name. */
async function outputs(out: string): Promise<Record<string, Buffer>> {
  const names = (await readdir(out)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(path.join(out, name))] as const)));
}

describe.skipIf(!cluster.up)("a build on the Slurm cluster", () => {
  it("writes the bytes a local build writes, with three partitions and three blob tasks", { timeout: 300_000 }, async () => {
    const root = await tempTree({});
    await build({ rawDir: RAW, outDir: path.join(root, "local") });
    const lines: string[] = [];
    await build({ rawDir: RAW, outDir: path.join(root, "slurm"), launcher: "slurm", workDir: path.join(root, "work"), partitions: 3, slurm: SLURM, log: (line) => lines.push(line) });
    expect(lines.filter((line) => /^stage 1\/\d+ blobs: 3 of 3 tasks done/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /^stage \d+\/\d+ candidates: 3 of 3 tasks done/.test(line))).toHaveLength(1);
    expect(await outputs(path.join(root, "slurm"))).toEqual(await outputs(path.join(root, "local")));
  });

  it("interrupted once the blob tasks are done, its jobs are cancelled; the rerun skips the completed tasks and writes the same bytes", { timeout: 300_000 }, async () => {
    const root = await tempTree({});
    const options = { rawDir: RAW, outDir: path.join(root, "out"), launcher: "slurm", workDir: path.join(root, "work"), partitions: 2, slurm: SLURM } as const;
    const interruption = new AbortController();
    const first: string[] = [];
    const log = (line: string) => {
      first.push(line);
      if (/^stage 1\/\d+ blobs: (\d+) of \1 tasks done/.test(line)) interruption.abort(new BuildInterrupted("SIGINT"));
    };
    await expect(build({ ...options, log, signal: interruption.signal })).rejects.toThrow(/cancelled the launch's Slurm jobs/);
    expect(await readdir(root)).not.toContain("out");

    const second: string[] = [];
    await build({ ...options, log: (line) => second.push(line) });
    expect(second).toContain(`WORK ${options.workDir} holds this build, prepared before: resuming, completed tasks are skipped`);
    expect(second.some((line) => /^stage blobs: submitted/.test(line))).toBe(false);
    await build({ rawDir: RAW, outDir: path.join(root, "local") });
    expect(await outputs(options.outDir)).toEqual(await outputs(path.join(root, "local")));
  });
});
