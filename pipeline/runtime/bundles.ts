import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * What differs between running from source (tsx, vitest) and running the bundles that
 * tools/bundle.ts writes to dist/. esbuild defines BUNDLE in every bundle, as the JSON of a
 * `Bundle`; from source it is not defined. In a bundle each module's `import.meta.url` is
 * still its source file's URL (tools/bundle.ts rewrites it), so paths relative to a module
 * resolve as they do from source.
 */
declare const BUNDLE: string | undefined;

export interface Bundle {
  /** The source module the bundle was made from, relative to the project root. */
  entry: string;
  /** The folder of the bundles, relative to the project root. */
  directory: string;
  /** The code version (codeVersionOf) of each versioned module (tools/bundle.ts VERSIONED), by its path relative to the project root, taken when it was bundled. */
  codeVersions: Record<string, string>;
}

const bundle: Bundle | null = typeof BUNDLE === "undefined" ? null : (JSON.parse(BUNDLE) as Bundle);

/** The repository's root folder. */
export const PROJECT_ROOT = new URL("../../", import.meta.url);

/** The bundle made from `sourcePath` (relative to the project root): `pipeline/run.ts` becomes `run.mjs`. */
export function bundleFileName(sourcePath: string): string {
  return `${sourcePath.split("/").pop()!.replace(/\.ts$/, "")}.mjs`;
}

/** Whether the module at `moduleUrl` is the program that was started (not one imported by it). */
export function isMain(moduleUrl: string): boolean {
  const entry = bundle ? new URL(bundle.entry, PROJECT_ROOT) : pathToFileURL(process.argv[1] ?? "");
  return moduleUrl === entry.href;
}

/**
 * How a new thread or process runs the source module `source` the way this one runs: from
 * a bundle, its bundle; from source, the source with tsx registered (a worker thread does not
 * inherit its parent's loader hooks, and vitest's are not Node's).
 */
export function runnable(source: URL): { file: string; execArgv: string[] } {
  if (bundle) return { file: fileURLToPath(new URL(`${bundle.directory}/${bundleFileName(sourcePathOf(source))}`, PROJECT_ROOT)), execArgv: process.execArgv };
  // `--import tsx` would register tsx's ESM hooks in the main thread only; its API registers them in a worker thread too.
  const registerTsx = `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register();`;
  return { file: fileURLToPath(source), execArgv: ["--import", `data:text/javascript,${encodeURIComponent(registerTsx)}`] };
}

/**
 * The version of the code a module runs (its import closure): taken when it was bundled, or
 * from the sources, once per process (esbuild, a development dependency, is only loaded then).
 */
export async function codeVersion(module: URL): Promise<string> {
  const sourcePath = sourcePathOf(module);
  if (!bundle) {
    const { codeVersionOf } = await import("../cache/code-version.js");
    return (sourceCodeVersions[sourcePath] ??= codeVersionOf(fileURLToPath(PROJECT_ROOT), sourcePath));
  }
  const version = bundle.codeVersions[sourcePath];
  if (version === undefined) throw new Error(`the bundle ${bundleFileName(bundle.entry)} does not know the code version of ${sourcePath}; run make to bundle again`);
  return version;
}

const sourceCodeVersions: Record<string, Promise<string>> = {};

function sourcePathOf(source: URL): string {
  return source.href.slice(PROJECT_ROOT.href.length);
}
