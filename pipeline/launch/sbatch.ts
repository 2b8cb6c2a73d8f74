import { PipelineError } from "../validate.js";
import { taskLogPath } from "./work.js";

/** What each task asks Slurm for. */
export interface SlurmResources {
  cpusPerTask: number;
  /** Memory per task in sbatch's notation: 4G, 500M. */
  mem: string;
  /** Slurm partition; the cluster's default partition when absent. */
  partition?: string;
  /** Time limit per task in sbatch's notation (minutes, or [days-]hours:minutes:seconds); the partition's default when absent. */
  time?: string;
}

/** One stage's tasks as one submission: a job array, or a plain job for a stage of one task. */
export interface StageSubmission {
  work: string;
  stage: string;
  /** The ranks to run: those without a completion marker. */
  ranks: number[];
  /** Whether the stage has more than one task (then it is a job array even when one rank is left). */
  isArray: boolean;
  /** The job of the stage before, which must complete successfully before this one starts. */
  after?: string;
  /** The folder tasks start in: the project checkout. */
  chdir: string;
  resources: SlurmResources;
}

/** The arguments of `sbatch` for a stage; the task script comes on its standard input. */
export function sbatchArguments(submission: StageSubmission): string[] {
  const { work, stage, ranks, isArray, after, chdir, resources } = submission;
  const log = taskLogPath(slurmPatternText(work), stage, isArray ? "%a" : 0);
  return [
    "--parsable",
    `--job-name=satc-${stage}`,
    ...(isArray ? [`--array=${arraySpec(ranks)}`] : []),
    ...(after ? [`--dependency=afterok:${after}`, "--kill-on-invalid-dep=yes"] : []),
    `--cpus-per-task=${resources.cpusPerTask}`,
    `--mem=${resources.mem}`,
    ...(resources.partition ? [`--partition=${resources.partition}`] : []),
    ...(resources.time ? [`--time=${resources.time}`] : []),
    `--chdir=${chdir}`,
    `--output=${log}`,
    `--error=${log}`,
  ];
}

/** The batch script: runs `command --work WORK --stage <name> --rank <rank>`, the rank from Slurm for an array. */
export function taskScript(command: readonly string[], work: string, stage: string, isArray: boolean): string {
  const rank = isArray ? '"$SLURM_ARRAY_TASK_ID"' : "0";
  return `#!/bin/sh\nexec ${[...command, "--work", work, "--stage", stage].map(shellWord).join(" ")} --rank ${rank}\n`;
}

/** Ranks as sbatch's --array list: runs of consecutive ranks as ranges, "0-3,5,7-9". */
export function arraySpec(ranks: readonly number[]): string {
  const runs: string[] = [];
  const sorted = [...ranks].sort((a, b) => a - b);
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    runs.push(start === end ? String(sorted[start]) : `${sorted[start]}-${sorted[end]}`);
    start = end + 1;
  }
  return runs.join(",");
}

/** A task as squeue lists it: its job (the array's job id), its rank (absent for a plain job), state and reason. */
export interface QueuedTask {
  jobId: string;
  rank?: number;
  state: string;
  reason: string;
}

/** The --format that parseSqueue reads: array job id, array task id, state, reason. */
export const SQUEUE_FORMAT = "%F|%K|%T|%r";

/**
 * `squeue --noheader --array --format=SQUEUE_FORMAT` output. With --array every task has a line of
 * its own, but a pending array may still be listed as a range ("[4-7%2]"), so ranges are expanded.
 */
export function parseSqueue(stdout: string): QueuedTask[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      const [jobId, tasks, state, reason] = line.trim().split("|");
      if (!jobId || tasks === undefined || !state) throw new PipelineError(`squeue printed a line the launcher cannot read: "${line}"; is this Slurm's squeue?`);
      const entry = { jobId, state, reason: reason ?? "" };
      return tasks === "N/A" ? [entry] : expandArraySpec(tasks).map((rank) => ({ ...entry, rank }));
    });
}

/** "0-3,5", "[4-7%2]" or "2" as the ranks they name: the inverse of arraySpec. */
export function expandArraySpec(spec: string): number[] {
  return spec
    .replace(/^\[|\]$/g, "")
    .replace(/%\d+$/, "")
    .split(",")
    .flatMap((part) => {
      const [first, last = first] = part.split("-").map(Number);
      return Array.from({ length: last! - first! + 1 }, (_, index) => first! + index);
    });
}

/** What a Slurm job state means for a task: still to finish, finished successfully, or failed. */
export function taskOutcome(state: string): "active" | "completed" | "failed" {
  if (state === "COMPLETED") return "completed";
  return FAILED_STATES.has(state) ? "failed" : "active";
}

/** Job states in which a job has ended without success (squeue's long names). */
const FAILED_STATES = new Set(["BOOT_FAIL", "CANCELLED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "REVOKED", "SPECIAL_EXIT", "TIMEOUT"]);

/**
 * A path inside an sbatch filename pattern: `%` written `%%`. A backslash would switch the
 * pattern's %a off for the whole name, so such a WORK is refused.
 */
function slurmPatternText(text: string): string {
  if (text.includes("\\")) throw new PipelineError(`WORK ${text} contains a backslash, which Slurm's log file patterns cannot hold; choose a WORK path without one.`);
  return text.replaceAll("%", "%%");
}

/** One word for sh, taken literally: single-quoted unless it is plain. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
