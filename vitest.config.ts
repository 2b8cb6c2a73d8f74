import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    // The test files of a worker process share their modules, and with them the blob worker
    // threads of tests/build.ts: from source each costs seconds to start, more than most tests.
    isolate: false,
    // The end-to-end tests build the dataset twice; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
