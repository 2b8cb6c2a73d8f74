import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { codeVersionOf } from "../pipeline/cache/code-version.js";
import { bundleFileName, isMain, PROJECT_ROOT, type Bundle } from "../pipeline/runtime/bundles.js";

/** The programs that `make` runs, and the worker modules they start (relative to the project root). */
export const PROGRAMS = ["pipeline/run.ts", "pipeline/tasks/task.ts", "tools/evaluate.ts", "tools/explain.ts", "tools/diff.ts", "tools/data-dictionary.ts", "tools/corpus.ts", "tools/bench.ts"];
export const WORKERS = ["pipeline/analyze/blob-worker.ts"];
/** The modules whose code version a build records: the blob worker's keys the cache, the task entry's (every stage) the build key. */
export const VERSIONED = [...WORKERS, "pipeline/tasks/task.ts"];

/**
 * Compiles each program and worker into one ESM file in `directory` (relative to the project
 * root, `dist` for `make`), so that they start without compiling TypeScript. Packages stay in
 * node_modules: fasttext.wasm.js and parquet-wasm find their files relative to themselves,
 * and piscina starts its workers from its own folder. Writes `meta.json` last (esbuild's
 * metafiles: what went into each bundle), which `make` takes as the sign that the bundles are done.
 */
export async function bundle(directory: string): Promise<void> {
  const root = fileURLToPath(PROJECT_ROOT);
  const outDirectory = path.join(root, directory);
  const codeVersions = Object.fromEntries(await Promise.all(VERSIONED.map(async (module) => [module, await codeVersionOf(root, module)])));
  const metafiles = await Promise.all(
    [...PROGRAMS, ...WORKERS].map(async (entry) => {
      const facts: Bundle = { entry, directory: directory.split(path.sep).join("/"), codeVersions };
      const { metafile } = await build({
        absWorkingDir: root,
        entryPoints: [entry],
        outfile: path.join(outDirectory, bundleFileName(entry)),
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        packages: "external",
        define: { BUNDLE: JSON.stringify(JSON.stringify(facts)) },
        plugins: [sourceUrls(outDirectory)],
        metafile: true,
        logLevel: "warning",
      });
      return metafile;
    }),
  );
  const merged: Metafile = { inputs: {}, outputs: {} };
  for (const { inputs, outputs } of metafiles) {
    Object.assign(merged.inputs, inputs);
    Object.assign(merged.outputs, outputs);
  }
  await writeFile(path.join(outDirectory, "meta.json"), `${JSON.stringify(merged, null, 1)}\n`);
}

/**
 * Every module of the project keeps its source file's URL as `import.meta.url` (resolved
 * from the bundle's own URL, so the bundles work wherever the checkout is): paths relative
 * to a module (the catalog, the calibration) resolve as they do from source, and each
 * module's `isMain` check still tells the program from what it imports.
 */
function sourceUrls(outDirectory: string): Plugin {
  return {
    name: "source-urls",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
        const fromBundle = path.relative(outDirectory, file).split(path.sep).join("/");
        const source = await readFile(file, "utf8");
        return { contents: source.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: "ts" };
      });
    },
  };
}

if (isMain(import.meta.url)) await bundle(process.argv[2] ?? "dist");
