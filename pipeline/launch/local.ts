import { spawn } from "node:child_process";
import { access, mkdir, open } from "node:fs/promises";
import path from "node:path";
import type { ProgressSinks } from "../runtime/progress.js";
import { completionMarker } from "../tasks/plan.js";
import { PipelineError } from "../validate.js";
import { describeTaskFailure } from "./task-log.js";
import { TaskProgress } from "./task-progress.js";
import { missingRanks, taskLogPath, type WorkPlan } from "./work.js";

/** Runs task `rank` of `stage` to completion (it writes its outputs and then its marker), or throws. */
export type RunTask = (stage: string, rank: number) => Promise<void>;

export interface LocalOptions extends Partial<ProgressSinks> {
  /** Checked between tasks: an aborted launch stops before the next task and throws the abort reason. */
  signal?: AbortSignal;
}

/** What a launch ran: per stage that had tasks to run, the ranks without a completion marker when it started. */
export type LaunchSummary = { stage: string; ranks: number[] }[];

/**
 * Runs the plan's tasks one at a time, stage after stage, skipping every task whose completion
 * marker is already in WORK, so a rerun after a failure runs only what is missing.
 */
export async function launchLocal(plan: WorkPlan, runTask: RunTask, options: LocalOptions = {}): Promise<LaunchSummary> {
  const progress = new TaskProgress(plan.stages, { log: options.log ?? (() => {}), ...(options.status && { status: options.status }) });
  const summary: LaunchSummary = [];
  for (const stage of plan.stages) {
    const ranks = await missingRanks(plan.work, stage);
    if (ranks.length > 0) summary.push({ stage: stage.name, ranks });
    for (const [index, rank] of ranks.entries()) {
      options.signal?.throwIfAborted();
      progress.update(stage, stage.tasks - ranks.length + index, `running task ${rank}`);
      await runTask(stage.name, rank);
      const marker = path.join(plan.work, completionMarker(stage.name, rank));
      if (!(await exists(marker))) throw new PipelineError(`task ${rank} of stage ${stage.name} ended without writing its completion marker ${marker}; the task does not keep the task contract (pipeline/tasks/plan.ts), which is a bug to report.`);
    }
    progress.stageDone(stage, ranks.length);
  }
  return summary;
}

/**
 * Runs each task as a child process, `command --work WORK --stage <name> --rank <rank>`, with its
 * stdout and stderr in WORK/logs/<stage>-<rank>.log as on Slurm; a non-zero exit throws one line
 * naming the task, quoting the log's last line and giving its path.
 */
export function taskProcess(command: readonly string[], work: string, options: { cwd?: string; signal?: AbortSignal } = {}): RunTask {
  return async (stage, rank) => {
    const logPath = taskLogPath(work, stage, rank);
    await mkdir(path.dirname(logPath), { recursive: true });
    const log = await open(logPath, "w");
    try {
      const [file, ...args] = command;
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        const child = spawn(file!, [...args, "--work", work, "--stage", stage, "--rank", String(rank)], {
          stdio: ["ignore", log.fd, log.fd],
          ...(options.cwd !== undefined && { cwd: options.cwd }),
          ...(options.signal && { signal: options.signal }),
        });
        // An aborted launch rejects with the abort's reason (the signal that stopped it), as launchLocal does.
        child.once("error", (error) => reject(options.signal?.aborted ? options.signal.reason : error)).once("exit", (code, signal) => resolve({ code, signal }));
      });
      if (exit.code !== 0) throw new PipelineError(await describeTaskFailure(work, stage, rank, exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`));
    } finally {
      await log.close();
    }
  };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
