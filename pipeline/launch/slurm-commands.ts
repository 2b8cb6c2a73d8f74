import { spawn } from "node:child_process";
import { PipelineError } from "../validate.js";
import { parseSqueue, SQUEUE_FORMAT, type QueuedTask } from "./sbatch.js";

/** The three Slurm commands the launcher uses; tests pass a stand-in. */
export interface SlurmCommands {
  /** Submits a batch script; returns the job id. */
  sbatch(args: string[], script: string): Promise<string>;
  /** The tasks of these jobs that Slurm still knows (finished jobs are forgotten after MinJobAge). */
  squeue(jobIds: readonly string[]): Promise<QueuedTask[]>;
  /** Cancels these jobs, every task of an array; jobs that already ended are passed over. */
  scancel(jobIds: readonly string[]): Promise<void>;
}

/** The real commands, run as subprocesses with the environment's SLURM_CONF and PATH. */
export const slurmCommands: SlurmCommands = {
  async sbatch(args, script) {
    const { stdout } = await run("sbatch", args, script);
    // --parsable prints "<job id>" or "<job id>;<cluster>".
    const jobId = stdout.trim().split(";")[0]!;
    if (!/^\d+$/.test(jobId)) throw new PipelineError(`sbatch printed "${stdout.trim()}" where a job id was expected; is this Slurm's sbatch?`);
    return jobId;
  },
  async squeue(jobIds) {
    // A job Slurm has forgotten makes squeue fail when it is the only one asked about.
    const result = await run("squeue", ["--noheader", "--array", "--states=all", `--jobs=${jobIds.join(",")}`, `--format=${SQUEUE_FORMAT}`], undefined, /Invalid job id/);
    return parseSqueue(result.stdout);
  },
  async scancel(jobIds) {
    await run("scancel", [...jobIds], undefined, /already completing or completed|Invalid job id/);
  },
};

/**
 * Runs a Slurm command; a non-zero exit throws one line with its stderr, unless every error
 * line matches `harmless`. A missing command says what to install.
 */
async function run(command: string, args: string[], input?: string, harmless?: RegExp): Promise<{ stdout: string }> {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on("error", () => {}); // a command that exits without reading its input; its exit code tells
  child.stdin.end(input ?? "");
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject).once("close", resolve);
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new PipelineError(`${command} not found: LAUNCHER=slurm needs Slurm's commands on PATH (Debian: slurm-client); make cluster-up starts a one-node cluster on this machine.`);
    throw error;
  });
  const errorLines = Buffer.concat(stderr).toString("utf8").split("\n").filter((line) => line.trim() !== "");
  if (code !== 0 && !(harmless && errorLines.length > 0 && errorLines.every((line) => harmless.test(line)))) {
    throw new PipelineError(`${command} failed (exit code ${code}): ${errorLines.join(" / ") || "no message"}`);
  }
  return { stdout: Buffer.concat(stdout).toString("utf8") };
}
