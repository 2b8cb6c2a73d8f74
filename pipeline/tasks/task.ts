import { parseArgs } from "node:util";
import { BuildInterrupted, describeFailure } from "../errors.js";
import { isMain } from "../runtime/bundles.js";
import { forTerminal } from "../runtime/terminal.js";
import { PipelineError } from "../validate.js";
import { runBuildTask } from "./stages.js";

const USAGE = "usage: node dist/task.mjs --work WORK --stage NAME --rank R";

/**
 * One task of a prepared build, as a launcher runs it (on a Slurm node, or as a child process):
 * its counts on stdout when it completed, one line on stderr when it failed (exit 1). SIGINT and
 * SIGTERM (scancel) end it at once with 130 or 143: what it left is under temporary names that
 * no reader takes, and a rerun of the task starts again from nothing.
 */
async function main(args: string[]): Promise<number> {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(new BuildInterrupted(signal).exitCode));
  try {
    const { values } = parseArgs({ args, options: { work: { type: "string" }, stage: { type: "string" }, rank: { type: "string" } } });
    if (!values.work || !values.stage || !values.rank) throw new PipelineError(`--work, --stage and --rank are all needed; ${USAGE}`);
    if (!/^\d+$/.test(values.rank)) throw new PipelineError(`--rank ${values.rank} is not a whole number; ${USAGE}`);
    const counts = await runBuildTask(values.work, values.stage, Number(values.rank));
    process.stdout.write(`${values.stage} task ${values.rank}: ${JSON.stringify(counts)}\n`);
    return 0;
  } catch (error) {
    const debug = process.env.DEBUG === "1";
    process.stderr.write(`${debug ? describeFailure(error, true) : forTerminal(describeFailure(error, false))}\n`);
    return 1;
  }
}

if (isMain(import.meta.url)) process.exit(await main(process.argv.slice(2)));
