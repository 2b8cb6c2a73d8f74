import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { abortOnSignals, reportFailure } from "../errors.js";
import type { ProgressSinks } from "../runtime/progress.js";
import { PipelineError } from "../validate.js";
import { launchLocal, taskProcess } from "./local.js";
import { launchSlurm, SLURM_DEFAULTS } from "./slurm.js";
import { builtTaskCommand, readWorkPlan } from "./work.js";

const USAGE = "usage: npx tsx pipeline/launch/cli.ts --work WORK [--launcher local|slurm] [--cpus-per-task N] [--mem 4G] [--partition NAME] [--time LIMIT] [--poll-seconds S] [-- TASK COMMAND...]";

/**
 * Runs (or resumes) the tasks of a prepared WORK as the command line `args` say, locally one task
 * at a time as child processes or on Slurm; the task command defaults to the checkout's
 * `node dist/task.mjs`. Throws one line for anything wrong.
 */
export async function launchFromArgs(args: string[], sinks: ProgressSinks, signal?: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      work: { type: "string" },
      launcher: { type: "string", default: "local" },
      "cpus-per-task": { type: "string", default: String(SLURM_DEFAULTS.cpusPerTask) },
      mem: { type: "string", default: SLURM_DEFAULTS.mem },
      partition: { type: "string" },
      time: { type: "string" },
      "poll-seconds": { type: "string", default: String(SLURM_DEFAULTS.pollMs / 1000) },
    },
  });
  if (!values.work) throw new PipelineError(`--work is missing; ${USAGE}`);
  if (values.launcher !== "local" && values.launcher !== "slurm") throw new PipelineError(`--launcher ${values.launcher} is neither local nor slurm; ${USAGE}`);
  const plan = await readWorkPlan(values.work);
  const projectRoot = process.cwd();
  const command = positionals.length > 0 ? positionals : await builtTaskCommand(projectRoot);
  if (values.launcher === "local") {
    await launchLocal(plan, taskProcess(command, plan.work, { ...(signal && { signal }) }), { ...sinks, ...(signal && { signal }) });
    return;
  }
  await launchSlurm(plan, {
    ...sinks,
    command,
    projectRoot,
    cpusPerTask: wholeNumber("--cpus-per-task", values["cpus-per-task"]!),
    mem: values.mem!,
    ...(values.partition && { partition: values.partition }),
    ...(values.time && { time: values.time }),
    pollMs: seconds("--poll-seconds", values["poll-seconds"]!) * 1000,
    ...(signal && { signal }),
  });
}

/**
 * The command line: progress and one line for a failure on stderr (exit 1; the stack trace
 * with DEBUG=1); SIGINT or SIGTERM stop the launch (on Slurm: cancel its jobs) and exit 130 or
 * 143; a second signal exits at once.
 */
async function main(): Promise<number> {
  const interrupted = abortOnSignals();
  const toStderr = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const status = process.stderr.isTTY ? (line: string) => process.stderr.write(`\r\x1b[K${line}`) : undefined;
    await launchFromArgs(process.argv.slice(2), { log: toStderr, ...(status && { status }) }, interrupted);
    return 0;
  } catch (error) {
    return reportFailure(error, toStderr);
  }
}

function wholeNumber(option: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new PipelineError(`${option} ${text} is not a whole number; pass e.g. ${option} 2.`);
  return Number(text);
}

function seconds(option: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new PipelineError(`${option} ${text} is not a number of seconds; pass e.g. ${option} 5.`);
  return Number(text);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(await main());
