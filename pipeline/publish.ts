import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Builds into a staging folder beside OUT and swaps it in only when everything was
 * written, so a failed or killed build leaves the previous OUT as it was.
 *
 * The swap is two renames (OUT → OUT.previous, staging → OUT). A kill between them
 * leaves OUT.previous complete; the next build puts it back before it starts.
 */
export function publishPaths(outDir: string) {
  const parent = path.dirname(path.resolve(outDir));
  const base = path.basename(path.resolve(outDir));
  return {
    out: path.resolve(outDir),
    staging: path.join(parent, `.${base}.staging`),
    previous: path.join(parent, `.${base}.previous`),
  };
}

export async function prepareStaging(outDir: string): Promise<string> {
  const paths = publishPaths(outDir);
  if (!(await exists(paths.out)) && (await exists(paths.previous))) await rename(paths.previous, paths.out);
  await rm(paths.staging, { recursive: true, force: true });
  await rm(paths.previous, { recursive: true, force: true });
  await mkdir(paths.staging, { recursive: true });
  return paths.staging;
}

export async function swapIntoPlace(outDir: string): Promise<void> {
  const paths = publishPaths(outDir);
  // A committed out/.gitkeep stays, so a build leaves `git status` clean.
  const keep = path.join(paths.out, ".gitkeep");
  if (await exists(keep)) await copyFile(keep, path.join(paths.staging, ".gitkeep"));
  if (await exists(paths.out)) await rename(paths.out, paths.previous);
  await rename(paths.staging, paths.out);
  await rm(paths.previous, { recursive: true, force: true });
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}
