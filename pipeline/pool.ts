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
        const onMessage = (message: { id: number; result?: Result; error?: TransferredError; progress?: number }) => {
          if (message.id !== id) return;
          if (message.progress !== undefined) {
            onProgress?.(message.progress);
            return;
          }
          cleanUp();
          if (message.error) reject(rebuiltError(message.error));
          else resolve(message.result!);
        };
        const onError = (error: Error) => {
          cleanUp();
          reject(error);
        };
        // A worker terminated by close() (the build was interrupted) answers nothing more.
        const onExit = () => onError(new Error("the worker thread stopped before it finished its task"));
        const cleanUp = () => {
          worker.off("message", onMessage);
          worker.off("error", onError);
          worker.off("exit", onExit);
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.on("exit", onExit);
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

/** What of an error crosses the thread boundary: its kind and, for a system error, what failed where. */
interface TransferredError {
  name: string;
  message: string;
  code?: string;
  syscall?: string;
  path?: string;
}

function rebuiltError({ name, message, ...system }: TransferredError): Error {
  // A PipelineError (bad input the build must stop on) keeps its kind across the thread boundary.
  return name === "PipelineError" ? new PipelineError(message) : Object.assign(new Error(message), system);
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
      const { name, message, code, syscall, path } = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
      const transferred: TransferredError = { name, message, ...(code && { code }), ...(syscall && { syscall }), ...(path && { path }) };
      port.postMessage({ id, error: transferred });
    }
  });
}
