import { lstat, readdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { manifestSchema } from "../schemas/manifest.js";
import { PipelineError } from "./validate.js";

/**
 * Where a build reads and writes, resolved through `..` and symbolic links, and the rules
 * that keep it from writing anywhere it does not own (docs/safety.md):
 *
 * - RAW, OUT and CACHE are three separate folders, none equal to or inside another;
 * - OUT is absent, empty (or only `.gitkeep`), or a previous build, recognised by its
 *   manifest, holding nothing the manifest does not list;
 * - the staging and previous folders beside OUT, and the cache, carry a marker file the
 *   build wrote when it made them; without one they are someone else's and are refused.
 */
export interface Places {
  raw: string;
  /** A symlinked OUT is followed: this is its target, which the build replaces. */
  out: string;
  cache: string;
  staging: string;
  previous: string;
  /** Held while a build writes OUT (pipeline/runtime/lock.ts). */
  lock: string;
  /** The folder the build's tasks share (WORK); null: a scratch folder of the build's own. */
  work: string | null;
}

/** The file in every folder the build made for itself (staging, hence OUT and previous). */
export const BUILD_MARKER = ".satc-build";
export const BUILD_MARKER_TEXT = "This folder was written by the satc-episode-dataset build (make build-dataset), which may replace or delete it.\n";
/** Kept in OUT across builds, so that a committed out/.gitkeep leaves `git status` clean. */
export const GITKEEP = ".gitkeep";

export async function resolvePlaces(options: { rawDir: string; outDir: string; cacheDir?: string | undefined; workDir?: string | undefined }): Promise<Places> {
  const raw = await existingFolder("RAW", options.rawDir, "pass RAW=<the folder that holds the text blobs>");
  const out = await outputFolder("OUT", options.outDir);
  const parent = path.dirname(out);
  const cache = options.cacheDir === undefined ? path.join(parent, `.${path.basename(out)}.cache`) : await outputFolder("CACHE", options.cacheDir);
  refuseOverlap(["RAW", options.rawDir, raw], ["OUT", options.outDir, out]);
  refuseOverlap(["RAW", options.rawDir, raw], ["CACHE", options.cacheDir ?? cache, cache]);
  refuseOverlap(["OUT", options.outDir, out], ["CACHE", options.cacheDir ?? cache, cache]);
  const work = options.workDir === undefined ? null : await outputFolder("WORK", options.workDir);
  if (work !== null) {
    for (const other of [["RAW", options.rawDir, raw], ["OUT", options.outDir, out], ["CACHE", options.cacheDir ?? cache, cache]] as const) refuseOverlap(["WORK", options.workDir!, work], other);
  }
  const beside = (suffix: string) => path.join(parent, `.${path.basename(out)}.${suffix}`);
  return { raw, out, cache, staging: beside("staging"), previous: beside("previous"), lock: beside("lock"), work };
}

/**
 * Refuses, before anything is touched, an OUT the build would destroy someone's files by
 * replacing, and staging or previous folders beside it that the build did not make.
 */
export async function checkOwnership(places: Places, outDir: string): Promise<void> {
  await checkOutHoldsOnlyABuild(places.out, outDir);
  if (places.work !== null && (await readdir(places.work).catch(() => [])).length > 0 && !(await isMarked(places.work))) {
    throw new PipelineError(
      `WORK ${places.work} holds files but was not made by a build (no ${BUILD_MARKER} in it), and a build clears what it left in WORK; ` +
        "choose an empty or new folder for WORK. Nothing was changed.",
    );
  }
  for (const [folder, role] of [
    [places.staging, "staging folder"],
    [places.previous, "previous-build folder"],
  ] as const) {
    if ((await lstat(folder).catch(() => null)) && !(await isMarked(folder))) {
      throw new PipelineError(
        `${folder} is in the place of the build's ${role} beside OUT but was not made by the build (no ${BUILD_MARKER} in it); ` +
          "move it elsewhere or choose another OUT. Nothing was changed.",
      );
    }
  }
}

/** True when `folder` is a real folder (not a link) holding the build's marker file. */
export async function isMarked(folder: string): Promise<boolean> {
  const stats = await lstat(folder).catch(() => null);
  if (!stats?.isDirectory()) return false;
  return (await readFile(path.join(folder, BUILD_MARKER), "utf8").catch(() => null)) === BUILD_MARKER_TEXT;
}

async function checkOutHoldsOnlyABuild(out: string, outDir: string): Promise<void> {
  const names = await readdir(out).catch(() => null);
  if (names === null || names.every((name) => name === GITKEEP)) return;
  const manifestText = await readFile(path.join(out, "manifest.json"), "utf8").catch(() => null);
  const manifest = manifestText === null ? null : manifestSchema.safeParse(safeJson(manifestText));
  if (!manifest?.success) {
    throw new PipelineError(
      `OUT ${outDir} holds files (${listed(names)}) but no manifest.json of a build, and a build replaces OUT whole; ` +
        "choose an empty or new folder for OUT. Nothing was changed.",
    );
  }
  const built = new Set([...manifest.data.outputs.map((output) => output.path), "manifest.json", GITKEEP, BUILD_MARKER]);
  const foreign = names.filter((name) => !built.has(name));
  if (foreign.length > 0) {
    throw new PipelineError(
      `OUT ${outDir} is a previous build but also holds ${listed(foreign)}, which no build wrote and a build would delete; ` +
        "move them out of OUT, then build again. Nothing was changed.",
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const listed = (names: string[]) => [...names].sort().slice(0, 3).join(", ") + (names.length > 3 ? ` and ${names.length - 3} more` : "");

/** An existing folder, as its real path. */
async function existingFolder(role: string, given: string, whatToDo: string): Promise<string> {
  if (given.trim() === "") throw new PipelineError(`${role} is empty (an unset variable?); ${whatToDo}.`);
  const stats = await stat(given).catch((error: NodeJS.ErrnoException) => error);
  if (stats instanceof Error) throw new PipelineError(`${role} ${given} ${stats.code === "ENOENT" ? "does not exist" : `cannot be read (${stats.code})`}; ${whatToDo}.`);
  if (!stats.isDirectory()) throw new PipelineError(`${role} ${given} is a file, not a folder; ${whatToDo}.`);
  return realpath(given);
}

/**
 * A folder the build writes, as its real path when it exists (a link to a folder is
 * followed) or as its real parent and its name when it does not; its parent must exist.
 */
async function outputFolder(role: string, given: string): Promise<string> {
  const purpose = { OUT: "outputs", CACHE: "cache", WORK: "tasks' shared files" }[role] ?? role;
  const whatToDo = `pass ${role}=<a folder for the build's ${purpose}>`;
  if (given.trim() === "") throw new PipelineError(`${role} is empty (an unset variable?); ${whatToDo}.`);
  const link = await lstat(given).catch(() => null);
  if (link) {
    const stats = await stat(given).catch(() => null);
    if (!stats) throw new PipelineError(`${role} ${given} is a symbolic link to ${await readlink(given).catch(() => "a missing target")}, which does not exist; create that folder or remove the link.`);
    if (!stats.isDirectory()) throw new PipelineError(`${role} ${given} is a file, not a folder, and the build never replaces a file; ${whatToDo}.`);
    return realpath(given);
  }
  const parent = path.dirname(given);
  const parentStats = await stat(parent).catch(() => null);
  if (!parentStats?.isDirectory()) {
    throw new PipelineError(`${role} ${given} cannot be made: the folder ${parent} does not exist; create it first (mkdir -p ${parent}) or ${whatToDo}.`);
  }
  return path.join(await realpath(parent), path.basename(given));
}

type Named = readonly [role: string, given: string, resolved: string];

function refuseOverlap([roleA, givenA, a]: Named, [roleB, givenB, b]: Named): void {
  const inside = (inner: string, outer: string) => inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
  const relation = a === b ? "is the same folder as" : inside(a, b) ? "is inside" : inside(b, a) ? "contains" : null;
  if (relation === null) return;
  throw new PipelineError(
    `${roleA} ${givenA} ${relation} ${roleB} ${givenB} (${a} and ${b}); RAW, OUT, CACHE and WORK must be separate folders, none inside another, ` +
      "or a build would read its own outputs or delete its inputs. Choose other folders. Nothing was changed.",
  );
}
