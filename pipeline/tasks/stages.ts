import { GLOBAL_STAGES } from "../engine/global-stages.js";
import type { BuildWork, TaskCounts } from "../../schemas/work.js";
import { runBlobTask } from "./blob-tasks.js";
import { collectBlobResults } from "./collect.js";
import type { BuildPlan } from "./plan.js";
import type { TaskHooks, TaskStage } from "./task-stage.js";
import { writeCompletion } from "./work-files.js";

/**
 * The build as a list of stages of tasks over WORK, the same list whether the tasks run in the
 * build's own process (LAUNCHER=local) or as Slurm job arrays (LAUNCHER=slurm):
 *
 * 1. `blobs`: RAW's files in groups, analysed into the content-addressed cache (blob-tasks.ts);
 * 2. `collect`: the groups' results in order, the build key, the up-to-date check (collect.ts);
 * 3. the global phase's stages over the cache's Parquet entries (engine/global-stages.ts),
 *    ending with `publish`, which writes OUT.
 */
/** The program every task runs (bundled as dist/task.mjs): its code version is the build's. */
export const TASK_ENTRY = new URL("./task.ts", import.meta.url);

export const BUILD_STAGES: readonly TaskStage[] = [
  { name: "blobs", title: "analyse blobs (split, language, evidence, fingerprints)", tasks: (build) => build.blobTasks, run: runBlobTask },
  { name: "collect", title: "collect analyses, check OUT is up to date", tasks: () => 1, run: collectBlobResults },
  ...GLOBAL_STAGES,
];

export function buildPlan(build: BuildWork): BuildPlan {
  return { stages: BUILD_STAGES.map((stage) => ({ name: stage.name, tasks: stage.tasks(build) })) };
}

export function stageNamed(name: string): TaskStage {
  const stage = BUILD_STAGES.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`the build has no stage "${name}"; its stages are ${BUILD_STAGES.map((known) => known.name).join(", ")}`);
  return stage;
}

/** Runs task `rank` of stage `name` over WORK and records its completion with its counts, time and memory. */
export async function runBuildTask(work: string, name: string, rank: number, hooks: TaskHooks = {}): Promise<TaskCounts> {
  const started = performance.now();
  const result = await stageNamed(name).run(work, rank, hooks);
  const counts: TaskCounts = {
    rowsIn: result.rowsIn,
    rowsOut: result.rowsOut,
    bytes: result.bytes ?? 0,
    seconds: Math.round(performance.now() - started) / 1000,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await writeCompletion(work, name, rank, counts);
  return counts;
}
