import { z } from "zod";

/**
 * A build as independent tasks over a shared work folder, so that the same build runs in this
 * process (LAUNCHER=local) or as Slurm job arrays (LAUNCHER=slurm), as datatrove's executors run
 * one pipeline. A stage is `tasks` tasks numbered 0…tasks-1; task r of a stage reads what
 * earlier stages wrote in WORK and writes its own outputs there, each to a temporary name and
 * renamed into place, then its completion marker. The stages run in order; a stage starts only
 * when every task of the stage before it has completed; a rerun skips tasks whose marker is there.
 */

export const stagePlanSchema = z.object({
  /** Kebab-case, unique within the plan: names the stage's folder and markers in WORK. */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  /** How many tasks the stage runs: 1 where the work cannot be partitioned. */
  tasks: z.int32().min(1),
});

/** WORK/plan.json: written once when a build is prepared; launchers read it. */
export const buildPlanSchema = z.object({
  stages: z.array(stagePlanSchema).min(1),
});

export type StagePlan = z.infer<typeof stagePlanSchema>;
export type BuildPlan = z.infer<typeof buildPlanSchema>;

/** Where task `rank` of `stage` records that it completed: WORK/completions/<stage>/<rank, five digits>. */
export function completionMarker(stage: string, rank: number): string {
  return `completions/${stage}/${String(rank).padStart(5, "0")}`;
}
