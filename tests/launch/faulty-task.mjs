// The real task entry (dist/task.mjs) behind a switch for the fault tests: a task fails on
// purpose, before doing anything, when WORK/FAIL_<stage>_<rank> exists; otherwise it runs the
// real task with the same arguments and exits as it did.
//
//   node faulty-task.mjs <project root> --work WORK --stage <name> --rank <rank>
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const [root, ...args] = process.argv.slice(2);
const { values } = parseArgs({ args, options: { work: { type: "string" }, stage: { type: "string" }, rank: { type: "string" } } });
const fault = path.join(values.work, `FAIL_${values.stage}_${values.rank}`);
if (existsSync(fault)) {
  process.stderr.write(`faulty task: failing on purpose because ${fault} exists\n`);
  process.exit(1);
}
const task = spawnSync(process.execPath, [path.join(root, "dist", "task.mjs"), ...args], { stdio: "inherit" });
process.exit(task.status ?? 1);
