import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildDataset, type BuildOptions } from "../pipeline/run.js";
import { BlobWorkers } from "../pipeline/tasks/blob-tasks.js";

/**
 * The builds of a test process share their blob worker threads (BuildOptions.workers): from
 * source a worker takes seconds to start (tsx, the language model, the catalog index), longer
 * than a small build takes. They end with the process (vitest's test files share it: isolate is
 * off in vitest.config.ts).
 */
const workers = new BlobWorkers();

/** A build in this process, as the CLI runs it; quiet unless `log` is given. */
export const build = (options: Omit<BuildOptions, "log"> & { log?: BuildOptions["log"] }) => buildDataset({ log: () => {}, workers, ...options });

/** OUT of raw/, the seeds, built once per test process for the tests that only read it: copy it to change it. */
export function builtSeeds(): Promise<string> {
  seeds ??= mkdtemp(path.join(os.tmpdir(), "satc-seeds-")).then(async (root) => {
    const out = path.join(root, "out");
    await build({ rawDir: "raw", outDir: out });
    return out;
  });
  return seeds;
}

let seeds: Promise<string> | undefined;
