import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { missingRanks, readWorkPlan } from "../../pipeline/launch/work.js";
import { tempTree } from "../helpers.js";
import { markCompleted, prepareWork } from "./fake-plan.js";

describe("the work folder", () => {
  it("reads WORK/plan.json, with WORK made absolute", async () => {
    const plan = await prepareWork([{ name: "split", tasks: 3 }]);
    const relative = path.relative(process.cwd(), plan.work);
    expect(await readWorkPlan(relative)).toEqual({ work: plan.work, stages: [{ name: "split", tasks: 3 }] });
  });

  it("refuses a WORK without a plan, a broken plan and a plan that lists a stage twice, each with one line naming the file", async () => {
    const empty = await tempTree({});
    await expect(readWorkPlan(empty)).rejects.toThrow(`${path.join(empty, "plan.json")} does not exist: WORK must be a folder a build was prepared in`);
    const broken = await tempTree({ "plan.json": '{"stages": [{"name": "split", "tasks": 0}]}' });
    await expect(readWorkPlan(broken)).rejects.toThrow(/plan\.json, field stages\.0\.tasks: .*; fix that field\./);
    const twice = await tempTree({ "plan.json": JSON.stringify({ stages: [{ name: "a", tasks: 1 }, { name: "a", tasks: 2 }] }) });
    await expect(readWorkPlan(twice)).rejects.toThrow(/plan\.json: stage a is listed twice/);
  });

  it("a task is missing until its own marker is there: temporary files and ranks beyond the stage do not count", async () => {
    const plan = await prepareWork([{ name: "split", tasks: 4 }]);
    const stage = plan.stages[0]!;
    expect(await missingRanks(plan.work, stage)).toEqual([0, 1, 2, 3]);
    await markCompleted(plan.work, "split", 1);
    await markCompleted(plan.work, "split", 7);
    const folder = path.join(plan.work, "completions", "split");
    await writeFile(path.join(folder, "00002.tmp-123"), "");
    await mkdir(path.join(folder, "3"));
    expect(await missingRanks(plan.work, stage)).toEqual([0, 2, 3]);
  });
});
