import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptionsWithStringEncoding } from "node:child_process";
import path from "node:path";
import { inject } from "vitest";

/**
 * The programs as `make` runs them (pipeline/run.ts as run.mjs, tools/diff.ts as diff.mjs, …),
 * bundled from this test run's sources (tests/global-setup.ts): they start without compiling
 * TypeScript, and their worker threads too, in a fraction of the time tsx takes.
 */
const program = (name: string) => path.join(inject("bundles"), name);

/** Starts a program in its own process, so that signals reach the program itself, not a wrapper. */
export const startProgram = (name: string, args: string[], options: SpawnOptions = {}) => spawn(process.execPath, [program(name), ...args], options);

/** Runs a program to its end. */
export const runProgram = (name: string, args: string[], options: Omit<SpawnSyncOptionsWithStringEncoding, "encoding"> = {}) =>
  spawnSync(process.execPath, [program(name), ...args], { encoding: "utf8", ...options });
