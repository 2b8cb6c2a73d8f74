import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readWorkPlan, type WorkPlan } from "../../pipeline/launch/work.js";
import { completionMarker, type StagePlan } from "../../pipeline/tasks/plan.js";
import { tempTree } from "../helpers.js";

/** The stand-in task, `node fake-task.mjs`, as a task command for the launchers. */
export const FAKE_TASK_COMMAND = [process.execPath, fileURLToPath(new URL("./fake-task.mjs", import.meta.url))];

/** The plan of the cluster tests: three stages of 4, 1 and 4 tasks. */
export const THREE_STAGES: StagePlan[] = [
  { name: "split", tasks: 4 },
  { name: "merge", tasks: 1 },
  { name: "write", tasks: 4 },
];

/** A fresh WORK holding plan.json for these stages, as a build would prepare it. */
export async function prepareWork(stages: StagePlan[]): Promise<WorkPlan> {
  const work = await tempTree({ "plan.json": JSON.stringify({ stages }) });
  return readWorkPlan(work);
}

/** Writes the completion marker of a task, as the task would. */
export async function markCompleted(work: string, stage: string, rank: number): Promise<void> {
  const marker = path.join(work, completionMarker(stage, rank));
  await mkdir(path.dirname(marker), { recursive: true });
  await writeFile(marker, "");
}

/** Every start of a fake task, in the order they were recorded: "<stage> <rank>". */
export async function runsOf(work: string): Promise<string[]> {
  const text = await readFile(path.join(work, "runs.txt"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean);
}

export interface TaskRecord {
  stage: string;
  rank: number;
  startedAt: number;
  endedAt: number;
}

/** What the fake tasks that completed recorded, by stage and rank. */
export async function taskRecords(work: string): Promise<TaskRecord[]> {
  const folder = path.join(work, "fake");
  const names = await readdir(folder).catch(() => []);
  const records = await Promise.all(names.filter((name) => name.endsWith(".json")).map(async (name) => JSON.parse(await readFile(path.join(folder, name), "utf8")) as TaskRecord));
  return records.sort((a, b) => a.stage.localeCompare(b.stage) || a.rank - b.rank);
}
