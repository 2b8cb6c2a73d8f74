import type { MessagePort } from "node:worker_threads";

/**
 * The worker side of pipeline/runtime/pool.ts, kept apart so that a worker loads none of the main
 * side (and the per-blob cache key, the worker's import closure, does not include it).
 */

/** What a worker receives: the task, and a port for its progress reports. */
export interface TaskMessage<Task> {
  task: Task;
  progress: MessagePort;
}

/** A worker's answer: errors travel as data, since only their message survives piscina's own transfer. */
export type Outcome<Result> = { result: Result } | { error: TransferredError };

/** What of an error crosses the thread boundary: its kind and, for a system error, what failed where. */
export interface TransferredError {
  name: string;
  message: string;
  code?: string;
  syscall?: string;
  path?: string;
}

/** The worker side, as the worker module's default export: answers each task with `handle`'s result or the error it threw. */
export function serveTasks<Task, Result>(
  handle: (task: Task, reportProgress: (progress: number) => void) => Promise<Result>,
): (message: TaskMessage<Task>) => Promise<Outcome<Result>> {
  return async ({ task, progress }) => {
    try {
      return { result: await handle(task, (value) => progress.postMessage(value)) };
    } catch (error) {
      const { name, message, code, syscall, path } = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
      return { error: { name, message, ...(code && { code }), ...(syscall && { syscall }), ...(path && { path }) } };
    } finally {
      progress.close();
    }
  };
}
