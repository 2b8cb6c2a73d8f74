import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { arraySpec, expandArraySpec, parseSqueue, sbatchArguments, taskOutcome, taskScript, type StageSubmission } from "../../pipeline/launch/sbatch.js";

const submission: StageSubmission = {
  work: "/shared/work",
  stage: "split",
  ranks: [0, 1, 2, 3],
  isArray: true,
  chdir: "/shared/project",
  resources: { cpusPerTask: 2, mem: "4G" },
};

describe("sbatch arguments", () => {
  it("a stage of several tasks is one job array of its missing ranks, logging each task to WORK/logs/<stage>-<rank>.log", () => {
    expect(sbatchArguments({ ...submission, ranks: [0, 1, 2, 3, 6, 8, 9] })).toEqual([
      "--parsable",
      "--job-name=satc-split",
      "--array=0-3,6,8-9",
      "--cpus-per-task=2",
      "--mem=4G",
      "--chdir=/shared/project",
      "--output=/shared/work/logs/split-%a.log",
      "--error=/shared/work/logs/split-%a.log",
    ]);
  });

  it("a stage of one task is a plain job; a later stage waits for the one before with afterok; partition and time when given", () => {
    const args = sbatchArguments({ ...submission, stage: "merge", ranks: [0], isArray: false, after: "41", resources: { cpusPerTask: 1, mem: "500M", partition: "short", time: "30:00" } });
    expect(args).toEqual([
      "--parsable",
      "--job-name=satc-merge",
      "--dependency=afterok:41",
      "--kill-on-invalid-dep=yes",
      "--cpus-per-task=1",
      "--mem=500M",
      "--partition=short",
      "--time=30:00",
      "--chdir=/shared/project",
      "--output=/shared/work/logs/merge-0.log",
      "--error=/shared/work/logs/merge-0.log",
    ]);
  });

  it("a stage with one rank left is still an array, so the task gets its rank from Slurm", () => {
    expect(sbatchArguments({ ...submission, ranks: [2] })).toContain("--array=2");
  });

  it("a % in WORK is written %% in the log pattern; a backslash, which would turn the pattern off, is refused with one line", () => {
    expect(sbatchArguments({ ...submission, work: "/w/100%" })).toContain("--output=/w/100%%/logs/split-%a.log");
    expect(() => sbatchArguments({ ...submission, work: "/w/a\\b" })).toThrow(/WORK \/w\/a\\b contains a backslash.*choose a WORK path without one/);
  });
});

describe("the task script", () => {
  it("runs the task command with WORK, the stage and the array task id, every word taken literally by sh", () => {
    const work = `/tmp/it's $HOME \`x\``;
    const script = taskScript(["node", "/p/dist/task.mjs"], work, "split", true);
    expect(script).toBe(`#!/bin/sh\nexec node /p/dist/task.mjs --work '/tmp/it'\\''s $HOME \`x\`' --stage split --rank "$SLURM_ARRAY_TASK_ID"\n`);
    const echoed = spawnSync("sh", ["-c", script.replace("exec node /p/dist/task.mjs", "printf '%s\\n'")], { encoding: "utf8", env: { SLURM_ARRAY_TASK_ID: "3" } });
    expect(echoed.stdout.split("\n").slice(0, -1)).toEqual(["--work", work, "--stage", "split", "--rank", "3"]);
  });

  it("a plain job's task is rank 0", () => {
    expect(taskScript(["node", "t.mjs"], "/w", "merge", false)).toBe("#!/bin/sh\nexec node t.mjs --work /w --stage merge --rank 0\n");
  });
});

describe("array specs", () => {
  it("compresses ranks into ranges and expands them back, in any order", () => {
    expect(arraySpec([5, 0, 1, 2, 9])).toBe("0-2,5,9");
    expect(arraySpec([7])).toBe("7");
    expect(expandArraySpec("0-2,5,9")).toEqual([0, 1, 2, 5, 9]);
    expect(expandArraySpec("[4-6%2]")).toEqual([4, 5, 6]);
  });
});

describe("squeue output", () => {
  it("reads array tasks, plain jobs and pending ranges from `squeue --array --format=%F|%K|%T|%r`", () => {
    const stdout = ["12|0|COMPLETED|None", "12|2|FAILED|NonZeroExitCode", "12|[3-4]|PENDING|Resources", "13|N/A|PENDING|Dependency", ""].join("\n");
    expect(parseSqueue(stdout)).toEqual([
      { jobId: "12", rank: 0, state: "COMPLETED", reason: "None" },
      { jobId: "12", rank: 2, state: "FAILED", reason: "NonZeroExitCode" },
      { jobId: "12", rank: 3, state: "PENDING", reason: "Resources" },
      { jobId: "12", rank: 4, state: "PENDING", reason: "Resources" },
      { jobId: "13", state: "PENDING", reason: "Dependency" },
    ]);
  });

  it("a line of another shape stops the launch with one line", () => {
    expect(() => parseSqueue("JOBID PARTITION NAME\n")).toThrow(/squeue printed a line the launcher cannot read: "JOBID PARTITION NAME"/);
  });

  it("classifies states: still to finish, completed, failed", () => {
    expect(["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED"].map(taskOutcome)).toEqual(Array(6).fill("active"));
    expect(taskOutcome("COMPLETED")).toBe("completed");
    expect(["FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"].map(taskOutcome)).toEqual(Array(5).fill("failed"));
  });
});
