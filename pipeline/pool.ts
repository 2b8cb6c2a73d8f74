import { Worker } from "node:worker_threads";
import { PipelineError } from "./validate.js";

/**
 * A fixed set of worker threads, each running one TypeScript module that answers
 * `{ id, task }` messages with `{ id, result }` or `{ id, error }` (see `serveTasks`), and may
 * report how far it got before that with `{ id, progress }` (a number in the task's own unit,
 * such as bytes). Tasks are handed to the next idle worker; results come back in whatever
 * order workers finish, so callers must not depend on it.
 */
export class WorkerPool<Task, Result> {
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(worker: Worker) => void> = [];
  private readonly workers: Worker[];
  private nextId = 0;

  constructor(module: URL, size: number, setup: unknown) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), { workerData: { module: module.href, setup } });
      this.idle.push(worker);
      return worker;
    });
  }

  async run(task: Task, onProgress?: (progress: number) => void): Promise<Result> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    const id = this.nextId++;
    try {
      return await new Promise<Result>((resolve, reject) => {
        const onMessage = (message: { id: number; result?: Result; error?: { name: string; message: string }; progress?: number }) => {
          if (message.id !== id) return;
          if (message.progress !== undefined) {
            onProgress?.(message.progress);
            return;
          }
          cleanUp();
          // A PipelineError (bad input the build must stop on) keeps its kind across the thread boundary.
          if (message.error) reject(message.error.name === "PipelineError" ? new PipelineError(message.error.message) : new Error(message.error.message));
          else resolve(message.result!);
        };
        const onError = (error: Error) => {
          cleanUp();
          reject(error);
        };
        const cleanUp = () => {
          worker.off("message", onMessage);
          worker.off("error", onError);
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.postMessage({ id, task });
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** The worker side: answers each task with `handle`'s result or the error it threw; `handle` may report progress on the way. */
export function serveTasks<Task, Result>(
  port: import("node:worker_threads").MessagePort,
  handle: (task: Task, reportProgress: (progress: number) => void) => Promise<Result>,
): void {
  port.on("message", async ({ id, task }: { id: number; task: Task }) => {
    try {
      port.postMessage({ id, result: await handle(task, (progress) => port.postMessage({ id, progress })) });
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id, error: { name, message } });
    }
  });
}
