import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { PROJECT_ROOT } from "../pipeline/runtime/bundles.js";
import { bundle } from "../tools/bundle.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The programs bundled from the sources of this test run, as `make` bundles them into dist/ (tests/programs.ts). */
    bundles: string;
  }
}

/**
 * Every temporary folder a test (or a build it runs) makes goes under one folder per test
 * run, removed afterwards, so that test runs leave nothing behind in the system's temp folder.
 * The programs are bundled once for the run, inside the project so that they find its packages.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(path.join(os.tmpdir(), "satc-tests-"));
  process.env.TMPDIR = root;
  const projectRoot = fileURLToPath(PROJECT_ROOT);
  mkdirSync(path.join(projectRoot, "node_modules/.cache"), { recursive: true });
  const bundles = mkdtempSync(path.join(projectRoot, "node_modules/.cache/satc-test-bundles-"));
  await bundle(path.relative(projectRoot, bundles));
  project.provide("bundles", bundles);
  return () => {
    rmSync(bundles, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  };
}
