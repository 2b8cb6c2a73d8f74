// A stand-in for dist/task.mjs in the launchers' tests: it keeps the task contract
// (pipeline/tasks/plan.ts) without doing any work, so the launchers are tested apart from the
// real stages. Plain JavaScript so that a task starts as fast as the built entry would.
//
//   node fake-task.mjs --work WORK --stage <name> --rank <rank>
//
// It appends "<stage> <rank>" to WORK/runs.txt (every start, so tests count what ran), fails
// when a task of the stage before has no completion marker (a launcher ran it too early) or when
// WORK/FAIL_<stage>_<rank> exists (a fault put there by a test), sleeps FAKE_TASK_MS, writes
// WORK/fake/<stage>-<rank>.json with its start and end times and then its completion marker,
// each under a temporary name renamed into place. The marker's path is the contract's
// (completionMarker); the launchers read markers through it, so a mismatch fails their tests.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const fail = (line) => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

const { values } = parseArgs({ options: { work: { type: "string" }, stage: { type: "string" }, rank: { type: "string" } } });
const { work, stage } = values;
const rank = Number(values.rank);
if (!work || !stage || !Number.isInteger(rank)) fail("usage: fake-task.mjs --work WORK --stage NAME --rank N");

const startedAt = Date.now();
const plan = JSON.parse(readFileSync(path.join(work, "plan.json"), "utf8"));
const index = plan.stages.findIndex((candidate) => candidate.name === stage);
if (index < 0 || rank < 0 || rank >= plan.stages[index].tasks) fail(`fake task: no task ${rank} of stage ${stage} in ${work}/plan.json`);
appendFileSync(path.join(work, "runs.txt"), `${stage} ${rank}\n`);

const marker = (name, taskRank) => path.join(work, "completions", name, String(taskRank).padStart(5, "0"));
const before = plan.stages[index - 1];
for (let earlier = 0; before && earlier < before.tasks; earlier++) {
  if (!existsSync(marker(before.name, earlier))) fail(`fake task: started before stage ${before.name} completed (task ${earlier} has no marker)`);
}
if (existsSync(path.join(work, `FAIL_${stage}_${rank}`))) fail(`fake task: failing on purpose because ${work}/FAIL_${stage}_${rank} exists`);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.env.FAKE_TASK_MS ?? 0));

const writeAtomically = (file, content) => {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
};
writeAtomically(path.join(work, "fake", `${stage}-${rank}.json`), JSON.stringify({ stage, rank, startedAt, endedAt: Date.now() }));
writeAtomically(marker(stage, rank), "");
console.log(`fake task ${rank} of stage ${stage} done`);
