import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BuildInterrupted } from "../../pipeline/errors.js";
import { launchLocal, taskProcess } from "../../pipeline/launch/local.js";
import { FAKE_TASK_COMMAND, markCompleted, prepareWork, runsOf, taskRecords, THREE_STAGES } from "./fake-plan.js";

describe("the local launcher", () => {
  it("runs every task, one at a time and stage after stage, and reports each stage", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const ran: string[] = [];
    const lines: string[] = [];
    const summary = await launchLocal(
      plan,
      async (stage, rank) => {
        ran.push(`${stage} ${rank}`);
        await markCompleted(plan.work, stage, rank);
      },
      { log: (line) => lines.push(line) },
    );
    expect(ran).toEqual(["split 0", "split 1", "split 2", "split 3", "merge 0", "write 0", "write 1", "write 2", "write 3"]);
    expect(summary).toEqual([
      { stage: "split", ranks: [0, 1, 2, 3] },
      { stage: "merge", ranks: [0] },
      { stage: "write", ranks: [0, 1, 2, 3] },
    ]);
    expect(lines).toEqual([expect.stringMatching(/^stage 1\/3 split: 4 of 4 tasks done, \d+\.\d s$/), expect.stringMatching(/^stage 2\/3 merge: 1 of 1 tasks done/), expect.stringMatching(/^stage 3\/3 write: 4 of 4 tasks done/)]);
  });

  it("skips the tasks whose completion marker is there", async () => {
    const plan = await prepareWork(THREE_STAGES);
    for (const rank of [0, 1, 2, 3]) await markCompleted(plan.work, "split", rank);
    await markCompleted(plan.work, "write", 2);
    const ran: string[] = [];
    const lines: string[] = [];
    await launchLocal(
      plan,
      async (stage, rank) => {
        ran.push(`${stage} ${rank}`);
        await markCompleted(plan.work, stage, rank);
      },
      { log: (line) => lines.push(line) },
    );
    expect(ran).toEqual(["merge 0", "write 0", "write 1", "write 3"]);
    expect(lines[0]).toMatch(/^stage 1\/3 split: 4 of 4 tasks done \(4 had completed before\)/);
  });

  it("a task that returns without its marker stops the launch with one line naming the marker", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await expect(launchLocal(plan, async () => {})).rejects.toThrow(`task 0 of stage split ended without writing its completion marker ${path.join(plan.work, "completions/split/00000")}`);
  });

  it("stops before the next task when its signal is aborted, with the abort's reason", async () => {
    const plan = await prepareWork(THREE_STAGES);
    const interruption = new AbortController();
    const ran: string[] = [];
    const launch = launchLocal(
      plan,
      async (stage, rank) => {
        ran.push(`${stage} ${rank}`);
        await markCompleted(plan.work, stage, rank);
        if (rank === 1) interruption.abort(new BuildInterrupted("SIGINT"));
      },
      { signal: interruption.signal },
    );
    await expect(launch).rejects.toBeInstanceOf(BuildInterrupted);
    expect(ran).toEqual(["split 0", "split 1"]);
  });
});

describe("tasks as child processes", () => {
  it("run the task command with --work, --stage and --rank; a stage starts after the one before has completed", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await launchLocal(plan, taskProcess(FAKE_TASK_COMMAND, plan.work));
    const records = await taskRecords(plan.work);
    expect(records.map(({ stage, rank }) => `${stage} ${rank}`)).toEqual(["merge 0", "split 0", "split 1", "split 2", "split 3", "write 0", "write 1", "write 2", "write 3"]);
    const ended = (stage: string) => Math.max(...records.filter((record) => record.stage === stage).map((record) => record.endedAt));
    const started = (stage: string) => Math.min(...records.filter((record) => record.stage === stage).map((record) => record.startedAt));
    expect(started("merge")).toBeGreaterThanOrEqual(ended("split"));
    expect(started("write")).toBeGreaterThanOrEqual(ended("merge"));
  });

  it("a failing task stops the launch with one line: the task, its last log line and the log's path; a rerun without the fault runs only what is missing", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await writeFile(path.join(plan.work, "FAIL_split_2"), "");
    const runTask = taskProcess(FAKE_TASK_COMMAND, plan.work);
    const log = path.join(plan.work, "logs", "split-2.log");
    await expect(launchLocal(plan, runTask)).rejects.toThrow(
      `task 2 of stage split failed (exit code 1): "fake task: failing on purpose because ${plan.work}/FAIL_split_2 exists"; its log: ${log}`,
    );
    expect(await runsOf(plan.work)).toEqual(["split 0", "split 1", "split 2"]);
    await rm(path.join(plan.work, "FAIL_split_2"));
    await launchLocal(plan, runTask);
    expect((await runsOf(plan.work)).slice(3)).toEqual(["split 2", "split 3", "merge 0", "write 0", "write 1", "write 2", "write 3"]);
  });
});
