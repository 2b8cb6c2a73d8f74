import { copyFile, mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { BUILD_MARKER, BUILD_MARKER_TEXT, GITKEEP, isMarked, type Places } from "../places.js";

/**
 * Builds into a staging folder beside OUT and swaps it in only when everything was
 * written, so a failed or killed build leaves the previous OUT as it was.
 *
 * The swap is two renames (OUT → previous, staging → OUT). A kill between them leaves
 * previous complete; the next build puts it back before it starts. Staging carries the
 * build's marker file from its creation, so OUT and previous carry it too: the build only
 * ever removes or renames folders that have it (pipeline/places.ts checked the rest).
 */
type PublishPlaces = Pick<Places, "out" | "staging" | "previous">;

/** Puts back a previous OUT a killed swap left aside, and removes the staging and previous folders of killed builds. */
export async function clearLeftovers(places: PublishPlaces): Promise<void> {
  if (!(await exists(places.out)) && (await isMarked(places.previous))) await rename(places.previous, places.out);
  for (const leftover of [places.staging, places.previous]) {
    if (await isMarked(leftover)) await rm(leftover, { recursive: true });
  }
}

export async function prepareStaging(places: PublishPlaces): Promise<string> {
  await mkdir(places.staging);
  await markAsBuilt(places.staging);
  return places.staging;
}

/** Removes this build's staging folder after a failure or an interruption. */
export async function discardStaging(places: PublishPlaces): Promise<void> {
  if (await isMarked(places.staging)) await rm(places.staging, { recursive: true, force: true });
}

export async function swapIntoPlace(places: PublishPlaces): Promise<void> {
  const keep = path.join(places.out, GITKEEP);
  if (await exists(keep)) await copyFile(keep, path.join(places.staging, GITKEEP));
  if (await exists(places.out)) {
    // An OUT from before markers existed gets one, so that it is recognised once set aside.
    await markAsBuilt(places.out);
    await rename(places.out, places.previous);
  }
  await rename(places.staging, places.out);
  await rm(places.previous, { recursive: true, force: true });
}

function markAsBuilt(folder: string): Promise<void> {
  return writeFile(path.join(folder, BUILD_MARKER), BUILD_MARKER_TEXT);
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}
