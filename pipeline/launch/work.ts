import { access, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseJsonFile } from "../runtime/json-file.js";
import { buildPlanSchema, completionMarker, type BuildPlan, type StagePlan } from "../tasks/plan.js";
import { PipelineError } from "../validate.js";

/** A prepared build as the launchers see it: the absolute path of WORK and the plan written there. */
export interface WorkPlan extends BuildPlan {
  work: string;
}

/** Reads WORK/plan.json; a missing or broken plan stops the launch with one line. */
export async function readWorkPlan(work: string): Promise<WorkPlan> {
  const file = path.join(path.resolve(work), "plan.json");
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new PipelineError(`${file} does not exist: WORK must be a folder a build was prepared in; check the path.`);
  }
  const plan = parseJsonFile(bytes, file, buildPlanSchema);
  const names = plan.stages.map((stage) => stage.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new PipelineError(`${file}: stage ${repeated} is listed twice; stage names must be unique, so prepare the build again.`);
  return { work: path.resolve(work), stages: plan.stages };
}

/** The ranks of `stage` whose completion marker is in WORK. */
export async function completedRanks(work: string, stage: StagePlan): Promise<Set<number>> {
  let names: string[];
  try {
    names = await readdir(path.join(work, path.dirname(completionMarker(stage.name, 0))));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Set();
    throw error;
  }
  // Only exact marker names count: a task's temporary file beside its marker is not a completion.
  const isMarker = (name: string) => /^\d+$/.test(name) && Number(name) < stage.tasks && path.basename(completionMarker(stage.name, Number(name))) === name;
  return new Set(names.filter(isMarker).map(Number));
}

/** The ranks of `stage` still to run, in order. */
export async function missingRanks(work: string, stage: StagePlan): Promise<number[]> {
  const done = await completedRanks(work, stage);
  return Array.from({ length: stage.tasks }, (_, rank) => rank).filter((rank) => !done.has(rank));
}

/** Where task `rank` of `stage` writes its stdout and stderr under either launcher (`rank` may be Slurm's `%a`). */
export function taskLogPath(work: string, stage: string, rank: number | "%a"): string {
  return path.join(work, "logs", `${stage}-${rank}.log`);
}

/** The task command of a built checkout, `node <projectRoot>/dist/task.mjs`, checked to exist before anything runs. */
export async function builtTaskCommand(projectRoot: string): Promise<string[]> {
  const entry = path.join(projectRoot, "dist", "task.mjs");
  await access(entry).catch(() => {
    throw new PipelineError(`${entry} does not exist: the tasks run the built task entry, so build dist/ first (or pass the task command).`);
  });
  return ["node", entry];
}
