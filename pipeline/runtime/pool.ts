import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { runnable } from "./bundles.js";
import type { Outcome, TaskMessage, TransferredError } from "./serve-tasks.js";
import { PipelineError } from "../validate.js";

/**
 * A fixed set of worker threads (piscina) running one module whose default export is
 * `serveTasks(handle)`. Tasks start in the order they were given; results come back in
 * whatever order workers finish, so callers must not depend on it. A task fails with the
 * error its worker threw, with what the build's one-line message needs (its kind; for a
 * system error the code, call and path); a worker that dies (process.exit, out of memory)
 * fails the task it was running.
 */
export class WorkerPool<Task, Result> {
  private readonly piscina: Piscina<TaskMessage<Task>, Outcome<Result>>;
  /** Why the pool stopped by itself: a worker failed with no task to fail (it could not start). */
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  /** `module` is the worker's source; `setup` reaches every worker as its `workerData`. */
  constructor(module: URL, size: number, setup: unknown, { resourceLimits }: { resourceLimits?: ResourceLimits } = {}) {
    const { file, execArgv } = runnable(module);
    this.piscina = new Piscina({
      filename: file,
      execArgv,
      minThreads: size,
      maxThreads: size,
      idleTimeout: Infinity,
      workerData: setup,
      ...(resourceLimits && { resourceLimits }),
    });
    // Piscina would start no new worker for the tasks still waiting; they fail with this error instead.
    this.piscina.on("error", (error: unknown) => {
      this.failure ??= workerFailure(error, undefined);
      void this.close();
    });
  }

  /**
   * Runs `task` on the next idle worker. The worker may report how far it got (a number in
   * the task's own unit, such as bytes) to `onProgress`; reports that arrive after the result
   * are dropped, so the caller accounts for the rest when the result comes. `name` says what
   * the task was doing when its worker died ("analysing a.txt").
   */
  async run(task: Task, { onProgress, name }: { onProgress?: (progress: number) => void; name?: string } = {}): Promise<Result> {
    const { port1: progress, port2: progressOfWorker } = new MessageChannel();
    let settled = false;
    progress.on("message", (value: number) => settled || onProgress?.(value));
    try {
      const outcome = await this.piscina.run({ task, progress: progressOfWorker }, { transferList: [progressOfWorker] }).catch((error: unknown) => {
        throw this.failure ?? workerFailure(error, name);
      });
      if ("error" in outcome) throw rebuiltError(outcome.error);
      return outcome.result;
    } finally {
      settled = true;
      progress.close();
    }
  }

  /** Stops every worker, at once: a task still running fails. */
  async close(): Promise<void> {
    await (this.closing ??= this.piscina.destroy());
  }

  /** Whether the pool was closed, by its owner or by itself (a worker could not start). */
  get closed(): boolean {
    return this.closing !== undefined;
  }
}

type ResourceLimits = NonNullable<ConstructorParameters<typeof Piscina>[0]>["resourceLimits"];

function rebuiltError({ name, message, ...system }: TransferredError): Error {
  // A PipelineError (bad input the build must stop on) keeps its kind across the thread boundary.
  return name === "PipelineError" ? new PipelineError(message) : Object.assign(new Error(message), system);
}

/** The worker itself failed (it died, ran out of memory, or could not load), not its task. */
function workerFailure(error: unknown, name: string | undefined): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  const during = name ? ` while ${name}` : "";
  const message =
    (cause as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY"
      ? `a worker thread ran out of memory${during} (${cause.message})`
      : `a worker thread stopped${during}: ${cause.message}`;
  return new Error(message, { cause });
}
