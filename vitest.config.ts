import os from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    // The test files of a worker process share their modules, and with them the blob worker
    // threads of tests/build.ts: from source each costs seconds to start, more than most tests.
    isolate: false,
    // One test process per core, not vitest's one fewer: on two cores that ran the files one
    // after another, while much of a file's time is spent waiting for the programs it runs.
    maxWorkers: os.availableParallelism(),
    // The end-to-end tests build the dataset twice; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
