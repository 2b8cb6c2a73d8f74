import { lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { threadId } from "node:worker_threads";
import { shardRecordSchema, shardRowSchema, type ShardRecord, type ShardRow } from "../../schemas/shard.js";
import { isAlive } from "../runtime/lock.js";
import { sha256Hex, sha256OfFile } from "../text.js";
import { PipelineError } from "../validate.js";
import { openTableWriter, type TableWriter } from "../output/write.js";

/**
 * The content-addressed cache of per-blob analyses. An entry's key is the SHA-256 of the
 * blob's bytes together with the analysis version (the code, the language model, the
 * catalog and the Node.js release that produced it), so an entry is valid exactly as long
 * as none of those changed; renaming a blob keeps its entry.
 *
 * An entry is two files: `<key>.parquet`, the blob's rows (schemas/shard.ts), written batch by
 * batch while the blob is analysed, which anyone can open with DuckDB, pandas or Arrow; and
 * `<key>.json`, its commit record (the blob, its line rejects, the row count and the SHA-256
 * of the Parquet file), written last. Both are written under temporary names, synced to disk
 * and renamed when complete, so a killed build leaves no half-written entry; an entry whose
 * Parquet file does not match its record is never used.
 *
 * The folder is the cache's alone: the build makes it with a CACHEDIR.TAG in it, refuses a
 * folder without one that holds anything, and refuses one holding anything but entries, so
 * that pruning can never delete a file of somebody else's.
 */
export class AnalysisCache {
  constructor(
    readonly directory: string,
    readonly analysisVersion: string,
  ) {}

  /** The cache in `directory`, made (with its tag) when absent; a folder that is not a cache is refused. */
  static async openFolder(directory: string, analysisVersion: string): Promise<AnalysisCache> {
    const stats = await lstat(directory).catch(() => null);
    if (stats && !stats.isDirectory()) throw new PipelineError(`CACHE ${directory} is not a folder; remove it or pass another CACHE=<folder>. Nothing was changed.`);
    const names = stats ? await readdir(directory) : null;
    if (names === null) await mkdir(directory);
    if (names === null || names.length === 0) await writeFile(path.join(directory, CACHE_TAG), CACHE_TAG_TEXT);
    else if (!names.includes(CACHE_TAG)) {
      throw new PipelineError(
        `CACHE ${directory} is not empty and was not made by the build (no ${CACHE_TAG} in it); the cache deletes what it no longer needs, ` +
          "so it lives in a folder of its own: pass an empty or new folder as CACHE (a cache from before this check can be deleted). Nothing was changed.",
      );
    } else {
      const foreign = await firstForeignFile(directory, names);
      if (foreign) throw new PipelineError(`CACHE ${directory} holds ${foreign}, which is not a cache entry; move it elsewhere or pass another CACHE. Nothing was changed.`);
    }
    return new AnalysisCache(directory, analysisVersion);
  }

  /** Held while a build uses the cache (pipeline/runtime/lock.ts). */
  get lockFile(): string {
    return path.join(this.directory, CACHE_LOCK);
  }

  keyOf(blobSha256: string): string {
    return sha256Hex(`${blobSha256}\n${this.analysisVersion}`);
  }

  /** The entry's Parquet file: its rows. */
  entryPath(key: string): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.parquet`);
  }

  /** The entry's commit record. */
  recordPath(key: string): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.json`);
  }

  /**
   * Whether the entry exists and is as written: "valid", "missing", or what is wrong with it.
   * Reads the whole Parquet file once (a SHA-256 pass, far cheaper than analysing).
   */
  async check(key: string): Promise<"valid" | "missing" | { damaged: string }> {
    const text = await readFile(this.recordPath(key), "utf8").catch(() => null);
    if (text === null) return "missing";
    const record = parseRecord(text);
    if (!record) return { damaged: "its record is not a cache record" };
    const sha256 = await sha256OfFile(this.entryPath(key)).catch(() => null);
    if (sha256 === null) return { damaged: "its Parquet file is missing" };
    return sha256 === record.parquetSha256 ? "valid" : { damaged: "its Parquet file does not match its checksum" };
  }

  /** Deletes one entry (a damaged one, before it is written again). */
  async drop(key: string): Promise<void> {
    await rm(this.recordPath(key), { force: true });
    await rm(this.entryPath(key), { force: true });
  }

  /** An entry's record (the blob and its line rejects) and where its rows are. */
  async open(key: string): Promise<CachedAnalysis> {
    const file = this.recordPath(key);
    const record = parseRecord(await readFile(file, "utf8"));
    if (!record) throw new Error(`cache entry ${file} is not a cache record; was it changed during the build? Build again.`);
    return { ...record, parquetPath: this.entryPath(key) };
  }

  /** A new entry, filled batch by batch; it exists under `key` only once committed. */
  async create(key: string): Promise<CacheEntryWriter> {
    const folder = path.dirname(this.entryPath(key));
    await mkdir(folder, { recursive: true });
    const temporaryName = `${key}.${process.pid}-${threadId}.tmp`;
    const rows = await openTableWriter<ShardRow>(shardRowSchema, folder, temporaryName, ["parquet"]);
    return new CacheEntryWriter(rows, folder, temporaryName, key);
  }

  /** Removes every entry the last build did not use, so the cache holds one build's worth; only entries, by name. */
  async keepOnly(keys: ReadonlySet<string>): Promise<void> {
    for (const shard of await this.shards()) {
      const names = await readdir(path.join(this.directory, shard));
      const unused = names.filter((name) => ENTRY_NAME.test(name) && !keys.has(name.slice(0, 64)));
      for (const name of unused) await rm(path.join(this.directory, shard, name), { force: true });
      if (unused.length === names.length) await rmdir(path.join(this.directory, shard)).catch(() => {});
    }
  }

  /**
   * Removes half-written entries of this process (whose workers have stopped), and with
   * `"own-and-dead"` those of processes that are gone too: only where no other machine's tasks
   * may be writing (the pids are this machine's), that is when the build starts.
   */
  async clearTemporaryEntries(scope: "own" | "own-and-dead"): Promise<void> {
    for (const shard of await this.shards()) {
      for (const name of await readdir(path.join(this.directory, shard))) {
        const writer = TEMPORARY_NAME.exec(name);
        const pid = Number(writer?.[1]);
        if (writer && (pid === process.pid || (scope === "own-and-dead" && !isAlive(pid)))) await rm(path.join(this.directory, shard, name), { force: true });
      }
    }
  }

  private async shards(): Promise<string[]> {
    return (await readdir(this.directory).catch(() => [] as string[])).filter((name) => SHARD_NAME.test(name));
  }
}

export interface CachedAnalysis extends Omit<ShardRecord, "parquetSha256"> {
  /** The blob's rows, one per occurrence in line order (schemas/shard.ts). */
  parquetPath: string;
}

function parseRecord(text: string): ShardRecord | null {
  try {
    const parsed = shardRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The cache folder's tag (the CACHEDIR.TAG convention, which backup tools honour). */
export const CACHE_TAG = "CACHEDIR.TAG";
const CACHE_TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# The satc-episode-dataset build's cache of per-blob analyses; the build made this folder and may delete anything in it.\n";
const CACHE_LOCK = "build.lock";
const SHARD_NAME = /^[0-9a-f]{2}$/;
const ENTRY_NAME = /^[0-9a-f]{64}\.(parquet|json)$/;
const TEMPORARY_NAME = /^[0-9a-f]{64}\.(\d+)-\d+\.tmp\.(parquet|json)$/;

/** The first file or folder in the cache folder that its layout does not explain, as a path; null when there is none. */
async function firstForeignFile(directory: string, names: string[]): Promise<string | null> {
  for (const name of names.sort()) {
    const stats = await lstat(path.join(directory, name));
    if ((name === CACHE_TAG || /^build\.lock(\.stale-\d+)?$/.test(name)) && stats.isFile()) continue;
    if (!SHARD_NAME.test(name) || !stats.isDirectory()) return path.join(directory, name);
    for (const entry of (await readdir(path.join(directory, name))).sort()) {
      const entryStats = await lstat(path.join(directory, name, entry));
      if (!(ENTRY_NAME.test(entry) || TEMPORARY_NAME.test(entry)) || !entryStats.isFile()) return path.join(directory, name, entry);
    }
  }
  return null;
}

export class CacheEntryWriter {
  constructor(
    private readonly rows: TableWriter<ShardRow>,
    private readonly folder: string,
    private readonly temporaryName: string,
    private readonly key: string,
  ) {}

  append(batch: ShardRow[]): Promise<void> {
    return this.rows.write(batch);
  }

  /** Finishes the Parquet file, writes the commit record, syncs both to disk and gives them their names. */
  async commit(analysis: Omit<ShardRecord, "rows" | "parquetSha256">): Promise<void> {
    const [written] = await this.rows.close();
    const temporaryParquet = path.join(this.folder, `${this.temporaryName}.parquet`);
    const record: ShardRecord = { ...analysis, rows: written!.rows, parquetSha256: written!.sha256 };
    const temporaryRecord = path.join(this.folder, `${this.temporaryName}.json`);
    await writeFile(temporaryRecord, JSON.stringify(record));
    await syncFile(temporaryParquet);
    await syncFile(temporaryRecord);
    // The record last: an entry without one is not there.
    await rename(temporaryParquet, path.join(this.folder, `${this.key}.parquet`));
    await rename(temporaryRecord, path.join(this.folder, `${this.key}.json`));
    await syncFile(this.folder);
  }

  /** Drops an entry that could not be completed. */
  async discard(): Promise<void> {
    await this.rows.abort();
    for (const extension of ["parquet", "json"]) await rm(path.join(this.folder, `${this.temporaryName}.${extension}`), { force: true });
  }
}

/** Makes a file's bytes, or a rename in a folder, durable. */
async function syncFile(file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hash of everything that decides an analysis besides the blob itself; `code` is the version of the worker's code (pipeline/cache/code-version.ts). */
export async function analysisVersionOf(parts: { code: string; lockFile: string; languageModel: string; catalog: string }): Promise<string> {
  const hashed = [parts.code, parts.languageModel, parts.catalog, process.version, sha256Hex(await readFile(parts.lockFile))];
  return sha256Hex(hashed.join("\n")).slice(0, 16);
}
