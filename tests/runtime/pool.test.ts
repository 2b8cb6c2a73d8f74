import { afterAll, describe, expect, it } from "vitest";
import { WorkerPool } from "../../pipeline/runtime/pool.js";
import { PipelineError } from "../../pipeline/validate.js";
import type { PoolTestTask } from "./pool-worker.js";

const WORKER = new URL("./pool-worker.ts", import.meta.url);

describe("WorkerPool", () => {
  const pool = new WorkerPool<PoolTestTask, string>(WORKER, 1, "setup");
  afterAll(() => pool.close());

  it("hands the worker its setup and the caller the progress reports, then the result", async () => {
    const reports: number[] = [];
    expect(await pool.run({ kind: "progress", steps: 3 }, { onProgress: (step) => reports.push(step) })).toBe("setup: 3 steps");
    expect(reports).toEqual([1, 2, 3]);
  });

  it("fails a task with the error its worker threw, keeping its kind", async () => {
    const failure = await pool.run({ kind: "bad input" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PipelineError);
    expect(failure).toMatchObject({ message: "a.txt is not what it should be" });
  });

  it("fails the task of a worker that exits, naming what it did, and goes on with a new worker", async () => {
    await expect(pool.run({ kind: "exit" }, { name: "analysing a.txt" })).rejects.toThrow(/^a worker thread stopped while analysing a\.txt: worker exited with code: 3$/);
    expect(await pool.run({ kind: "progress", steps: 1 })).toBe("setup: 1 steps");
  });

  it("starts tasks in the order they were given", async () => {
    const finished: number[] = [];
    await Promise.all([3, 1, 2].map((steps) => pool.run({ kind: "progress", steps }).then(() => finished.push(steps))));
    expect(finished).toEqual([3, 1, 2]);
  });

  it("fails a running task when the pool is closed (the build was interrupted)", async () => {
    const closing = new WorkerPool<PoolTestTask, string>(WORKER, 1, "setup");
    const waiting = closing.run({ kind: "wait" }).catch((error: unknown) => error);
    const queued = closing.run({ kind: "progress", steps: 1 }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closing.closed).toBe(false);
    await closing.close();
    expect(closing.closed).toBe(true);
    expect(await waiting).toBeInstanceOf(Error);
    expect(await queued).toBeInstanceOf(Error);
  });

  it("fails every task, the waiting ones too, when its workers cannot start", async () => {
    const broken = new WorkerPool<PoolTestTask, string>(WORKER, 2, "fail to start");
    try {
      const tasks = [1, 2, 3].map((steps) => broken.run({ kind: "progress", steps }).catch((error: unknown) => error));
      for (const failure of await Promise.all(tasks)) expect(failure).toMatchObject({ message: "a worker thread stopped: this worker cannot start" });
      expect(broken.closed).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it("fails the task of a worker that runs out of memory, saying so", async () => {
    const small = new WorkerPool<PoolTestTask, string>(WORKER, 1, "setup", { resourceLimits: { maxOldGenerationSizeMb: 32 } });
    try {
      await expect(small.run({ kind: "allocate" }, { name: "analysing big.txt" })).rejects.toThrow(/^a worker thread ran out of memory while analysing big\.txt \(.*\)$/);
    } finally {
      await small.close();
    }
  });
});
