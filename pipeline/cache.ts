import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { threadId } from "node:worker_threads";
import type { AnalyzedOccurrence, BlobAnalysisTrailer } from "./analyze.js";
import { contextOf } from "./blob-context.js";
import { decodeBatch, encodeBatch } from "./cache-frame.js";
import { sha256Hex } from "./text.js";

/**
 * The content-addressed cache of per-blob analyses. An entry's key is the SHA-256 of the
 * blob's bytes together with the analysis version (the code, the language model, the
 * catalog and the Node.js release that produced it), so an entry is valid exactly as long
 * as none of those changed; renaming a blob keeps its entry.
 *
 * An entry is written while its blob is analysed, so that neither side holds a whole blob's
 * analysis: frames (each a 4-byte length and a batch of occurrences in line order, stored
 * column by column: cache-frame.ts), then the trailer (the blob, its line rejects and every
 * paragraph's in-blob context, known only at the end), then a fixed-size footer (a magic tag and where the trailer
 * starts). It is written under a temporary name and renamed when complete, so a build that
 * is killed leaves no half-written entry.
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

  /** An entry's blob and line rejects at once (from its trailer), its occurrences batch by batch. */
  async open(key: string): Promise<CachedAnalysis> {
    const file = this.pathOf(key);
    const handle = await open(file, "r");
    let trailerStart: number;
    let trailer: BlobAnalysisTrailer;
    try {
      const { size } = await handle.stat();
      const footer = await readAt(handle, file, Math.max(0, size - FOOTER_BYTES), Math.min(size, FOOTER_BYTES));
      if (footer.length < FOOTER_BYTES || !footer.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw new Error(`cache entry ${file} has no valid footer; delete the cache folder ${this.directory} and build again.`);
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
    const finalPath = this.pathOf(key);
    await mkdir(path.dirname(finalPath), { recursive: true });
    const temporaryPath = `${finalPath}.${process.pid}-${threadId}.tmp`;
    return new CacheEntryWriter(await open(temporaryPath, "w"), temporaryPath, finalPath);
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

export interface CachedAnalysis extends Omit<BlobAnalysisTrailer, "context"> {
  /** The occurrences in line order; each paragraph's `context` is filled in from the trailer. */
  batches(): AsyncGenerator<AnalyzedOccurrence[]>;
}

const MAGIC = Buffer.from("satc-an1", "latin1");
const FOOTER_BYTES = MAGIC.length + 8;
const FRAME_HEADER_BYTES = 4;

export class CacheEntryWriter {
  private position = 0;

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

  async commit(trailer: BlobAnalysisTrailer): Promise<void> {
    const footer = Buffer.alloc(FOOTER_BYTES);
    MAGIC.copy(footer);
    footer.writeBigUInt64LE(BigInt(this.position), MAGIC.length);
    await this.write([serialize(trailer), footer]);
    await this.handle.close();
    await rename(this.temporaryPath, this.finalPath);
  }

  /** Drops an entry that could not be completed. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.temporaryPath, { force: true });
  }

  private async write(buffers: Buffer[]): Promise<void> {
    const length = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    const { bytesWritten } = await this.handle.writev(buffers);
    if (bytesWritten !== length) throw new Error(`cache entry ${this.temporaryPath}: wrote ${bytesWritten} of ${length} bytes; is the disk full?`);
    this.position += bytesWritten;
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
  if (bytesRead !== length) throw new Error(`cache entry ${file} is truncated at byte ${position + bytesRead}; delete it and build again.`);
  return buffer;
}

/** Hash of everything that decides an analysis besides the blob itself. */
export async function analysisVersionOf(parts: { sourceDirectories: string[]; lockFile: string; languageModel: string; catalog: string }): Promise<string> {
  const hashed: string[] = [parts.languageModel, parts.catalog, process.version];
  for (const directory of parts.sourceDirectories) {
    // Subfolders too, and data the code reads (the linker's calibration): all of it decides the analysis.
    for (const name of (await readdir(directory, { recursive: true })).filter((file) => /\.(ts|mjs|json)$/.test(file)).sort()) {
      hashed.push(`${name}:${sha256Hex(await readFile(path.join(directory, name)))}`);
    }
  }
  hashed.push(sha256Hex(await readFile(parts.lockFile)));
  return sha256Hex(hashed.join("\n")).slice(0, 16);
}
