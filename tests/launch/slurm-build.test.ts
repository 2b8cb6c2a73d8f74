import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { BuildInterrupted } from "../../pipeline/errors.js";
import { BUILD_STAGES } from "../../pipeline/tasks/stages.js";
import { generateCorpus } from "../../tools/corpus.js";
import { tempTree } from "../helpers.js";
import { build } from "../safety/fixtures.js";
import { findCluster } from "./cluster.js";

/**
 * Whole builds with LAUNCHER=slurm on a real cluster, each task a Slurm job running the bundled
 * task entry (dist/task.mjs, which make test-cluster bundles first): the outputs must be the bytes
 * a local build writes, a failed task must stop the stages after it and be resumed, and an
 * interrupted build must resume.
 */
const cluster = findCluster();

const PROJECT = fileURLToPath(new URL("../../", import.meta.url));
const FAULTY_TASK = [process.execPath, fileURLToPath(new URL("./faulty-task.mjs", import.meta.url)), PROJECT];
const SLURM = { mem: "1G", pollMs: 300 };

/** The SHA-256 of every output file in OUT, by name: equal bytes, and a failure that names the file. */
async function outputs(out: string): Promise<Record<string, string>> {
  const names = (await readdir(out)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, createHash("sha256").update(await readFile(path.join(out, name))).digest("hex")] as const)));
}

describe.skipIf(!cluster.up)("a build on the Slurm cluster", () => {
  let root: string;
  let corpus: string;
  let localOutputs: Record<string, string>;
  beforeAll(async () => {
    root = await tempTree({});
    corpus = path.join(root, "corpus");
    await generateCorpus("raw", corpus, 10 * 1024 ** 2);
    await build({ rawDir: corpus, outDir: path.join(root, "local") });
    localOutputs = await outputs(path.join(root, "local"));
  }, 600_000);

  it("on the 10 MB corpus with four partitions: a failing task stops the stages after it and is named with its log; the rerun runs only what is missing and writes the local build's bytes", { timeout: 900_000 }, async () => {
    const work = path.join(root, "work");
    const options = { rawDir: corpus, outDir: path.join(root, "slurm"), launcher: "slurm", workDir: work, partitions: 4, slurm: { ...SLURM, command: FAULTY_TASK } } as const;
    const first: string[] = [];
    // The fault is planted once WORK is prepared (preparing clears what an earlier build left there).
    const plant = (line: string) => {
      first.push(line);
      if (line.startsWith("stage blobs: submitted")) void writeFile(path.join(work, "FAIL_verify_1"), "");
    };
    await expect(build({ ...options, log: plant })).rejects.toThrow(
      `task 1 of stage verify failed (FAILED, NonZeroExitCode): "faulty task: failing on purpose because ${work}/FAIL_verify_1 exists"; its log: ${work}/logs/verify-1.log; ` +
        "the later stages (clusters, context, publish) were cancelled; run again to resume: completed tasks are skipped",
    );
    // The stage after the failed one never started; nothing was published.
    expect(existsSync(path.join(work, "completions", "clusters"))).toBe(false);
    expect(existsSync(options.outDir)).toBe(false);
    expect((await readdir(path.join(work, "completions", "verify"))).sort()).toEqual(["00000", "00002", "00003"]);

    await rm(path.join(work, "FAIL_verify_1"));
    const second: string[] = [];
    await build({ ...options, log: (line) => second.push(line) });
    expect(second).toContain(`WORK ${work} holds this build, prepared before: resuming, completed tasks are skipped`);
    expect(second.filter((line) => line.includes(": submitted")).map((line) => line.replace(/ as Slurm job .*/, ""))).toEqual([
      "stage verify: submitted 1 of 4 tasks",
      "stage clusters: submitted 1 of 1 tasks",
      "stage context: submitted 4 of 4 tasks",
      "stage publish: submitted 1 of 1 tasks",
    ]);
    expect(await outputs(options.outDir)).toEqual(localOutputs);
  });

  it("interrupted once the blob tasks are done, its jobs are cancelled; the rerun skips the completed tasks and writes the same bytes", { timeout: 900_000 }, async () => {
    const options = { rawDir: corpus, outDir: path.join(root, "interrupted"), launcher: "slurm", workDir: path.join(root, "work-interrupted"), partitions: 2, slurm: SLURM } as const;
    const interruption = new AbortController();
    const log = (line: string) => {
      if (/^stage 1\/\d+ blobs: (\d+) of \1 tasks done/.test(line)) interruption.abort(new BuildInterrupted("SIGINT"));
    };
    await expect(build({ ...options, log, signal: interruption.signal })).rejects.toThrow(new RegExp(`^interrupted by SIGINT: cancelled the launch's Slurm jobs \\(\\d+(, \\d+){${BUILD_STAGES.length - 1}}\\)`));
    expect(existsSync(options.outDir)).toBe(false);

    const second: string[] = [];
    await build({ ...options, log: (line) => second.push(line) });
    expect(second).toContain(`WORK ${options.workDir} holds this build, prepared before: resuming, completed tasks are skipped`);
    expect(second.some((line) => line.startsWith("stage blobs: submitted"))).toBe(false);
    expect(await outputs(options.outDir)).toEqual(localOutputs);
  });
});
