import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { threadId } from "node:worker_threads";
import type { AnalyzedOccurrence, BlobAnalysis } from "./analyze.js";
import { sha256Hex } from "./text.js";

/**
 * The content-addressed cache of per-blob analyses. An entry's key is the SHA-256 of the
 * blob's bytes together with the analysis version (the code, the language model, the
 * catalog and the Node.js release that produced it), so an entry is valid exactly as long
 * as none of those changed; renaming a blob keeps its entry. Entries are V8-serialised
 * (fast, keeps typed arrays) and written under a temporary name, then renamed, so a build
 * that is killed leaves no half-written entry.
 */
export class AnalysisCache {
  constructor(
    readonly directory: string,
    readonly analysisVersion: string,
  ) {}

  keyOf(blobSha256: string): string {
    return sha256Hex(`${blobSha256}\n${this.analysisVersion}`);
  }

  private pathOf(key: string): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.v8`);
  }

  async has(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      (stats) => stats.isFile(),
      () => false,
    );
  }

  /** An entry's blob and line rejects at once, its occurrences batch by batch (in line order). */
  async open(key: string): Promise<CachedAnalysis> {
    const { blob, lineRejects, occurrences } = deserialize(await readFile(this.pathOf(key))) as BlobAnalysis;
    return {
      blob,
      lineRejects,
      async *batches() {
        yield occurrences;
      },
    };
  }

  async write(key: string, analysis: BlobAnalysis): Promise<void> {
    const finalPath = this.pathOf(key);
    await mkdir(path.dirname(finalPath), { recursive: true });
    const temporaryPath = `${finalPath}.${process.pid}-${threadId}.tmp`;
    await writeFile(temporaryPath, serialize(analysis));
    await rename(temporaryPath, finalPath);
  }

  /** Removes every entry the last build did not use, so the cache holds one build's worth. */
  async keepOnly(keys: ReadonlySet<string>): Promise<void> {
    const shards = await readdir(this.directory).catch(() => [] as string[]);
    for (const shard of shards) {
      const names = await readdir(path.join(this.directory, shard)).catch(() => [] as string[]);
      const unused = names.filter((name) => !keys.has(name.replace(/\.v8$/, "")));
      for (const name of unused) await rm(path.join(this.directory, shard, name), { force: true });
      if (unused.length === names.length) await rm(path.join(this.directory, shard), { recursive: true, force: true });
    }
  }
}

export interface CachedAnalysis extends Omit<BlobAnalysis, "occurrences"> {
  batches(): AsyncGenerator<AnalyzedOccurrence[]>;
}

/** Hash of everything that decides an analysis besides the blob itself. */
export async function analysisVersionOf(parts: { sourceDirectories: string[]; lockFile: string; languageModel: string; catalog: string }): Promise<string> {
  const hashed: string[] = [parts.languageModel, parts.catalog, process.version];
  for (const directory of parts.sourceDirectories) {
    for (const name of (await readdir(directory)).filter((file) => /\.(ts|mjs)$/.test(file)).sort()) {
      hashed.push(`${name}:${sha256Hex(await readFile(path.join(directory, name)))}`);
    }
  }
  hashed.push(sha256Hex(await readFile(parts.lockFile)));
  return sha256Hex(hashed.join("\n")).slice(0, 16);
}
