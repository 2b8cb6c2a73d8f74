import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BuildInterrupted } from "../../pipeline/errors.js";
import { JobsCancelled, launchSlurm, type SlurmOptions } from "../../pipeline/launch/slurm.js";
import type { WorkPlan } from "../../pipeline/launch/work.js";
import { FAKE_TASK_COMMAND, markCompleted, prepareWork, THREE_STAGES } from "./fake-plan.js";
import { FakeSlurm } from "./fake-slurm.js";

/** The launcher against FakeSlurm, polling without delay; its log lines are collected. */
async function launch(plan: WorkPlan, slurm: FakeSlurm, options: SlurmOptions = {}) {
  const lines: string[] = [];
  const run = launchSlurm(plan, { slurm, command: FAKE_TASK_COMMAND, projectRoot: "/project", pollMs: 0, log: (line) => lines.push(line), ...options });
  return { run, lines };
}

const option = (args: string[], name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

describe("the Slurm launcher (against a stand-in for Slurm's commands)", () => {
  it("submits one job per stage, each after the one before, and returns when every task has its marker", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const slurm = new FakeSlurm(plan.work);
    const { run, lines } = await launch(plan, slurm, { cpusPerTask: 2, mem: "1G", partition: "short" });
    expect(await run).toEqual([
      { stage: "split", ranks: [0, 1, 2, 3], jobId: "100" },
      { stage: "merge", ranks: [0], jobId: "101" },
      { stage: "write", ranks: [0, 1, 2, 3], jobId: "102" },
    ]);
    const [split, merge, write] = slurm.submitted.map((submission) => submission.args);
    expect([option(split!, "array"), option(merge!, "array"), option(write!, "array")]).toEqual(["0-3", undefined, "0-3"]);
    expect([option(split!, "dependency"), option(merge!, "dependency"), option(write!, "dependency")]).toEqual([undefined, "afterok:100", "afterok:101"]);
    expect([option(split!, "cpus-per-task"), option(split!, "mem"), option(split!, "partition"), option(split!, "chdir")]).toEqual(["2", "1G", "short", "/project"]);
    expect(option(write!, "output")).toBe(path.join(plan.work, "logs", "write-%a.log"));
    expect(slurm.submitted[0]!.script).toBe(`#!/bin/sh\nexec ${FAKE_TASK_COMMAND.join(" ")} --work ${plan.work} --stage split --rank "$SLURM_ARRAY_TASK_ID"\n`);
    expect(slurm.cancelled).toEqual([]);
    expect(lines).toEqual([
      `stage split: submitted 4 of 4 tasks as Slurm job 100`,
      `stage merge: submitted 1 of 1 tasks as Slurm job 101 (after job 100)`,
      `stage write: submitted 4 of 4 tasks as Slurm job 102 (after job 101)`,
      expect.stringMatching(/^stage 1\/3 split: 4 of 4 tasks done, [\d.]+ s$/),
      expect.stringMatching(/^stage 2\/3 merge: 1 of 1 tasks done/),
      expect.stringMatching(/^stage 3\/3 write: 4 of 4 tasks done/),
    ]);
  });

  it("shows tasks done of the stage's total on the status line while it waits", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const statuses: string[] = [];
    await (await launch(plan, new FakeSlurm(plan.work), { status: (line) => statuses.push(line) })).run;
    expect(statuses).toEqual([
      "stage 1/3 split: 0 of 4 tasks done, 4 running, 0 s",
      "",
      "stage 2/3 merge: 0 of 1 tasks done, 1 running, 0 s",
      "",
      "stage 3/3 write: 0 of 4 tasks done, 4 running, 0 s",
      "",
    ]);
  });

  it("submits only the tasks without a marker, and no job for a stage that has completed", async () => {
    const plan = await prepareWork(THREE_STAGES);
    for (const rank of [0, 1, 2, 3]) await markCompleted(plan.work, "split", rank);
    for (const rank of [0, 2]) await markCompleted(plan.work, "write", rank);
    const slurm = new FakeSlurm(plan.work);
    expect(await (await launch(plan, slurm)).run).toEqual([
      { stage: "merge", ranks: [0], jobId: "100" },
      { stage: "write", ranks: [1, 3], jobId: "101" },
    ]);
    expect(option(slurm.submitted[0]!.args, "dependency")).toBeUndefined();
    expect(option(slurm.submitted[1]!.args, "array")).toBe("1,3");
  });

  it("a failed task: reported with its log, the later stages cancelled at once, its stage's other tasks left to finish; a rerun runs only what is missing", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await writeFile(path.join(plan.work, "FAIL_split_2"), "");
    const slurm = new FakeSlurm(plan.work);
    const { run, lines } = await launch(plan, slurm);
    const log = path.join(plan.work, "logs", "split-2.log");
    const failure = `task 2 of stage split failed (FAILED, NonZeroExitCode): "fake task: failing on purpose"; its log: ${log}`;
    await expect(run).rejects.toThrow(`${failure}; the later stages (merge, write) were cancelled; run again to resume: completed tasks are skipped`);
    expect(lines).toContain(failure);
    expect(lines).toContain("cancelled the jobs of the later stages: merge (job 101), write (job 102)");
    expect(slurm.cancelled).toEqual([["101", "102"]]);

    await rm(path.join(plan.work, "FAIL_split_2"));
    const rerun = new FakeSlurm(plan.work);
    expect(await (await launch(plan, rerun)).run).toEqual([
      { stage: "split", ranks: [2], jobId: "100" },
      { stage: "merge", ranks: [0], jobId: "101" },
      { stage: "write", ranks: [0, 1, 2, 3], jobId: "102" },
    ]);
  });

  it("several failed tasks are counted in the one line", async () => {
    const plan = await prepareWork(THREE_STAGES);
    for (const rank of [1, 3]) await writeFile(path.join(plan.work, `FAIL_split_${rank}`), "");
    const { run } = await launch(plan, new FakeSlurm(plan.work));
    await expect(run).rejects.toThrow(/^task 1 of stage split failed .* \(2 tasks failed: stage split ranks 1, 3; their logs are beside it\); the later stages/);
  });

  it("a task that ended without its marker fails once the grace for a slow shared file system is over", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const slurm = new FakeSlurm(plan.work);
    slurm.withoutMarker.add("merge 0");
    const { run } = await launch(plan, slurm, { markerGraceMs: 50 });
    await expect(run).rejects.toThrow(/^task 0 of stage merge failed \(it exited 0 but wrote no completion marker\); its log: .*merge-0\.log; /);
    expect(slurm.squeueCalls).toBeGreaterThan(4);
  });

  it("SIGINT or SIGTERM cancels every job of the launch and ends with exit code 130 or 143", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const slurm = new FakeSlurm(plan.work);
    const interruption = new AbortController();
    const log = (line: string) => line.includes("job 102") && interruption.abort(new BuildInterrupted("SIGTERM"));
    const { run } = await launch(plan, slurm, { signal: interruption.signal, log });
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JobsCancelled);
    expect((error as JobsCancelled).exitCode).toBe(143);
    expect((error as Error).message).toBe("interrupted by SIGTERM: cancelled the launch's Slurm jobs (100, 101, 102); run again to resume, completed tasks are skipped");
    expect(slurm.cancelled).toEqual([["100", "101", "102"]]);
  });

  it("when sbatch refuses a later stage, the jobs already submitted are cancelled and its message is the one line", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const slurm = new FakeSlurm(plan.work);
    const sbatch = slurm.sbatch.bind(slurm);
    slurm.sbatch = async (args, script) => {
      if (slurm.submitted.length === 2) throw new Error("sbatch failed (exit code 1): sbatch: error: invalid partition specified: nope");
      return sbatch(args, script);
    };
    await expect((await launch(plan, slurm)).run).rejects.toThrow("invalid partition specified: nope");
    expect(slurm.cancelled).toEqual([["100", "101"]]);
  });

  it("rides out squeue failing a few times in a row, as while slurmctld restarts", async () => {
    const plan = await prepareWork([{ name: "split", tasks: 2 }]);
    const slurm = new FakeSlurm(plan.work);
    const squeue = slurm.squeue.bind(slurm);
    let failures = 3;
    slurm.squeue = async (jobIds) => {
      if (failures-- > 0) throw new Error("squeue failed (exit code 1): slurm_load_jobs error: Unable to contact slurm controller");
      return squeue(jobIds);
    };
    expect(await (await launch(plan, slurm)).run).toEqual([{ stage: "split", ranks: [0, 1], jobId: "100" }]);
  });

  it("refuses a CPU count that is not a whole number of at least 1, before submitting anything", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const slurm = new FakeSlurm(plan.work);
    await expect((await launch(plan, slurm, { cpusPerTask: 0 })).run).rejects.toThrow("CPUs per task 0 is not a whole number of at least 1");
    expect(slurm.submitted).toEqual([]);
  });

  it("without a task command, runs dist/task.mjs of the project and refuses to start when it is not built", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const slurm = new FakeSlurm(plan.work);
    await expect(launchSlurm(plan, { slurm, projectRoot: plan.work })).rejects.toThrow(`${path.join(plan.work, "dist", "task.mjs")} does not exist: the tasks run the built task entry, so build dist/ first`);
    expect(slurm.submitted).toEqual([]);
    await mkdir(path.join(plan.work, "dist"));
    await writeFile(path.join(plan.work, "dist", "task.mjs"), "");
    await launchSlurm(plan, { slurm, projectRoot: plan.work, pollMs: 0 });
    expect(slurm.submitted[0]!.script).toContain(`exec node ${path.join(plan.work, "dist", "task.mjs")} --work`);
  });
});
