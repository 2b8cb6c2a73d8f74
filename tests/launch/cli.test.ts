import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { launchFromArgs } from "../../pipeline/launch/cli.js";
import { FAKE_TASK_COMMAND, prepareWork, runsOf, THREE_STAGES } from "./fake-plan.js";

const quiet = { log: () => {} };

describe("the launcher's command line", () => {
  it("runs a prepared WORK locally by default; a failing task is one line, and running it again resumes", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await writeFile(path.join(plan.work, "FAIL_merge_0"), "");
    await expect(launchFromArgs(["--work", plan.work, "--", ...FAKE_TASK_COMMAND], quiet)).rejects.toThrow(
      `task 0 of stage merge failed (exit code 1): "fake task: failing on purpose because ${plan.work}/FAIL_merge_0 exists"; its log: ${path.join(plan.work, "logs", "merge-0.log")}`,
    );
    await rm(path.join(plan.work, "FAIL_merge_0"));
    await launchFromArgs(["--work", plan.work, "--", ...FAKE_TASK_COMMAND], quiet);
    expect((await runsOf(plan.work)).slice(5)).toEqual(["merge 0", "write 0", "write 1", "write 2", "write 3"]);
  });

  it("refuses a missing WORK, an unknown launcher and a CPU count that is not a number, with one line each", async () => {
    const plan = await prepareWork(THREE_STAGES);
    await expect(launchFromArgs([], quiet)).rejects.toThrow(/^--work is missing; usage: npx tsx pipeline\/launch\/cli\.ts --work WORK/);
    await expect(launchFromArgs(["--work", plan.work, "--launcher", "pbs"], quiet)).rejects.toThrow(/^--launcher pbs is neither local nor slurm/);
    await expect(launchFromArgs(["--work", plan.work, "--launcher", "slurm", "--cpus-per-task", "two", "--", "true"], quiet)).rejects.toThrow(
      /^--cpus-per-task two is not a whole number; pass e.g. --cpus-per-task 2\.$/,
    );
  });
});
