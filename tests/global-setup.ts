import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Every temporary folder a test (or a build it runs) makes goes under one folder per test
 * run, removed afterwards, so that test runs leave nothing behind in the system's temp folder.
 */
export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), "satc-tests-"));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
