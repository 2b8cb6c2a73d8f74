import { createHash, type Hash } from "node:crypto";
import { lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { threadId } from "node:worker_threads";
import type { AnalyzedOccurrence, BlobAnalysisTrailer } from "./analyze.js";
import { contextOf } from "./blob-context.js";
import { decodeBatch, encodeBatch } from "./cache-frame.js";
import { isAlive } from "./lock.js";
import { sha256Hex } from "./text.js";
import { PipelineError } from "./validate.js";

/**
 * The content-addressed cache of per-blob analyses. An entry's key is the SHA-256 of the
 * blob's bytes together with the analysis version (the code, the language model, the
 * catalog and the Node.js release that produced it), so an entry is valid exactly as long
 * as none of those changed; renaming a blob keeps its entry.
 *
 * An entry is written while its blob is analysed, so that neither side holds a whole blob's
 * analysis: frames (each a 4-byte length and a batch of occurrences in line order, stored
 * column by column: cache-frame.ts), then the trailer (the blob, its line rejects and every
 * paragraph's in-blob context, known only at the end), then a fixed-size footer (a magic tag,
 * where the trailer starts, and the SHA-256 of every byte before it). It is written under a
 * temporary name, synced to disk and renamed when complete, so a build that is killed
 * leaves no half-written entry; an entry whose checksum does not match is never used.
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

  /** Held while a build uses the cache (pipeline/lock.ts). */
  get lockFile(): string {
    return path.join(this.directory, CACHE_LOCK);
  }

  keyOf(blobSha256: string): string {
    return sha256Hex(`${blobSha256}\n${this.analysisVersion}`);
  }

  /** Where the entry with this key lives. */
  entryPath(key: string): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.v8`);
  }

  /**
   * Whether the entry exists and every byte is as written: "valid", "missing", or what is
   * wrong with it. Reads the whole entry once (a SHA-256 pass, far cheaper than analysing).
   */
  async check(key: string): Promise<"valid" | "missing" | { damaged: string }> {
    const file = this.entryPath(key);
    const handle = await open(file, "r").catch(() => null);
    if (!handle) return "missing";
    try {
      const { size } = await handle.stat();
      if (size < FOOTER_BYTES) return { damaged: size === 0 ? "it is empty" : `it has ${size} bytes, fewer than its footer` };
      const footer = await readAt(handle, file, size - FOOTER_BYTES, FOOTER_BYTES);
      if (!footer.subarray(0, MAGIC.length).equals(MAGIC)) return { damaged: "its footer is not a cache footer" };
      const hash = createHash("sha256");
      const chunk = Buffer.alloc(1 << 20);
      for (let position = 0; position < size - DIGEST_BYTES; ) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - DIGEST_BYTES - position), position);
        if (bytesRead === 0) return { damaged: `it ended at byte ${position} while being read` };
        hash.update(chunk.subarray(0, bytesRead));
        position += bytesRead;
      }
      return hash.digest().equals(footer.subarray(FOOTER_BYTES - DIGEST_BYTES)) ? "valid" : { damaged: "its checksum does not match its bytes" };
    } finally {
      await handle.close();
    }
  }

  /** Deletes one entry (a damaged one, before it is written again). */
  async drop(key: string): Promise<void> {
    await rm(this.entryPath(key), { force: true });
  }

  /** An entry's blob and line rejects at once (from its trailer), its occurrences batch by batch. */
  async open(key: string): Promise<CachedAnalysis> {
    const file = this.entryPath(key);
    const handle = await open(file, "r");
    let trailerStart: number;
    let trailer: BlobAnalysisTrailer;
    try {
      const { size } = await handle.stat();
      const footer = await readAt(handle, file, Math.max(0, size - FOOTER_BYTES), Math.min(size, FOOTER_BYTES));
      if (footer.length < FOOTER_BYTES || !footer.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw new Error(`cache entry ${file} has no valid footer; was it changed during the build? Build again.`);
      }
      trailerStart = Number(footer.readBigUInt64LE(MAGIC.length));
      trailer = deserialize(await readAt(handle, file, trailerStart, size - FOOTER_BYTES - trailerStart)) as BlobAnalysisTrailer;
    } finally {
      await handle.close();
    }
    return {
      blob: trailer.blob,
      lineRejects: trailer.lineRejects,
      async *batches() {
        let ordinal = 0;
        for await (const frame of readFrames(file, trailerStart)) {
          const batch = decodeBatch(frame);
          for (const { paragraph } of batch) if (paragraph) paragraph.context = contextOf(trailer.context, ordinal++);
          yield batch;
        }
      },
    };
  }

  /** A new entry, filled batch by batch; it exists under `key` only once committed. */
  async create(key: string): Promise<CacheEntryWriter> {
    const finalPath = this.entryPath(key);
    await mkdir(path.dirname(finalPath), { recursive: true });
    const temporaryPath = `${finalPath}.${process.pid}-${threadId}.tmp`;
    return new CacheEntryWriter(await open(temporaryPath, "w"), temporaryPath, finalPath);
  }

  /** Removes every entry the last build did not use, so the cache holds one build's worth; only entries, by name. */
  async keepOnly(keys: ReadonlySet<string>): Promise<void> {
    for (const shard of await this.shards()) {
      const names = await readdir(path.join(this.directory, shard));
      const unused = names.filter((name) => ENTRY_NAME.test(name) && !keys.has(name.slice(0, -".v8".length)));
      for (const name of unused) await rm(path.join(this.directory, shard, name), { force: true });
      if (unused.length === names.length) await rmdir(path.join(this.directory, shard)).catch(() => {});
    }
  }

  /** Removes half-written entries of processes that are gone, or of this one (whose workers have stopped). */
  async clearTemporaryEntries(): Promise<void> {
    for (const shard of await this.shards()) {
      for (const name of await readdir(path.join(this.directory, shard))) {
        const writer = TEMPORARY_NAME.exec(name);
        if (writer && (Number(writer[1]) === process.pid || !isAlive(Number(writer[1])))) await rm(path.join(this.directory, shard, name), { force: true });
      }
    }
  }

  private async shards(): Promise<string[]> {
    return (await readdir(this.directory).catch(() => [] as string[])).filter((name) => SHARD_NAME.test(name));
  }
}

export interface CachedAnalysis extends Omit<BlobAnalysisTrailer, "context"> {
  /** The occurrences in line order; each paragraph's `context` is filled in from the trailer. */
  batches(): AsyncGenerator<AnalyzedOccurrence[]>;
}

/** The cache folder's tag (the CACHEDIR.TAG convention, which backup tools honour). */
export const CACHE_TAG = "CACHEDIR.TAG";
const CACHE_TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# The satc-episode-dataset build's cache of per-blob analyses; the build made this folder and may delete anything in it.\n";
const CACHE_LOCK = "build.lock";
const SHARD_NAME = /^[0-9a-f]{2}$/;
const ENTRY_NAME = /^[0-9a-f]{64}\.v8$/;
const TEMPORARY_NAME = /^[0-9a-f]{64}\.v8\.(\d+)-\d+\.tmp$/;

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

const MAGIC = Buffer.from("satc-an2", "latin1");
const DIGEST_BYTES = 32;
const FOOTER_BYTES = MAGIC.length + 8 + DIGEST_BYTES;
const FRAME_HEADER_BYTES = 4;

export class CacheEntryWriter {
  private position = 0;
  private readonly hash: Hash = createHash("sha256");

  constructor(
    private readonly handle: FileHandle,
    private readonly temporaryPath: string,
    private readonly finalPath: string,
  ) {}

  async append(batch: AnalyzedOccurrence[]): Promise<void> {
    const frame = encodeBatch(batch);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt32LE(frame.length); // throws for a frame of 4 GiB or more; batches are bounded far below
    await this.write([header, frame]);
  }

  /** Writes the trailer and footer, syncs the entry to disk and gives it its name. */
  async commit(trailer: BlobAnalysisTrailer): Promise<void> {
    const trailerStart = this.position;
    await this.write([serialize(trailer)]);
    const footer = Buffer.alloc(FOOTER_BYTES - DIGEST_BYTES);
    MAGIC.copy(footer);
    footer.writeBigUInt64LE(BigInt(trailerStart), MAGIC.length);
    await this.write([footer]);
    await this.write([this.hash.digest()], { hashed: false });
    await this.handle.sync();
    await this.handle.close();
    await rename(this.temporaryPath, this.finalPath);
    await syncFolder(path.dirname(this.finalPath));
  }

  /** Drops an entry that could not be completed. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.temporaryPath, { force: true });
  }

  private async write(buffers: Buffer[], { hashed } = { hashed: true }): Promise<void> {
    const length = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    const { bytesWritten } = await this.handle.writev(buffers).catch((error: NodeJS.ErrnoException) => {
      throw Object.assign(error, { path: error.path ?? this.temporaryPath });
    });
    if (bytesWritten !== length) throw new Error(`cache entry ${this.temporaryPath}: wrote ${bytesWritten} of ${length} bytes; is the disk full?`);
    if (hashed) for (const buffer of buffers) this.hash.update(buffer);
    this.position += bytesWritten;
  }
}

/** Makes a rename in `folder` durable (the entry's own bytes were synced before). */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The frames before `end`, one at a time: a reader holds one batch's bytes, not the entry's. */
async function* readFrames(file: string, end: number): AsyncGenerator<Buffer> {
  const handle = await open(file, "r");
  try {
    for (let position = 0; position < end; ) {
      const length = (await readAt(handle, file, position, FRAME_HEADER_BYTES)).readUInt32LE(0);
      yield await readAt(handle, file, position + FRAME_HEADER_BYTES, length);
      position += FRAME_HEADER_BYTES + length;
    }
  } finally {
    await handle.close();
  }
}

async function readAt(handle: FileHandle, file: string, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error(`cache entry ${file} is truncated at byte ${position + bytesRead}; was it changed during the build? Build again.`);
  return buffer;
}

/** Hash of everything that decides an analysis besides the blob itself; `code` is the version of the worker's code (pipeline/code-version.ts). */
export async function analysisVersionOf(parts: { code: string; lockFile: string; languageModel: string; catalog: string }): Promise<string> {
  const hashed = [parts.code, parts.languageModel, parts.catalog, process.version, sha256Hex(await readFile(parts.lockFile))];
  return sha256Hex(hashed.join("\n")).slice(0, 16);
}
