import { workerData } from "node:worker_threads";
import { serveTasks } from "../../pipeline/runtime/serve-tasks.js";
import { PipelineError } from "../../pipeline/validate.js";

/** What tests/runtime/pool.test.ts asks of a worker; every worker also knows the pool's setup. */
export type PoolTestTask = { kind: "progress"; steps: number } | { kind: "bad input" } | { kind: "exit" } | { kind: "allocate" } | { kind: "wait" };

if (workerData === "fail to start") throw new Error("this worker cannot start");

export default serveTasks(async (task: PoolTestTask, reportProgress) => {
  switch (task.kind) {
    case "progress":
      for (let step = 1; step <= task.steps; step++) reportProgress(step);
      await new Promise((resolve) => setTimeout(resolve, 20)); // lets the reports arrive before the result
      return `${workerData as string}: ${task.steps} steps`;
    case "bad input":
      throw new PipelineError("a.txt is not what it should be");
    case "exit":
      process.exit(3);
    case "allocate": {
      const held: number[][] = [];
      for (;;) held.push(new Array(1 << 20).fill(held.length));
    }
    case "wait":
      return new Promise<string>(() => {});
  }
});
