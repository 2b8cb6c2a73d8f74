import os from "node:os";
import { defineConfig } from "vitest/config";

/** The one test cluster runs one file's jobs at a time: these run last, one after the other. */
const CLUSTER_TESTS = ["tests/launch/slurm-cluster.test.ts", "tests/launch/slurm-build.test.ts"];

const shared = {
  // The test files of a worker process share their modules, and with them the blob worker
  // threads of tests/build.ts: from source each costs seconds to start, more than most tests.
  isolate: false,
  // The end-to-end tests build the dataset twice; give them room on a 2-core machine.
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    globalSetup: ["tests/global-setup.ts"],
    projects: [
      // One test process per core, not vitest's one fewer: on two cores that ran the files one
      // after another, while much of a file's time is spent waiting for the programs it runs.
      { test: { ...shared, name: "local", include: ["tests/**/*.test.ts"], exclude: CLUSTER_TESTS, maxWorkers: os.availableParallelism() } },
      { test: { ...shared, name: "cluster", include: CLUSTER_TESTS, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
