import { spawn, spawnSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchSlurm, type SlurmOptions } from "../../pipeline/launch/slurm.js";
import type { WorkPlan } from "../../pipeline/launch/work.js";
import { findCluster } from "./cluster.js";
import { FAKE_TASK_COMMAND, prepareWork, runsOf, taskRecords, THREE_STAGES } from "./fake-plan.js";

/**
 * The Slurm launcher against a real cluster, with the fake task (tests/launch/cluster.ts says when
 * it runs).
 */
const cluster = findCluster();

/** Each task sleeps this long, so that tasks of one stage overlap and an early start would show. */
const TASK_MS = "400";
const OPTIONS: SlurmOptions = { command: FAKE_TASK_COMMAND, mem: "200M", pollMs: 200 };

const stateOf = (jobIds: string[]) =>
  spawnSync("squeue", ["--noheader", "--array", "--states=all", `--jobs=${jobIds.join(",")}`, "--format=%F %T"], { encoding: "utf8" }).stdout.trim().split("\n").sort();

describe.skipIf(!cluster.up)("the Slurm launcher on a cluster", () => {
  let fakeTaskMs: string | undefined;
  beforeAll(() => {
    // sbatch passes the launcher's environment on to the tasks.
    fakeTaskMs = process.env.FAKE_TASK_MS;
    process.env.FAKE_TASK_MS = TASK_MS;
  });
  afterAll(() => {
    if (fakeTaskMs === undefined) delete process.env.FAKE_TASK_MS;
    else process.env.FAKE_TASK_MS = fakeTaskMs;
  });

  it("runs three stages of 4, 1 and 4 tasks end to end, each stage starting only after the one before completed", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const lines: string[] = [];
    const summary = await launchSlurm(plan, { ...OPTIONS, log: (line) => lines.push(line) });
    expect(summary.map(({ stage, ranks }) => ({ stage, ranks }))).toEqual([
      { stage: "split", ranks: [0, 1, 2, 3] },
      { stage: "merge", ranks: [0] },
      { stage: "write", ranks: [0, 1, 2, 3] },
    ]);
    // Every task ran once; the fake task itself fails when a task of the stage before has no marker.
    expect((await runsOf(plan.work)).sort()).toEqual(["merge 0", "split 0", "split 1", "split 2", "split 3", "write 0", "write 1", "write 2", "write 3"]);
    const records = await taskRecords(plan.work);
    const span = (stage: string) => {
      const ofStage = records.filter((record) => record.stage === stage);
      return { start: Math.min(...ofStage.map((record) => record.startedAt)), end: Math.max(...ofStage.map((record) => record.endedAt)) };
    };
    expect(span("merge").start).toBeGreaterThanOrEqual(span("split").end);
    expect(span("write").start).toBeGreaterThanOrEqual(span("merge").end);
    // Each task's output went to its own log.
    expect(await readFile(path.join(plan.work, "logs", "write-3.log"), "utf8")).toBe("fake task 3 of stage write done\n");
    expect(lines.filter((line) => line.includes("tasks done"))).toEqual([
      expect.stringMatching(/^stage 1\/3 split: 4 of 4 tasks done, [\d.]+ s$/),
      expect.stringMatching(/^stage 2\/3 merge: 1 of 1 tasks done/),
      expect.stringMatching(/^stage 3\/3 write: 4 of 4 tasks done/),
    ]);
  });

  it("a failing task: the later stages never start and are cancelled, the task and its log are named; a rerun without the fault runs only the missing tasks", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await writeFile(path.join(plan.work, "FAIL_split_2"), "");
    const lines: string[] = [];
    const failed = await launchSlurm(plan, { ...OPTIONS, log: (line) => lines.push(line) }).catch((error: Error) => error);
    const log = path.join(plan.work, "logs", "split-2.log");
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toBe(
      `task 2 of stage split failed (FAILED, NonZeroExitCode): "fake task: failing on purpose because ${plan.work}/FAIL_split_2 exists"; its log: ${log}; the later stages (merge, write) were cancelled; run again to resume: completed tasks are skipped`,
    );
    expect((await runsOf(plan.work)).sort()).toEqual(["split 0", "split 1", "split 2", "split 3"]);
    const jobIds = submittedJobs(lines);
    expect(jobIds).toHaveLength(3);
    expect(new Set(stateOf(jobIds.slice(1)))).toEqual(new Set(jobIds.slice(1).map((id) => `${id} CANCELLED`)));

    await rm(path.join(plan.work, "FAIL_split_2"));
    const rerun = await launchSlurm(plan, OPTIONS);
    expect(rerun.map(({ stage, ranks }) => ({ stage, ranks }))).toEqual([
      { stage: "split", ranks: [2] },
      { stage: "merge", ranks: [0] },
      { stage: "write", ranks: [0, 1, 2, 3] },
    ]);
    expect(rerun.flatMap(({ ranks }) => ranks)).toHaveLength(6);
    expect((await runsOf(plan.work)).slice(4).sort()).toEqual(["merge 0", "split 2", "write 0", "write 1", "write 2", "write 3"]);
  });

  it("SIGINT to the launcher cancels every job of the build and exits 130", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const { status, stderr } = await interruptLauncher(plan, "SIGINT");
    expect(status).toBe(130);
    const jobIds = submittedJobs(stderr.split("\n"));
    expect(jobIds).toHaveLength(3);
    expect(stderr.trim().split("\n").at(-1)).toBe(`build failed: interrupted by SIGINT: cancelled the launch's Slurm jobs (${jobIds.join(", ")}); run again to resume, completed tasks are skipped`);
    expect(new Set(stateOf(jobIds))).toEqual(new Set(jobIds.map((id) => `${id} CANCELLED`)));
  });
});

/** The job ids in the launcher's "submitted … as Slurm job N" lines. */
function submittedJobs(lines: string[]): string[] {
  return lines.flatMap((line) => /submitted .* as Slurm job (\d+)/.exec(line)?.[1] ?? []);
}

/** Runs the launcher's command line on the plan and sends `signal` once the last stage is submitted. */
async function interruptLauncher(plan: WorkPlan, signal: NodeJS.Signals): Promise<{ status: number | null; stderr: string }> {
  const args = ["--import", "tsx", "pipeline/launch/cli.ts", "--work", plan.work, "--launcher", "slurm", "--mem", "200M", "--poll-seconds", "0.2", "--", ...FAKE_TASK_COMMAND];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    if (submittedJobs(stderr.split("\n")).length === plan.stages.length && child.signalCode === null && !child.killed) child.kill(signal);
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { status, stderr };
}
