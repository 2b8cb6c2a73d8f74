import { spawnSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempFolder } from "./fixtures.js";

/**
 * Runs make targets with stand-ins for `node` and `jupyter` that record the arguments (and
 * the notebook's OUT and RAW) they were given: fast, and exactly what the shell passed on.
 */
let root: string;
let traps: string;

beforeAll(async () => {
  root = await tempFolder();
  traps = path.join(root, "traps");
  await mkdir(traps);
  const bin = path.join(root, "bin");
  await mkdir(bin);
  const recorder = `#!/bin/sh\nfor argument in "$@"; do printf '%s\\0' "$argument"; done > "$ARGUMENTS_RECORD"\n`;
  await writeFile(path.join(bin, "node"), recorder);
  await writeFile(path.join(bin, "jupyter"), `#!/bin/sh\nprintf '%s\\0' "$OUT" "$RAW" > "$ARGUMENTS_RECORD"\n`);
  await chmod(path.join(bin, "node"), 0o755);
  await chmod(path.join(bin, "jupyter"), 0o755);
});

/** A value that runs a command wherever it is pasted unquoted into make or a shell. */
function hostile(name: string): string {
  const trap = (kind: string) => path.join(traps, `${name}-${kind}`);
  return `\`touch ${trap("backtick")}\`$(touch ${trap("dollar")})$(shell touch ${trap("make")})';touch ${trap("quote")};'"x y"$$HOME`;
}

/** Runs `make target VAR=value…` with the stand-ins first on PATH; returns the arguments recorded. */
async function make(target: string, variables: Record<string, string>): Promise<string[]> {
  const record = path.join(root, `${target}.record`);
  const result = spawnSync("make", ["--no-print-directory", "-o", "node_modules/.package-lock.json", "-o", "dist/meta.json", target, ...Object.entries(variables).map(([name, value]) => `${name}=${value}`)], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH}`, ARGUMENTS_RECORD: record },
  });
  expect(result.status, result.stderr).toBe(0);
  return (await readFile(record, "utf8")).split("\0").slice(0, -1);
}

describe("the Makefile passes values as text, never as commands", () => {
  it("[11.13a] make explain REF='`touch PWNED`x.txt:1' runs nothing and hands the tool the text as it was typed", async () => {
    const ref = `${hostile("REF")}x.txt:1`;
    expect(await make("explain", { REF: ref, OUT: hostile("OUT"), RAW: hostile("RAW") })).toEqual([
      "dist/explain.mjs", "--ref", ref, "--out", hostile("OUT"), "--raw", hostile("RAW"),
    ]);
    expect(await readdir(traps)).toEqual([]);
  });

  it("[11.13b] every target and variable: build-dataset, evaluate, diff, corpus, bench and notebook", async () => {
    const v = hostile;
    expect(await make("build-dataset", { RAW: v("RAW"), OUT: v("OUT"), THREADS: v("THREADS"), CACHE: v("CACHE"), STRICT: "1", DEBUG: v("DEBUG") })).toEqual([
      "dist/run.mjs", "--raw", v("RAW"), "--out", v("OUT"), "--strict", "--threads", v("THREADS"), "--cache", v("CACHE"),
    ]);
    expect(await make("evaluate", { RAW: v("RAW"), GOLD: v("GOLD") })).toEqual(["dist/evaluate.mjs", "--raw", v("RAW"), "--gold", v("GOLD")]);
    expect(await make("evaluate", { RAW: v("RAW"), GOLD: v("GOLD"), FIGURES_ONLY: "1", RECORD: v("RECORD") })).toEqual([
      "dist/evaluate.mjs", "--raw", v("RAW"), "--gold", v("GOLD"), "--figures-only", "--record", v("RECORD"),
    ]);
    expect(await make("diff", { OLD: v("OLD"), NEW: v("NEW"), DIFF_JSON: v("DIFF_JSON"), EXIT_CODE: "1" })).toEqual([
      "dist/diff.mjs", "--old", v("OLD"), "--new", v("NEW"), "--json", v("DIFF_JSON"), "--exit-code",
    ]);
    expect(await make("corpus", { SIZE: v("SIZE"), OUT: v("OUT") })).toEqual(["dist/corpus.mjs", "--size", v("SIZE"), "--out", v("OUT")]);
    expect(await make("corpus", { SIZE: v("SIZE") })).toEqual(["dist/corpus.mjs", "--size", v("SIZE"), "--out", `corpus-${v("SIZE")}`]);
    expect(await make("bench", { SIZES: v("SIZES"), REPEAT: v("REPEAT") })).toEqual(["dist/bench.mjs", "--sizes", v("SIZES"), "--repeat", v("REPEAT")]);
    // The stand-in by its path: the target puts /usr/bin, where Debian's jupyter may be, first on PATH.
    const [out, raw] = await make("notebook", { OUT: v("OUT"), RAW: v("RAW"), JUPYTER: path.join(root, "bin", "jupyter") });
    expect([out, raw]).toEqual([path.resolve(v("OUT")), path.resolve(v("RAW"))]);
    expect(await readdir(traps)).toEqual([]);
    const cluster = { LAUNCHER: v("LAUNCHER"), WORK: v("WORK"), PARTITIONS: v("PARTITIONS"), CPUS_PER_TASK: v("CPUS_PER_TASK"), MEM: v("MEM"), SLURM_PARTITION: v("SLURM_PARTITION"), TIME_LIMIT: v("TIME_LIMIT") };
    expect(await make("build-dataset", cluster)).toEqual([
      "dist/run.mjs", "--raw", "raw", "--out", "out", "--partitions", v("PARTITIONS"), "--launcher", v("LAUNCHER"), "--work", v("WORK"),
      "--cpus-per-task", v("CPUS_PER_TASK"), "--mem", v("MEM"), "--slurm-partition", v("SLURM_PARTITION"), "--time", v("TIME_LIMIT"),
    ]);
    expect(await readdir(traps)).toEqual([]);
    // Defaults still apply when nothing is given.
    expect(await make("build-dataset", {})).toEqual(["dist/run.mjs", "--raw", "raw", "--out", "out"]);
    const notebook = spawnSync("make", ["--no-print-directory", "--dry-run", "notebook"], { encoding: "utf8" });
    expect(notebook.stdout).toMatch(/ 'jupyter' nbconvert --to notebook --execute notebooks\/explore\.ipynb /);
  });
});
