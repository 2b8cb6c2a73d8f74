import { mkdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BuildInterrupted } from "../errors.js";
import type { ProgressSinks } from "../runtime/progress.js";
import type { StagePlan } from "../tasks/plan.js";
import { PipelineError } from "../validate.js";
import type { LaunchSummary } from "./local.js";
import { sbatchArguments, taskOutcome, taskScript, type QueuedTask, type SlurmResources } from "./sbatch.js";
import { slurmCommands, type SlurmCommands } from "./slurm-commands.js";
import { describeTaskFailure } from "./task-log.js";
import { TaskProgress } from "./task-progress.js";
import { builtTaskCommand, completedRanks, missingRanks, type WorkPlan } from "./work.js";

export interface SlurmOptions extends Partial<ProgressSinks>, Partial<SlurmResources> {
  /** The task command before `--work WORK --stage <name> --rank <rank>`; default `node <projectRoot>/dist/task.mjs`. */
  command?: readonly string[];
  /** The project checkout, where tasks start; default the current folder. Every node must see it at this path. */
  projectRoot?: string;
  /** How often squeue is asked and the markers counted. */
  pollMs?: number;
  /**
   * How long a task that Slurm reports finished may go without its marker showing before it
   * counts as failed: a shared file system may show another node's new file late.
   */
  markerGraceMs?: number;
  /** Aborting cancels every job of the launch and throws (a BuildInterrupted reason becomes JobsCancelled). */
  signal?: AbortSignal;
  slurm?: SlurmCommands;
}

export const SLURM_DEFAULTS = { cpusPerTask: 1, mem: "4G", pollMs: 5000, markerGraceMs: 60_000 } as const;

/** squeue may fail while slurmctld is busy or restarting; this many failures in a row end the launch. */
const SQUEUE_ATTEMPTS = 10;

/** What a Slurm launch submitted: per stage with tasks to run, the ranks and the job that ran them. */
export type SlurmLaunchSummary = (LaunchSummary[number] & { jobId: string })[];

/** Stopped by SIGINT or SIGTERM: every job of the launch was cancelled; exits 130 or 143 like an interrupted build. */
export class JobsCancelled extends BuildInterrupted {
  constructor(signal: BuildInterrupted["signal"], jobIds: readonly string[]) {
    super(signal);
    this.message = `interrupted by ${signal}: cancelled the launch's Slurm jobs (${jobIds.join(", ") || "none had been submitted"}); run again to resume, completed tasks are skipped`;
  }
}

interface Job {
  stage: StagePlan;
  jobId: string;
  ranks: number[];
  /** Slurm may still run tasks of it: not every rank has completed or failed, and it was not cancelled. */
  open: boolean;
  cancelled: boolean;
  failed: Set<number>;
}

/**
 * Runs the plan on Slurm: each stage with tasks still to run becomes one job array (a plain job
 * for a stage of one task) of its ranks without a completion marker, depending on the job of
 * the stage before with afterok; then it watches squeue and the markers until every task has
 * completed. A failed task is reported with its log, the later stages' jobs are cancelled, the
 * failed stage's other tasks are left to finish (so a rerun skips them), and the launch throws
 * one line. When it returns or throws, no job of the launch is queued or running.
 */
export async function launchSlurm(plan: WorkPlan, options: SlurmOptions = {}): Promise<SlurmLaunchSummary> {
  const slurm = options.slurm ?? slurmCommands;
  const resources: SlurmResources = {
    cpusPerTask: options.cpusPerTask ?? SLURM_DEFAULTS.cpusPerTask,
    mem: options.mem ?? SLURM_DEFAULTS.mem,
    ...(options.partition && { partition: options.partition }),
    ...(options.time && { time: options.time }),
  };
  if (!Number.isInteger(resources.cpusPerTask) || resources.cpusPerTask < 1) throw new PipelineError(`CPUs per task ${resources.cpusPerTask} is not a whole number of at least 1; pass e.g. 1 or 4.`);
  const projectRoot = path.resolve(options.projectRoot ?? process.cwd());
  const command = options.command ?? (await builtTaskCommand(projectRoot));
  const log = options.log ?? (() => {});
  const progress = new TaskProgress(plan.stages, { log, ...(options.status && { status: options.status }) });
  await mkdir(path.join(plan.work, "logs"), { recursive: true });

  const jobs: Job[] = [];
  try {
    for (const stage of plan.stages) {
      options.signal?.throwIfAborted();
      const ranks = await missingRanks(plan.work, stage);
      if (ranks.length === 0) continue;
      const isArray = stage.tasks > 1;
      const after = jobs.at(-1)?.jobId;
      const args = sbatchArguments({ work: plan.work, stage: stage.name, ranks, isArray, chdir: projectRoot, resources, ...(after && { after }) });
      const jobId = await slurm.sbatch(args, taskScript(command, plan.work, stage.name, isArray));
      jobs.push({ stage, jobId, ranks, open: true, cancelled: false, failed: new Set() });
      log(`stage ${stage.name}: submitted ${ranks.length} of ${stage.tasks} tasks as Slurm job ${jobId}${after ? ` (after job ${after})` : ""}`);
    }
    await watch(plan, jobs, { slurm, progress, log, pollMs: options.pollMs ?? SLURM_DEFAULTS.pollMs, markerGraceMs: options.markerGraceMs ?? SLURM_DEFAULTS.markerGraceMs, ...(options.signal && { signal: options.signal }) });
    return jobs.map(({ stage, ranks, jobId }) => ({ stage: stage.name, ranks, jobId }));
  } catch (error) {
    const open = jobs.filter((job) => job.open).map((job) => job.jobId);
    if (open.length > 0) {
      await slurm.scancel(open).catch((cancelError: Error) => log(`cancelling jobs ${open.join(", ")} failed (${cancelError.message}); cancel them by hand: scancel ${open.join(" ")}`));
    }
    const reason: unknown = options.signal?.aborted ? options.signal.reason : error;
    throw reason instanceof BuildInterrupted ? new JobsCancelled(reason.signal, jobs.map((job) => job.jobId)) : reason;
  }
}

interface WatchContext {
  slurm: SlurmCommands;
  progress: TaskProgress;
  log: (line: string) => void;
  pollMs: number;
  markerGraceMs: number;
  signal?: AbortSignal;
}

/** Polls until no job is open; then throws one line if any task failed. */
async function watch(plan: WorkPlan, jobs: Job[], context: WatchContext): Promise<void> {
  const failures: string[] = [];
  const endedWithoutMarkerSince = new Map<string, number>();
  let squeueFailures = 0;
  for (let open = jobs.filter((job) => job.open); open.length > 0; open = jobs.filter((job) => job.open)) {
    let queued: QueuedTask[];
    try {
      queued = await context.slurm.squeue(open.map((job) => job.jobId));
      squeueFailures = 0;
    } catch (error) {
      if (++squeueFailures >= SQUEUE_ATTEMPTS) throw error;
      await sleep(context.pollMs, undefined, context.signal && { signal: context.signal });
      continue;
    }
    // Markers are read after squeue answered, so a task that ended in between counts as done.
    const failedBefore = failures.length;
    let statusShown = false;
    for (const job of open) {
      const done = await completedRanks(plan.work, job.stage);
      const states = new Map(queued.filter((task) => task.jobId === job.jobId).map((task) => [task.rank ?? 0, task]));
      const waiting: string[] = [];
      for (const rank of job.ranks.filter((rank) => !done.has(rank) && !job.failed.has(rank))) {
        const task = states.get(rank);
        const key = `${job.jobId}_${rank}`;
        const ended = !task || taskOutcome(task.state) !== "active";
        if (ended && !endedWithoutMarkerSince.has(key)) endedWithoutMarkerSince.set(key, performance.now());
        const verdict = judge(task, performance.now() - (endedWithoutMarkerSince.get(key) ?? performance.now()), context.markerGraceMs);
        if ("waiting" in verdict) {
          waiting.push(verdict.waiting);
          continue;
        }
        job.failed.add(rank);
        failures.push(await describeTaskFailure(plan.work, job.stage.name, rank, verdict.failed));
        context.progress.clear();
        context.log(failures.at(-1)!);
      }
      if (waiting.length === 0) {
        job.open = false;
        if (job.failed.size === 0) context.progress.stageDone(job.stage, job.ranks.length);
      } else if (!statusShown) {
        // Only the first stage still waiting can be running: the later ones wait for it.
        context.progress.update(job.stage, done.size, tally(waiting));
        statusShown = true;
      }
    }
    if (failures.length > failedBefore) await cancelLaterStages(jobs, context);
    if (jobs.some((job) => job.open)) await sleep(context.pollMs, undefined, context.signal && { signal: context.signal });
  }
  if (failures.length > 0) {
    const failed = jobs.filter((job) => job.failed.size > 0);
    const more = failures.length > 1 ? ` (${failures.length} tasks failed: ${failed.map((job) => `stage ${job.stage.name} ranks ${[...job.failed].join(", ")}`).join("; ")}; their logs are beside it)` : "";
    const cancelled = jobs.filter((job) => job.cancelled);
    throw new PipelineError(`${failures[0]}${more}${cancelled.length > 0 ? `; the later stages (${cancelled.map((job) => job.stage.name).join(", ")}) were cancelled` : ""}; run again to resume: completed tasks are skipped`);
  }
}

/**
 * A task without its marker, from its line in squeue (none once Slurm has forgotten it) and how
 * long it has been ended without the marker showing: still waiting, with a word for the status
 * line, or failed, and how.
 */
function judge(task: QueuedTask | undefined, endedForMs: number, graceMs: number): { waiting: string } | { failed: string } {
  const outcome = task ? taskOutcome(task.state) : "gone";
  if (outcome === "active") return { waiting: task!.state.toLowerCase() };
  if (outcome === "failed") return { failed: `${task!.state}${task!.reason && task!.reason !== "None" ? `, ${task!.reason}` : ""}` };
  if (endedForMs < graceMs) return { waiting: "ended, marker not seen yet" };
  return { failed: outcome === "completed" ? "it exited 0 but wrote no completion marker" : "it left the queue without writing its completion marker" };
}

/** After a failure, the jobs of the stages after the failed one can never run: they are cancelled at once. */
async function cancelLaterStages(jobs: Job[], context: WatchContext): Promise<void> {
  const firstFailed = jobs.findIndex((job) => job.failed.size > 0);
  const later = jobs.slice(firstFailed + 1).filter((job) => job.open);
  if (later.length === 0) return;
  await context.slurm.scancel(later.map((job) => job.jobId));
  for (const job of later) Object.assign(job, { open: false, cancelled: true });
  context.log(`cancelled the jobs of the later stages: ${later.map((job) => `${job.stage.name} (job ${job.jobId})`).join(", ")}`);
}

/** "2 running, 1 pending" from the states of the tasks still to finish. */
function tally(states: string[]): string {
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].map(([state, count]) => `${count} ${state}`).join(", ");
}
