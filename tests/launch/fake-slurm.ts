import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { expandArraySpec, type QueuedTask } from "../../pipeline/launch/sbatch.js";
import type { SlurmCommands } from "../../pipeline/launch/slurm-commands.js";
import { markCompleted } from "./fake-plan.js";

interface FakeJob {
  jobId: string;
  stage: string;
  after?: string;
  isArray: boolean;
  log: string;
  /** State and reason of each rank, as squeue would list them. */
  tasks: Map<number, { state: string; reason: string }>;
}

/**
 * A stand-in for sbatch, squeue and scancel, for testing the launcher's logic in-process: it
 * records what is submitted and cancelled, and every squeue call moves each job whose
 * dependency has completed one step: pending, running, then ended, when it "runs" the task by
 * writing its marker, or fails it (with a line in its log) when WORK/FAIL_<stage>_<rank> exists.
 * A task listed in `withoutMarker` ends COMPLETED without writing its marker.
 */
export class FakeSlurm implements SlurmCommands {
  readonly submitted: { args: string[]; script: string; jobId: string }[] = [];
  readonly cancelled: string[][] = [];
  readonly withoutMarker = new Set<string>();
  squeueCalls = 0;
  private readonly jobs: FakeJob[] = [];

  constructor(private readonly work: string) {}

  async sbatch(args: string[], script: string): Promise<string> {
    const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
    const jobId = String(100 + this.submitted.length);
    const array = option("array");
    this.submitted.push({ args, script, jobId });
    this.jobs.push({
      jobId,
      stage: option("job-name")!.replace(/^satc-/, ""),
      ...(option("dependency") && { after: option("dependency")!.replace(/^afterok:/, "") }),
      isArray: array !== undefined,
      log: option("output")!,
      tasks: new Map((array ? expandArraySpec(array) : [0]).map((rank) => [rank, { state: "PENDING", reason: "None" }])),
    });
    return jobId;
  }

  async squeue(jobIds: readonly string[]): Promise<QueuedTask[]> {
    this.squeueCalls++;
    for (const job of this.jobs) await this.step(job);
    return this.jobs
      .filter((job) => jobIds.includes(job.jobId))
      .flatMap((job) => [...job.tasks].map(([rank, task]) => ({ jobId: job.jobId, ...(job.isArray && { rank }), ...task })));
  }

  async scancel(jobIds: readonly string[]): Promise<void> {
    this.cancelled.push([...jobIds]);
    for (const job of this.jobs.filter((candidate) => jobIds.includes(candidate.jobId))) {
      for (const task of job.tasks.values()) if (task.state === "PENDING" || task.state === "RUNNING") Object.assign(task, { state: "CANCELLED" });
    }
  }

  private async step(job: FakeJob): Promise<void> {
    const dependency = this.jobs.find((candidate) => candidate.jobId === job.after);
    const dependencyStates = dependency ? [...dependency.tasks.values()].map((task) => task.state) : [];
    if (dependencyStates.some((state) => state !== "COMPLETED")) {
      const never = dependencyStates.some((state) => state !== "PENDING" && state !== "RUNNING" && state !== "COMPLETED");
      for (const task of job.tasks.values()) if (task.state === "PENDING") task.reason = never ? "DependencyNeverSatisfied" : "Dependency";
      return;
    }
    for (const [rank, task] of job.tasks) {
      if (task.state === "PENDING") Object.assign(task, { state: "RUNNING", reason: "None" });
      else if (task.state === "RUNNING") {
        const log = job.log.replace("%a", String(rank));
        await mkdir(path.dirname(log), { recursive: true });
        if (existsSync(path.join(this.work, `FAIL_${job.stage}_${rank}`))) {
          await writeFile(log, `starting\nfake task: failing on purpose\n`);
          Object.assign(task, { state: "FAILED", reason: "NonZeroExitCode" });
        } else {
          if (!this.withoutMarker.has(`${job.stage} ${rank}`)) await markCompleted(this.work, job.stage, rank);
          Object.assign(task, { state: "COMPLETED" });
        }
      }
    }
  }
}
