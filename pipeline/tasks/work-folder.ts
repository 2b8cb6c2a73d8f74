import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildWorkSchema, type BuildWork } from "../../schemas/work.js";
import { BUILD_MARKER, BUILD_MARKER_TEXT } from "../places.js";
import { buildPlanSchema, type BuildPlan } from "./plan.js";
import { workFiles, writeWorkFile } from "./work-files.js";

/** Kept when WORK is cleared: the marker, and the tasks' logs of the last launch. */
const KEPT = new Set([BUILD_MARKER, "logs"]);

/**
 * Makes WORK (already checked to be absent, empty or the build's own: places.ts) ready for
 * `build`: when it holds the same build prepared before, it is kept, so that the launch resumes
 * and skips every task with a completion marker; otherwise what a build left there is cleared.
 * Says which.
 */
export async function prepareWorkFolder(work: string, build: BuildWork, plan: BuildPlan): Promise<"resumed" | "new"> {
  await mkdir(work, { recursive: true });
  const previous = await readFile(workFiles.build(work), "utf8").catch(() => null);
  const same = previous !== null && previous === `${JSON.stringify(buildWorkSchema.parse(build))}\n`;
  if (!same) await clearWorkFolder(work);
  await writeFile(path.join(work, BUILD_MARKER), BUILD_MARKER_TEXT);
  await writeWorkFile(workFiles.build(work), buildWorkSchema, build);
  await writeWorkFile(workFiles.plan(work), buildPlanSchema, plan);
  return same ? "resumed" : "new";
}

/** Removes what the build's tasks wrote in WORK, all but the marker and the logs. */
export async function clearWorkFolder(work: string): Promise<void> {
  for (const name of await readdir(work).catch(() => [] as string[])) {
    if (!KEPT.has(name)) await rm(path.join(work, name), { recursive: true, force: true });
  }
}
