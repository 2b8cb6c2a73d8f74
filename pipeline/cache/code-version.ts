import { readFile } from "node:fs/promises";
import path from "node:path";
import { sha256Hex } from "../text.js";

/**
 * A hash of the project files that the module `entry` (relative to `root`) imports, directly
 * or not, each with its path: its import closure as esbuild's metafile lists it. Packages are
 * left out (the lock file stands for them), and so is every file the module does not import,
 * so that editing the report leaves the per-blob analyses cached.
 */
export async function codeVersionOf(root: string, entry: string): Promise<string> {
  // Loaded here, not at the top: the bundles never compute this, and esbuild is a development dependency.
  const { build } = await import("esbuild");
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const files = Object.keys(metafile.inputs).sort();
  const hashes = await Promise.all(files.map(async (file) => `${file}:${sha256Hex(await readFile(path.join(root, file)))}`));
  return sha256Hex(hashes.join("\n"));
}
