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
